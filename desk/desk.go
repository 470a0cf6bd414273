// Package desk is the session every front end shares: the console, `resetdesk run` and
// each SSH session of `resetdesk serve` build one Desk and call the same methods. A Desk
// holds the config, the secret chain (RESETDESK_SECRET_<NAME> over the configured
// store), the journal key and the state directories; it opens a profile, tells the quota
// left, starts a run with the journal-and-history recorder, recovers the journal's
// secrets and lists the history. The demo is one way to build a Desk (its simulated back
// ends, no journal, no history), not a branch in the front ends.
//
// Audit policy lives here: a new secret is on disk (the journal) before anyone sees it;
// every request is in the history as it goes out; a run is refused before anything is
// sent when either cannot be written; the daily quota is counted from the history.
package desk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/demo"
	"resetdesk/store"
)

// Options builds a Desk.
type Options struct {
	// ConfigPath is --config ("" = $RESETDESK_CONFIG, else the XDG default).
	ConfigPath string
	// Demo builds the desk on the built-in simulated back ends.
	Demo bool
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Passphrase asks for the encrypted secrets file's passphrase (a hidden prompt on
	// the terminal); nil: only RESETDESK_VAULT_PASSPHRASE.
	Passphrase store.PassphraseFunc
	// Technician names who works at this desk in the history: the serve technician, or
	// "" for the OS account running the process.
	Technician string
	// Notice receives one-line notices the technician should read once (a journal key
	// file created, say); nil drops them.
	Notice func(string)
	// VaultWorkFactor is the scrypt cost (log2 N) of a new encrypted secrets file; 0 is
	// store.DefaultVaultWorkFactor (about a second). Tests lower it.
	VaultWorkFactor int
	// Debug, when set, receives one line per HTTP request a back end makes: method, path
	// (no query), status and time, with the profile's secret redacted (--debug).
	Debug func(string)
}

// Desk is one session.
type Desk struct {
	opts   Options
	getenv func(string) string
	cfg    *store.Config
	demo   *demo.Env

	storeMu  sync.Mutex
	store    store.SecretStore // the configured store, built once (the vault's passphrase is asked once)
	storeErr error
}

// New loads the config (or starts the demo back ends) and returns the desk.
func New(o Options) (*Desk, error) {
	d := &Desk{opts: o, getenv: o.Getenv}
	if d.getenv == nil {
		d.getenv = os.Getenv
	}
	if o.Demo {
		env, err := demo.Start()
		if err != nil {
			return nil, err
		}
		d.demo = env
		d.cfg = &store.Config{SecretStore: "demo", Profiles: env.Profiles(), JournalRetention: store.DefaultJournalRetention}
		return d, nil
	}
	path, explicit := store.ConfigPath(o.ConfigPath, d.getenv)
	cfg, err := store.LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		cfg.Path = path // where it would be: for "write your profiles in ..."
	}
	d.cfg = cfg
	return d, nil
}

// Close stops what the desk started (the demo back ends).
func (d *Desk) Close() {
	if d.demo != nil {
		d.demo.Close()
	}
}

// Config is the loaded config.
func (d *Desk) Config() *store.Config { return d.cfg }

// Demo reports whether the desk runs on the simulated back ends.
func (d *Desk) Demo() bool { return d.demo != nil }

// DemoEnv is the running demo, for tests that inspect its servers; nil otherwise.
func (d *Desk) DemoEnv() *demo.Env { return d.demo }

// Getenv reads the desk's environment.
func (d *Desk) Getenv(name string) string { return d.getenv(name) }

// Profiles lists the profiles this desk may use.
func (d *Desk) Profiles() []backends.Profile { return d.cfg.Profiles }

// Profile returns the profile named name.
func (d *Desk) Profile(name string) (backends.Profile, error) {
	return d.cfg.Profile(name)
}

// NoProfiles is the error for a desk with nothing to open: where to write profiles.
func (d *Desk) NoProfiles() error {
	return fmt.Errorf("no profiles: write them in %s (see README.md), or try `resetdesk --demo`", d.cfg.Path)
}

// technician is who the history says did a run.
func (d *Desk) technician() (osUser, technician string) {
	osUser = "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		osUser = u.Username
	} else if v := d.getenv("USER"); v != "" {
		osUser = v
	}
	return osUser, d.opts.Technician
}

func (d *Desk) notice(s string) {
	if d.opts.Notice != nil {
		d.opts.Notice(s)
	}
}

// JournalRetention is how long the journal keeps a secret: RESETDESK_JOURNAL_RETENTION,
// else the config's journal_retention, else 24 h.
func (d *Desk) JournalRetention() (time.Duration, error) {
	const env = "RESETDESK_JOURNAL_RETENTION"
	if v := d.getenv(env); v != "" {
		dur, err := store.ParseDuration(v)
		if err != nil || dur <= 0 {
			return 0, fmt.Errorf("%s=%q: give a positive duration like 24h, 90m or 7d", env, v)
		}
		return dur, nil
	}
	if d.cfg.JournalRetention > 0 {
		return d.cfg.JournalRetention, nil
	}
	return store.DefaultJournalRetention, nil
}

// ErrDemo is returned by what the demo does not keep (journal, history, credentials).
var ErrDemo = errors.New("--demo keeps no journal and no history and has built-in secrets: its passwords are not real")

// callTimeout bounds a slow call of the session (the history, a keyring) where the
// caller gave no deadline.
const callTimeout = 30 * time.Second

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, callTimeout)
}
