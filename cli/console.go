package cli

import (
	"context"
	"time"

	"resetdesk/store"
	"resetdesk/ui"
)

// console opens the console on the configured profiles, or the demo ones.
func (a *app) console(ctx context.Context) error {
	d, err := a.openDesk()
	if err != nil {
		return err
	}
	if len(d.Profiles()) == 0 {
		return asUsage(d.NoProfiles())
	}
	if !a.env.StdoutTTY || !a.env.StdinTTY {
		return usageErr("the console needs a terminal; for scripts use `resetdesk run`")
	}
	// The vault's passphrase is asked before the console draws, never while it draws;
	// scrypt then takes a second or so, which must not look like a hang.
	if d.Config().SecretStore == store.SecretStoreFile {
		a.unlockNotice = true
		if a.getenv(store.VaultPassphraseEnv) != "" {
			a.notice("unlocking the encrypted secrets file…")
		}
	}
	uctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	err = d.UnlockVault(uctx)
	cancel()
	if err != nil {
		return asUsage(err)
	}
	a.consoleOwnsTerminal = true
	a.consoleNotices = ui.NewNotices(a.notice)
	if err := ui.Run(ctx, d, ui.WithNotices(a.consoleNotices)); err != nil {
		return asUsage(err)
	}
	return nil
}
