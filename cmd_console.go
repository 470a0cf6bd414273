package main

import (
	"context"
	"time"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/history"
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
		QuotaLeft:  a.quotaLeft,
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

// quotaLeft reports the day's quota left for a profile that has one, counted from the
// history as `run` counts it (the demo keeps no history: its quota is always whole).
func (a *app) quotaLeft(p backends.Profile) (int, bool) {
	if p.DailyQuota <= 0 {
		return 0, false
	}
	if a.demoEnv != nil {
		return p.DailyQuota, true
	}
	path, err := history.Path(a.getenv)
	if err != nil {
		return p.DailyQuota, true
	}
	db, err := history.Open(path)
	if err != nil {
		return p.DailyQuota, true
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(a.context(), 5*time.Second)
	defer cancel()
	used, err := db.SuccessesSince(ctx, p.Name, history.Midnight(time.Now()))
	if err != nil {
		return p.DailyQuota, true
	}
	return max(p.DailyQuota-used, 0), true
}
