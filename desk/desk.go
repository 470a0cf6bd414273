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
	"path"
	"strings"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/demo"
	"resetdesk/backends/runner"
	"resetdesk/store"

	"filippo.io/age"
)

// Options builds a Host (and a Desk).
type Options struct {
	// ConfigPath is --config ("" = $RESETDESK_CONFIG, else the XDG default).
	ConfigPath string
	// Config, when set, is the config already loaded (ConfigPath is not read).
	Config *store.Config
	// Demo builds the desk on the built-in simulated back ends.
	Demo bool
	// Serving says the host serves SSH sessions (`resetdesk serve`): under Demo the
	// config is still read, for its [serve] and [technicians] (the demo's profiles
	// replace its own); no other demo command reads it, so a broken profile breaks none.
	Serving bool
	// DemoTechnician, for a Serving demo whose config names no technicians, is the one
	// technician let in (serve's: this account's own SSH keys).
	DemoTechnician func() (store.Technician, error)
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
	// RunDone, when set, is told of every run once it is over, with its final outcomes,
	// after the journal is closed and the history finished (`resetdesk serve` logs it).
	RunDone func(technician string, req runner.Request, outcomes []backends.Outcome)
	// Debug, when set, receives one line per HTTP request a back end makes: method, path
	// (no query), status and time, with the profile's secret redacted (--debug).
	Debug func(string)
	// Now is the clock of the host's runs and approval requests (their times, expiry);
	// nil is time.Now. Tests move it.
	Now func() time.Time
	// ApprovalPoll is how often the host looks in the history for what other processes
	// decided or filed (approval requests); 0 is DefaultApprovalPoll.
	ApprovalPoll time.Duration
}

// Host is what every desk of one process shares: the config, the secret store (built
// once, so the vault's passphrase is asked once), the demo back ends. `resetdesk serve`
// builds one Host and a Desk per SSH session; the other commands build one Desk.
type Host struct {
	opts   Options
	getenv func(string) string
	cfg    *store.Config
	demo   *demo.Env
	// demoQuota counts the demo's daily quota (a real host counts it in the history).
	demoQuota demoQuota

	storeMu  sync.Mutex
	store    store.SecretStore
	storeErr error

	keyMu    sync.Mutex // storeKey's answer
	keyID    *age.X25519Identity
	keyStore string
	keyErr   error

	reg       *Registry // the host's runs
	started   time.Time // when the host was built: runs unfinished before are cut off
	closeOnce sync.Once

	callersOnce sync.Once // the verification of callers (verifylog.go)
	calls       *callers
}

// Desk is one session at a host: a technician's when served (their profiles, their
// limits, their recover), the OS account's otherwise.
type Desk struct {
	*Host
	tech     *store.Technician // nil for a local desk
	ownsHost bool
	// terminal reads the technician's terminal environment (TERM, TMUX, STY, NO_COLOR)
	// where it is not the process's: an SSH session's. Never used for secrets or paths.
	terminal func(string) string
}

// NewHost loads the config (or starts the demo back ends).
func NewHost(o Options) (*Host, error) {
	h := &Host{opts: o, getenv: o.Getenv}
	if h.getenv == nil {
		h.getenv = os.Getenv
	}
	// Every command refuses a bad retention the same way, before anything is opened or
	// sent — not only those that purge the journal.
	if _, _, err := retentionFromEnv(h.getenv); err != nil {
		return nil, err
	}
	h.reg = newRegistry(h)
	h.started = h.now()
	if o.Demo {
		if err := h.startDemo(); err != nil {
			return nil, err
		}
		return h, nil
	}
	cfg, err := h.loadConfig()
	if err != nil {
		return nil, err
	}
	h.cfg = cfg
	return h, nil
}

// loadConfig is Options.Config, else the config file --config, $RESETDESK_CONFIG or
// the XDG default names.
func (h *Host) loadConfig() (*store.Config, error) {
	if h.opts.Config != nil {
		return h.opts.Config, nil
	}
	path, explicit := store.ConfigPath(h.opts.ConfigPath, h.getenv)
	cfg, err := store.LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	if cfg.Path == "" {
		cfg.Path = path // where it would be: for "write your profiles in ..."
	}
	return cfg, nil
}

// startDemo starts the simulated back ends and makes their profiles the host's. A
// serving demo keeps the config's [serve] and [technicians], or lets in
// Options.DemoTechnician when it names none.
func (h *Host) startDemo() error {
	env, err := demo.Start()
	if err != nil {
		return err
	}
	h.demo = env
	h.cfg = &store.Config{SecretStore: "demo", Profiles: env.Profiles(), JournalRetention: store.DefaultJournalRetention,
		ApprovalTTL: backends.DefaultApprovalTTL, Verify: store.DefaultVerify()}
	if !h.opts.Serving && h.opts.Config == nil {
		return nil
	}
	cfg, err := h.loadConfig()
	if err != nil {
		env.Close()
		return err
	}
	h.cfg.Path, h.cfg.Serve, h.cfg.Technicians = cfg.Path, cfg.Serve, cfg.Technicians
	if len(h.cfg.Technicians) == 0 && h.opts.Serving && h.opts.DemoTechnician != nil {
		t, err := h.opts.DemoTechnician()
		if err != nil {
			env.Close()
			return err
		}
		h.cfg.Technicians = []store.Technician{t}
	}
	return nil
}

// New builds a host and its one desk (for o.Technician, "" for the OS account).
func New(o Options) (*Desk, error) {
	h, err := NewHost(o)
	if err != nil {
		return nil, err
	}
	d, err := h.Desk(o.Technician)
	if err != nil {
		h.Close()
		return nil, err
	}
	d.ownsHost = true
	return d, nil
}

// Desk is a session for technician ("" for the OS account running the process).
func (h *Host) Desk(technician string) (*Desk, error) {
	d := &Desk{Host: h}
	if technician != "" {
		for i := range h.cfg.Technicians {
			if h.cfg.Technicians[i].Name == technician {
				t := h.cfg.Technicians[i]
				d.tech = &t
			}
		}
		if d.tech == nil {
			return nil, fmt.Errorf("no technician %q in %s", technician, h.cfg.Path)
		}
	}
	return d, nil
}

// Close drains the host's runs once (each stops dispatching; what is in flight gets
// inFlightGrace to finish into the journal, then is aborted), hands the approval
// requests it holds back to the history, and stops what the host started (the demo
// back ends).
func (h *Host) Close() {
	h.closeOnce.Do(func() {
		h.reg.closeRuns(inFlightGrace)
		if h.demo != nil {
			h.demo.Close()
		}
	})
}

// inFlightGrace bounds the wait, at a close, for requests a run still has in flight
// (each has its own timeout; this covers a stuck journal).
const inFlightGrace = 2 * time.Minute

// Close closes the session, and the host when New built it (its runs drained). The
// runs a session submitted are the host's: they go on when it closes.
func (d *Desk) Close() {
	if d.ownsHost {
		d.Host.Close()
	}
}

// Config is the loaded config.
func (h *Host) Config() *store.Config { return h.cfg }

// Demo reports whether the host runs on the simulated back ends.
func (h *Host) Demo() bool { return h.demo != nil }

// DemoEnv is the running demo, for tests that inspect its servers; nil otherwise.
func (h *Host) DemoEnv() *demo.Env { return h.demo }

// Getenv reads the environment of the technician's terminal (TERM, TMUX, STY,
// NO_COLOR): the session's when served, else the process's.
func (d *Desk) Getenv(name string) string {
	if d.terminal != nil {
		return d.terminal(name)
	}
	return d.getenv(name)
}

// SetTerminal gives a served desk its session's terminal environment.
func (d *Desk) SetTerminal(getenv func(string) string) { d.terminal = getenv }

// Technician is the served technician's name ("" for a local desk).
func (d *Desk) Technician() string {
	if d.tech == nil {
		return ""
	}
	return d.tech.Name
}

// allowed reports whether the desk's technician may use profile name.
func (d *Desk) allowed(name string) bool {
	return d.tech == nil || mayUse(d.tech, name)
}

// mayUse reports whether technician t may use profile name (every profile when their
// profiles list is empty).
func mayUse(t *store.Technician, name string) bool {
	if len(t.Profiles) == 0 {
		return true
	}
	for _, g := range t.Profiles {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// Profiles lists the profiles this desk may use.
func (d *Desk) Profiles() []backends.Profile {
	var out []backends.Profile
	for _, p := range d.cfg.Profiles {
		if d.allowed(p.Name) {
			out = append(out, p)
		}
	}
	return out
}

// Profile returns the profile named name, when this desk may use it.
func (d *Desk) Profile(name string) (backends.Profile, error) {
	p, err := d.cfg.Profile(name)
	if err != nil {
		return p, err
	}
	if !d.allowed(name) {
		return backends.Profile{}, fmt.Errorf("profile %s is not open to technician %s (their profiles: %s)", name, d.tech.Name, strings.Join(d.tech.Profiles, ", "))
	}
	return p, nil
}

// Allow says why req may not run at this desk (nil when it may): a profile the
// technician may not use, or more users than their max_users.
func (d *Desk) Allow(req runner.Request) error {
	p := req.Profile()
	if !d.allowed(p.Name) {
		_, err := d.Profile(p.Name)
		return err
	}
	if d.tech != nil && d.tech.MaxUsers > 0 && req.Len() > d.tech.MaxUsers {
		return fmt.Errorf("%d users is more than technician %s may reset in one run (max_users = %d): split the list", req.Len(), d.tech.Name, d.tech.MaxUsers)
	}
	return nil
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
	return osUser, d.Technician()
}

// now is the host's clock.
func (h *Host) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

func (h *Host) notice(s string) {
	if h.opts.Notice != nil {
		h.opts.Notice(s)
	}
}

// JournalRetention is how long the journal keeps a secret: RESETDESK_JOURNAL_RETENTION,
// else the config's journal_retention, else 24 h.
func (h *Host) JournalRetention() (time.Duration, error) {
	if dur, set, err := retentionFromEnv(h.getenv); set || err != nil {
		return dur, err
	}
	if h.cfg.JournalRetention > 0 {
		return h.cfg.JournalRetention, nil
	}
	return store.DefaultJournalRetention, nil
}

// retentionFromEnv reads RESETDESK_JOURNAL_RETENTION; set is false when it is unset.
func retentionFromEnv(getenv func(string) string) (dur time.Duration, set bool, err error) {
	const env = "RESETDESK_JOURNAL_RETENTION"
	v := getenv(env)
	if v == "" {
		return 0, false, nil
	}
	dur, err = store.ParseDuration(v)
	if err != nil || dur <= 0 {
		return 0, true, fmt.Errorf("%s=%q: give a positive duration like 24h, 90m or 7d", env, v)
	}
	return dur, true, nil
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
