package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/history"
	"resetdesk/store/journal"
	"resetdesk/ui"
)

// cmdConsole opens the console on the configured profiles, or the demo ones.
func cmdConsole(a *app, _ []string) int {
	cfg, err := a.config()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	if len(cfg.Profiles) == 0 {
		path := cfg.Path
		if path == "" {
			path, _ = configPathFor(a)
		}
		a.errorf("no profiles: write them in %s (see README.md), or try `resetdesk --demo`", path)
		return exitUsage
	}
	if !a.stdoutTTY || !a.stdinTTY {
		a.errorf("the console needs a terminal; for scripts use `resetdesk run`")
		return exitUsage
	}
	if err := a.unlockVault(cfg); err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	a.consoleOwnsTerminal = true
	secrets := a.secretStore(cfg)
	err = ui.Run(a.ctx, ui.Options{
		Profiles: cfg.Profiles,
		Demo:     a.demo,
		Open: func(ctx context.Context, p backends.Profile) (backends.Backend, error) {
			return a.openBackend(ctx, cfg, p)
		},
		SecretStatus: func(ctx context.Context, p backends.Profile) (string, error) {
			if _, err := secrets.Get(ctx, p.Name); err != nil {
				return "", err
			}
			return secretSource(a, cfg, p), nil
		},
		PrepareRun: a.prepareRun,
		// A quota that cannot be counted shows as spent; the run itself refuses then.
		QuotaLeft: func(p backends.Profile) (int, bool) {
			left, has, _ := a.quotaLeft(p)
			return left, has
		},
		Secrets: secrets,
		Recover: func(ctx context.Context) ([]ui.RecoverEntry, string, error) {
			return a.consoleRecover(ctx, cfg)
		},
		History: func(ctx context.Context, since time.Time) ([]*history.Run, []history.Outcome, error) {
			if a.demoEnv != nil {
				return nil, nil, errors.New("--demo runs keep no history")
			}
			return a.queryHistory(ctx, history.Filter{Since: since}, true)
		},
	})
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	return exitOK
}

// secretSource names where a profile's secret comes from, for the profiles page.
func secretSource(a *app, cfg *store.Config, p backends.Profile) string {
	switch {
	case a.demoEnv != nil:
		return "demo"
	case a.getenv(store.SecretEnvName(p.Name)) != "":
		return "env"
	}
	return a.secrets(cfg).Name()
}

// quotaLeft is the day's quota left for a profile that has one (has=false: no quota),
// counted from the history; an error when it cannot be counted. The demo keeps no
// history: its quota is always whole.
func (a *app) quotaLeft(p backends.Profile) (left int, has bool, err error) {
	if p.DailyQuota <= 0 {
		return 0, false, nil
	}
	if a.demoEnv != nil {
		return p.DailyQuota, true, nil
	}
	db, err := a.openHistory()
	if err != nil {
		return 0, true, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(a.context(), 5*time.Second)
	defer cancel()
	left, err = quotaLeftIn(ctx, db, p)
	return left, true, err
}

// consoleRecover is `recover` for the console's recover page: the same journal read,
// the same status words, and the notes `recover` prints on stderr as one line.
func (a *app) consoleRecover(ctx context.Context, cfg *store.Config) ([]ui.RecoverEntry, string, error) {
	if a.demoEnv != nil {
		return nil, "", errors.New("--demo runs keep no journal: their passwords are not real")
	}
	jr, err := a.readJournal(ctx, cfg)
	var notes []string
	if jr.PurgeErr != nil {
		notes = append(notes, jr.PurgeErr.Error())
	}
	if jr.Purged > 0 {
		notes = append(notes, fmt.Sprintf("purged %d journal file(s) older than %s", jr.Purged, jr.Keep))
	}
	if errors.Is(err, journal.ErrNoKey) {
		return nil, strings.Join(append(notes, "nothing to recover: no run has journaled a secret here yet"), "; "), nil
	}
	if err != nil {
		return nil, strings.Join(notes, "; "), err
	}
	var entries []ui.RecoverEntry
	for _, r := range jr.Runs {
		for _, e := range r.Entries {
			entries = append(entries, ui.RecoverEntry{Time: e.Time, Profile: e.Profile, Mode: e.Mode, User: e.User,
				Status: recoverStatus(e.Status), Secret: e.Secret})
		}
	}
	notes = append(notes, journalProblems(jr.Runs)...)
	if len(entries) == 0 {
		notes = append(notes, fmt.Sprintf("nothing to recover from the last %s", jr.Keep))
	}
	return entries, strings.Join(notes, "; "), nil
}

// unlockVault asks for the encrypted secrets file's passphrase before the console takes
// the terminal, when the config keeps secrets there and the file exists.
func (a *app) unlockVault(cfg *store.Config) error {
	if a.demoEnv != nil || cfg.SecretStore != store.SecretStoreFile {
		return nil
	}
	s, err := a.configuredStore(cfg)
	if err != nil {
		return err
	}
	v, ok := s.(*store.Vault)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(a.context(), 5*time.Minute)
	defer cancel()
	if _, err := v.Profiles(ctx); err != nil && !errors.Is(err, store.ErrNoSecret) {
		return err
	}
	return nil
}
