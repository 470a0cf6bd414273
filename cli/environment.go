package cli

import "github.com/spf13/cobra"

// environmentHelp is `resetdesk help environment`: every variable resetdesk reads.
const environmentHelp = `Environment variables resetdesk reads:

  RESETDESK_SECRET_<PROFILE>     the profile's secret (Odin/WebADM/EMM password, ADManager
                                 AuthToken, PRM token); overrides the secret store. <PROFILE>
                                 is the name upper-cased, every character outside A-Z and
                                 0-9 turned into _ (odin-lab -> RESETDESK_SECRET_ODIN_LAB)
  RESETDESK_SECRET_<PROFILE>_FILE
                                 a file whose first line is the profile's secret; it must be
                                 a regular file only its owner may read (chmod 600). Set it
                                 or RESETDESK_SECRET_<PROFILE>, not both

  A profile's secret is the first of: RESETDESK_SECRET_<PROFILE>, the file
  RESETDESK_SECRET_<PROFILE>_FILE names, the first line printed by the profile's
  secret_command (config: secret_command = ["pass", "show", "resetdesk/odin-lab"], run
  without a shell, no input, 30 s at most; its error output is never shown), the secret
  store. ` + "`resetdesk creds status`" + ` says which one answers.

  RESETDESK_SECRET_JOURNAL_KEY   the journal's key (an age X25519 identity); else the
                                 secret store, else a 0600 key file in the state directory
  RESETDESK_VAULT_PASSPHRASE     the passphrase of the encrypted secrets file
                                 (secret_store = "file"), for automation
  RESETDESK_CONFIG               the config file (--config wins)
  RESETDESK_JOURNAL_RETENTION    how long the journal keeps a secret (24h, 7d); overrides
                                 journal_retention
  RESETDESK_DEBUG=1              as --debug: log each request to stderr, secrets redacted
  XDG_CONFIG_HOME                config: $XDG_CONFIG_HOME/resetdesk/config.toml (~/.config)
  XDG_STATE_HOME                 history and journal: $XDG_STATE_HOME/resetdesk (~/.local/state)
  XDG_DATA_HOME                  encrypted secrets file and SSH host key:
                                 $XDG_DATA_HOME/resetdesk (~/.local/share)
  NO_COLOR                       no colors in the console
  TMUX, STY                      inside tmux or screen, OSC 52 copies are wrapped for them
  DBUS_SESSION_BUS_ADDRESS       where the OS keyring (Secret Service) is reached
`

// environmentTopic is the `help environment` topic: a command with no action, which
// cobra lists among the help topics.
func environmentTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "environment",
		Short: "The environment variables resetdesk reads",
		Long:  environmentHelp,
	}
}
