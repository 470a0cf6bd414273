package cli

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
)

// envVar is one environment variable resetdesk reads: `help environment` and the man
// page's ENVIRONMENT section are both made from this one list.
type envVar struct{ name, text string }

var environmentVars = []envVar{
	{"RESETDESK_SECRET_<PROFILE>", "the profile's secret (Odin/WebADM/EMM password, ADManager AuthToken, PRM token); " +
		"overrides the secret store. <PROFILE> is the name upper-cased, every character outside A-Z and 0-9 turned " +
		"into _ (odin-lab -> RESETDESK_SECRET_ODIN_LAB)"},
	{"RESETDESK_SECRET_<PROFILE>_FILE", "a file whose first line is the profile's secret; a regular file only its " +
		"owner may read (chmod 600), else refused. Set it or RESETDESK_SECRET_<PROFILE>, not both"},
	{"RESETDESK_SECRET_JOURNAL_KEY", "the journal's key (an age X25519 identity); else the secret store, else a " +
		"0600 key file in the state directory"},
	{"RESETDESK_SECRET_SMTP", "the mail relay's password ([verify] smtp_username), for codes"},
	{"RESETDESK_SECRET_SMS", "the SMS gateway's bearer token ([verify] sms_url)"},
	{"RESETDESK_VAULT_PASSPHRASE", "the passphrase of the encrypted secrets file (secret_store = \"file\"), for automation"},
	{"RESETDESK_CONFIG", "the config file (--config wins)"},
	{"RESETDESK_JOURNAL_RETENTION", "how long the journal keeps a secret (24h, 7d); overrides journal_retention. " +
		"A value that is not a positive duration is refused by every command"},
	{"RESETDESK_DEBUG=1", "as --debug: log each request to stderr, secrets redacted"},
	{"XDG_CONFIG_HOME", "config: $XDG_CONFIG_HOME/resetdesk/config.toml (~/.config)"},
	{"XDG_STATE_HOME", "history and journal: $XDG_STATE_HOME/resetdesk (~/.local/state)"},
	{"XDG_DATA_HOME", "encrypted secrets file and SSH host key: $XDG_DATA_HOME/resetdesk (~/.local/share)"},
	{"NO_COLOR", "no colors in the console"},
	{"TMUX, STY", "inside tmux or screen, OSC 52 copies are wrapped for them"},
	{"DBUS_SESSION_BUS_ADDRESS", "where the OS keyring (Secret Service) is reached"},
}

// secretChainText says in what order a profile's secret is looked for.
const secretChainText = "A profile's secret is the first of: RESETDESK_SECRET_<PROFILE>; the file " +
	"RESETDESK_SECRET_<PROFILE>_FILE names; the first line printed by the profile's secret_command " +
	"(config: secret_command = [\"pass\", \"show\", \"resetdesk/odin-lab\"]; run without a shell, with no " +
	"input, for 30 s at most; its error output is never shown, as it may hold the secret); the secret " +
	"store. `resetdesk creds status` reads it as a run would and says which one answered."

// environmentHelp is `resetdesk help environment`: every variable, its text wrapped
// beside the name (or under it, for a long name), then the secret chain.
func environmentHelp() string {
	const nameWidth, textWidth = 31, 58
	var b strings.Builder
	b.WriteString("Environment variables resetdesk reads:\n\n")
	pad := strings.Repeat(" ", 2+nameWidth+1)
	for _, v := range environmentVars {
		lines := strings.Split(ansi.Wordwrap(v.text, textWidth, ""), "\n")
		if len(v.name) > nameWidth {
			fmt.Fprintf(&b, "  %s\n%s%s\n", v.name, pad, lines[0])
		} else {
			fmt.Fprintf(&b, "  %-*s %s\n", nameWidth, v.name, lines[0])
		}
		for _, l := range lines[1:] {
			b.WriteString(pad + l + "\n")
		}
	}
	b.WriteString("\n" + ansi.Wordwrap(secretChainText, 2+nameWidth+1+textWidth, "") + "\n")
	return b.String()
}

// environmentTopic is the `help environment` topic: a command with no action, which
// cobra lists among the help topics.
func environmentTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "environment",
		Short: "The environment variables resetdesk reads",
		Long:  environmentHelp(),
	}
}
