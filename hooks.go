package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/history"
	"resetdesk/store/journal"
)

// secrets is the secret chain for a config: RESETDESK_SECRET_<NAME> over the configured store.
func (a *app) secrets(cfg *store.Config) store.SecretStore {
	next, err := a.configuredStore(cfg)
	if err != nil {
		return store.EnvSecrets{Next: brokenStore{err: err}, Lookup: a.lookupEnv}
	}
	return store.EnvSecrets{Next: next, Lookup: a.lookupEnv}
}

func (a *app) lookupEnv(name string) (string, bool) {
	v := a.getenv(name)
	return v, v != ""
}

// configuredStore returns the store that secret_store names, built once per app so that
// the vault's passphrase is asked once per process however many commands and pages use
// it. There is no fallback: a keyring that cannot be reached is an error that points to
// the file store.
func (a *app) configuredStore(cfg *store.Config) (store.SecretStore, error) {
	a.storeMu.Lock()
	defer a.storeMu.Unlock()
	if a.store != nil {
		return a.store, nil
	}
	var s store.SecretStore
	switch cfg.SecretStore {
	case store.SecretStoreKeyring, "":
		s = store.NewKeyring(a.getenv)
	case store.SecretStoreFile:
		v, err := store.NewVault(a.getenv, a.vaultPassphrase)
		if err != nil {
			return nil, err
		}
		s = v
	default:
		return nil, fmt.Errorf("config %s: secret_store %q: use \"keyring\" or \"file\"", cfg.Path, cfg.SecretStore)
	}
	a.store = s
	return s, nil
}

// brokenStore reports why the configured store could not be built, on every call.
type brokenStore struct{ err error }

func (b brokenStore) Name() string                                { return "secret store" }
func (b brokenStore) Get(context.Context, string) (string, error) { return "", b.err }
func (b brokenStore) Set(context.Context, string, string) error   { return b.err }
func (b brokenStore) Delete(context.Context, string) error        { return b.err }

// vaultPassphrase gives the vault's passphrase: RESETDESK_VAULT_PASSPHRASE for
// automation, else a hidden prompt on the terminal (twice for a new vault).
func (a *app) vaultPassphrase(create bool) (string, error) {
	if v := a.getenv(store.VaultPassphraseEnv); v != "" {
		return v, nil
	}
	if !a.stdinTTY {
		return "", fmt.Errorf("the encrypted secrets file needs its passphrase: set %s (stdin is not a terminal to ask on)", store.VaultPassphraseEnv)
	}
	if a.consoleOwnsTerminal {
		// The console draws the screen: a prompt now would write over it and fight it for
		// the keys. The passphrase is asked before the console starts; creating the file
		// needs `creds set`, which asks twice.
		return "", fmt.Errorf("the encrypted secrets file does not exist yet: create it with `resetdesk creds set PROFILE` (it asks for a new passphrase), or set %s", store.VaultPassphraseEnv)
	}
	prompt := "Passphrase for resetdesk's encrypted secrets file: "
	if create {
		prompt = "New passphrase for resetdesk's encrypted secrets file: "
	}
	p, err := a.readHidden(prompt)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("empty passphrase: nothing done")
	}
	if create {
		again, err := a.readHidden("Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the passphrases differ: nothing done")
		}
	}
	return p, nil
}

// readHidden reads a line from the terminal on stdin without echoing it.
func (a *app) readHidden(prompt string) (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("stdin is not a terminal to ask on")
	}
	fmt.Fprint(a.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("reading from the terminal: %v", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// journalSecrets is where the journal key lives: RESETDESK_SECRET_JOURNAL_KEY (an age
// X25519 identity) for automation with no secret store, else the configured store, where
// the first run creates it. Nothing is journaled unencrypted and there is no fallback:
// when neither works the run is refused before anything is sent.
func (a *app) journalSecrets(cfg *store.Config) (store.SecretStore, error) {
	if v := a.getenv(store.SecretEnvName(journal.KeyAccount)); v != "" {
		return fixedSecret{name: store.SecretEnvName(journal.KeyAccount), value: v}, nil
	}
	return a.configuredStore(cfg)
}

// fixedSecret is a read-only store holding one secret (the journal key from the environment).
type fixedSecret struct{ name, value string }

func (f fixedSecret) Name() string                                { return "environment (" + f.name + ")" }
func (f fixedSecret) Get(context.Context, string) (string, error) { return f.value, nil }
func (f fixedSecret) Set(context.Context, string, string) error {
	return fmt.Errorf("%s holds the journal key but it is not an age identity", f.name)
}
func (f fixedSecret) Delete(context.Context, string) error { return errors.New("read-only") }

// journalRetention is the config's journal_retention, overridden by
// RESETDESK_JOURNAL_RETENTION.
func (a *app) journalRetention(cfg *store.Config) (time.Duration, error) {
	const env = "RESETDESK_JOURNAL_RETENTION"
	if v := a.getenv(env); v != "" {
		d, err := store.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%s=%q: give a positive duration like 24h, 90m or 7d", env, v)
		}
		return d, nil
	}
	if cfg != nil && cfg.JournalRetention > 0 {
		return cfg.JournalRetention, nil
	}
	return store.DefaultJournalRetention, nil
}

// osUser names the technician in the history.
func (a *app) osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if v := a.getenv("USER"); v != "" {
		return v
	}
	return "unknown"
}

// prepareRun is called by `run` and by the console before a run starts: the journal
// hook, the quota left and the history record. The demo's simulated back ends keep no
// journal and no history (their passwords are not real). warn receives what goes wrong
// without stopping the run (a purge, the journal's or the history's last write), here and
// in finish: `run` prints it on stderr, the console shows it on its status line.
func (a *app) prepareRun(p backends.Profile, job *backends.Job, warn func(string)) (finish func([]backends.Outcome), err error) {
	if a.demoEnv != nil {
		if p.DailyQuota > 0 {
			left := p.DailyQuota
			job.QuotaLeft = &left
		}
		return func([]backends.Outcome) {}, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(a.context(), 30*time.Second)
	defer cancel()

	jw, err := a.openJournal(ctx, cfg, p, job.Mode.Name, warn)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal, nothing sent (a new password must be on disk before it is shown): %w", err)
	}
	db, err := a.openHistory()
	if err == nil {
		finish, err = a.startHistory(ctx, db, p, job, jw, warn)
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		jw.Close()
		return nil, fmt.Errorf("%w; nothing sent", err)
	}
	return finish, nil
}

func (a *app) context() context.Context {
	if a.ctx != nil {
		return a.ctx
	}
	return context.Background()
}

// warn prints a warning on stderr, for commands (the console shows its own).
func (a *app) warn(s string) { a.errorf("%s", s) }

// openHistory opens the history database under the state directory.
func (a *app) openHistory() (*history.DB, error) {
	path, err := history.Path(a.getenv)
	if err != nil {
		return nil, err
	}
	return history.Open(path)
}

func (a *app) openJournal(ctx context.Context, cfg *store.Config, p backends.Profile, mode string, warn func(string)) (*journal.Writer, error) {
	ks, err := a.journalSecrets(cfg)
	if err != nil {
		return nil, err
	}
	id, err := journal.LoadKey(ctx, ks, true)
	if errors.Is(err, store.ErrNoSecretService) {
		// Environment secrets alone (automation on a host with no keyring) still need a
		// journal key: say where it can come from.
		return nil, fmt.Errorf("%w; or, with secrets in the environment, give the journal an age identity (from age-keygen) in %s",
			err, store.SecretEnvName(journal.KeyAccount))
	}
	if err != nil {
		return nil, err
	}
	dir, err := journal.Dir(a.getenv)
	if err != nil {
		return nil, err
	}
	if keep, err := a.journalRetention(cfg); err == nil {
		// Old secrets go whenever a run starts, not only when someone runs recover.
		if _, err := journal.Purge(dir, time.Now().Add(-keep)); err != nil {
			warn(err.Error())
		}
	}
	return journal.Open(dir, id.Recipient(), p.Name, mode)
}

// startHistory records the run, sets the quota left from today's successes, hooks the
// journal and the history into the job, and returns the finish hook that records the
// outcomes. The journal comes first in each hook: a secret must be on disk before
// anything else happens. The history follows each request as it goes out and as its
// answer comes, so that a killed run still shows who was reset and still counts against
// the quota; its errors are warned once and never stop the run (the final record at
// finish tries again).
func (a *app) startHistory(ctx context.Context, db *history.DB, p backends.Profile, job *backends.Job, jw *journal.Writer, warn func(string)) (func([]backends.Outcome), error) {
	now := time.Now()
	if p.DailyQuota > 0 {
		left, err := quotaLeftIn(ctx, db, p)
		if err != nil {
			return nil, err
		}
		job.QuotaLeft = &left
	}
	id, err := db.StartRun(ctx, history.RunInfo{
		OSUser: a.osUser(), Started: now, Profile: p.Name, Kind: p.Kind,
		Mode: job.Mode.Name, Ticket: job.Options.Ticket, Total: len(job.Users),
	})
	if err != nil {
		return nil, err
	}
	var warnOnce sync.Once
	histWarn := func(err error) {
		warnOnce.Do(func() { warn(fmt.Sprintf("%v (recording goes on at the end of the run)", err)) })
	}
	hctx := context.WithoutCancel(ctx)
	job.Intend = func(o backends.Outcome) error {
		if err := jw.Intend(o); err != nil {
			return err
		}
		if err := db.Sending(hctx, id, o, time.Now()); err != nil {
			histWarn(err)
		}
		return nil
	}
	job.Record = func(o backends.Outcome) error {
		err := jw.Record(o)
		if herr := db.Record(hctx, id, o, time.Now()); herr != nil {
			histWarn(herr)
		}
		return err
	}
	var once sync.Once
	return func(outcomes []backends.Outcome) {
		once.Do(func() {
			defer db.Close()
			if err := jw.Close(); err != nil {
				warn(fmt.Sprintf("journal: %v", err))
			}
			fctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := db.FinishRun(fctx, id, outcomes, time.Now()); err != nil {
				warn(fmt.Sprintf("%v (the results above are complete)", err))
			}
		})
	}, nil
}

// quotaLeftIn is the day's quota left for a profile with a daily_quota: the quota less
// today's resets that may have spent it, as the history counts them.
func quotaLeftIn(ctx context.Context, db *history.DB, p backends.Profile) (int, error) {
	used, err := db.SuccessesSince(ctx, p.Name, history.Midnight(time.Now()))
	if err != nil {
		return 0, err
	}
	return max(p.DailyQuota-used, 0), nil
}
