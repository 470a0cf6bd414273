package cli

import (
	"context"
	"log/slog"
	"time"

	charmlog "charm.land/log/v2"
	"github.com/spf13/cobra"

	"resetdesk/desk"
	"resetdesk/serve"
	"resetdesk/store"
)

func (a *app) serveCommand() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR]",
		Short: "Serve the console over SSH to the technicians of the config, by public key",
		Long: `Serve the console over SSH: each technician connects with the SSH client they have and
gets the console at this host's desk — its profiles, its credentials (which never leave
it), one history and one daily quota for every session.

Technicians are the config's [technicians.NAME] tables: the public keys that identify them
(keys = ["ssh-ed25519 AAAA... alice@laptop"]), the profiles they may use (profiles = globs,
default all) and the most users in one run (max_users). Only public keys are accepted; the
SSH user name is not an identity. The [serve] table sets listen (default ` + serve.DefaultListen + `),
host_key (default $XDG_DATA_HOME/resetdesk/` + serve.HostKeyFile + `, an ed25519 key created on
first start, its fingerprint printed), idle_timeout (default 15m) and max_sessions (50).

With --demo and no [technicians], this account's own keys (~/.ssh/*.pub and
~/.ssh/authorized_keys) get in as technician "demo".

The log on stderr (key=value lines) records connections (technician, key fingerprint,
remote address) and runs (technician, profile, mode, users, outcome counts), never a
secret. SIGTERM, Ctrl+C or a hang-up stops accepting and ends every session as a dropped
connection does — runs stop dispatching, requests in flight finish into the journal, and
recover has their secrets — then exits; a second signal aborts the requests in flight.`,
		Example: `  resetdesk serve --demo       # then, as the same account:
  ssh -p 2222 localhost
  resetdesk serve --listen 0.0.0.0:2222
  ssh -p 2222 jumphost         # a technician, with a key of the config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.serve(cmd.Context(), listen)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on, HOST:PORT (default: [serve] listen, else "+serve.DefaultListen+")")
	return cmd
}

// serve runs `resetdesk serve` until a signal stops it.
func (a *app) serve(ctx context.Context, listen string) error {
	logger := slog.New(slog.NewTextHandler(a.env.Stderr, nil))
	host, err := a.serveHost(logger)
	if err != nil {
		return err
	}
	defer host.Close()
	// The vault's passphrase is asked now, on the terminal of whoever starts the server;
	// once serving, nothing may prompt there.
	uctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	err = host.UnlockVault(uctx)
	cancel()
	if err != nil {
		return asUsage(err)
	}
	a.consoleOwnsTerminal = true
	srv, err := serve.New(serve.Options{Host: host, Listen: listen, Getenv: a.getenv, Log: logger, Out: a.env.Stdout})
	if err != nil {
		return asUsage(err)
	}
	ln, err := srv.Listen()
	if err != nil {
		return asUsage(err)
	}
	// What the SSH libraries log goes to the same stream, in the same key=value form.
	slog.SetDefault(logger)
	charmlog.SetDefault(charmlog.NewWithOptions(a.env.Stderr, charmlog.Options{ReportTimestamp: true, Formatter: charmlog.LogfmtFormatter}))
	sctx, drain, stop := signalContext(ctx)
	defer stop()
	if err := srv.Serve(sctx, ln, drain); err != nil {
		return &exitError{code: ExitSome, err: err}
	}
	return nil
}

// serveHost builds the host every session shares; the host reads the config. Under
// --demo the config still gives [serve] and [technicians]; with no technicians there,
// this account's own keys get in.
func (a *app) serveHost(logger *slog.Logger) (*desk.Host, error) {
	var debug func(string)
	if a.debugLog() != nil {
		debug = func(line string) { logger.Info("request", "line", line) }
	}
	host, err := desk.NewHost(desk.Options{
		ConfigPath: a.configPath,
		Demo:       a.demo,
		Serving:    true,
		DemoTechnician: func() (store.Technician, error) {
			return serve.DemoTechnician(a.getenv)
		},
		Getenv:     a.getenv,
		Passphrase: a.vaultPassphrase,
		Notice:     func(s string) { logger.Info("notice", "text", s) },
		Debug:      debug,
		RunDone:    serve.LogRun(logger),

		VaultWorkFactor: a.workFactor,
	})
	if err != nil {
		return nil, asUsage(err)
	}
	return host, nil
}
