package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/redact"
	"resetdesk/store"
)

// Secrets is the secret chain: RESETDESK_SECRET_<NAME>, RESETDESK_SECRET_<NAME>_FILE and
// the profile's secret_command over the configured store (the demo's built-in secrets
// under --demo). Every front end and command reads a secret through it.
func (d *Desk) Secrets() store.SecretStore { return d.chain() }

// chain is Secrets as its concrete type, for SecretSource and SecretOutside.
func (d *Desk) chain() store.EnvSecrets {
	if d.demo != nil {
		return store.EnvSecrets{Lookup: func(name string) (string, bool) {
			for _, p := range d.demo.Profiles() {
				if store.SecretEnvName(p.Name) == name {
					return d.demo.Secret(p.Name)
				}
			}
			return "", false
		}}
	}
	next, err := d.ConfiguredStore()
	if err != nil {
		next = brokenStore{err: err}
	}
	if d.tech != nil {
		// A served session uses the host's credentials; it never changes them.
		next = hostSecrets{next}
	}
	return store.EnvSecrets{Next: next, Lookup: d.lookupEnv, Command: d.secretCommand}
}

// secretCommand is the secret_command of the config's profile named name.
func (h *Host) secretCommand(name string) []string {
	p, err := h.cfg.Profile(name)
	if err != nil {
		return nil
	}
	return p.SecretCommand
}

// SecretOutside says where p's secret comes from when not from the store — the
// environment (store.SourceEnv), a file (store.SourceFile) or its secret_command
// (store.SourceCommand) — or "" for the store; nothing is read or run.
func (d *Desk) SecretOutside(p backends.Profile) string {
	if d.demo != nil {
		return ""
	}
	return d.chain().Outside(p.Name)
}

// hostSecrets is the host's store as a served session sees it: read, never written.
type hostSecrets struct{ store.SecretStore }

var errHostSecrets = errors.New("the credentials live on the host that serves resetdesk: set them there with `resetdesk creds set PROFILE`")

func (hostSecrets) Set(context.Context, string, string) error { return errHostSecrets }
func (hostSecrets) Delete(context.Context, string) error      { return errHostSecrets }

func (d *Desk) lookupEnv(name string) (string, bool) {
	v := d.getenv(name)
	return v, v != ""
}

// ConfiguredStore is the store secret_store names, built once per host so that the
// vault's passphrase is asked once however many sessions, commands and pages use it. There is no
// fallback: a keyring that cannot be reached is an error that points to the file store.
func (h *Host) ConfiguredStore() (store.SecretStore, error) {
	if h.demo != nil {
		return nil, ErrDemo
	}
	h.storeMu.Lock()
	defer h.storeMu.Unlock()
	if h.store != nil || h.storeErr != nil {
		return h.store, h.storeErr
	}
	switch h.cfg.SecretStore {
	case store.SecretStoreKeyring, "":
		h.store = store.NewKeyring(h.getenv)
	case store.SecretStoreFile:
		ask := h.opts.Passphrase
		if ask == nil {
			ask = func(bool) (string, error) {
				return "", fmt.Errorf("the encrypted secrets file needs its passphrase: set %s", store.VaultPassphraseEnv)
			}
		}
		v, err := store.NewVault(h.getenv, func(create bool) (string, error) {
			if v := h.getenv(store.VaultPassphraseEnv); v != "" {
				return v, nil
			}
			return ask(create)
		})
		if err == nil {
			v.WorkFactor = h.opts.VaultWorkFactor
			h.store = v
		}
		h.storeErr = err
	default:
		h.storeErr = fmt.Errorf("config %s: secret_store %q: use \"keyring\" or \"file\"", h.cfg.Path, h.cfg.SecretStore)
	}
	return h.store, h.storeErr
}

// UnlockVault asks for the encrypted secrets file's passphrase now, when the config
// keeps secrets there and the file exists: the console calls it before it takes the
// terminal, so that no prompt ever fights the screen.
func (h *Host) UnlockVault(ctx context.Context) error {
	if h.demo != nil || h.cfg.SecretStore != store.SecretStoreFile {
		return nil
	}
	s, err := h.ConfiguredStore()
	if err != nil {
		return err
	}
	v, ok := s.(*store.Vault)
	if !ok {
		return nil
	}
	if _, err := v.Profiles(ctx); err != nil && !errors.Is(err, store.ErrNoSecret) {
		return err
	}
	return nil
}

// SecretSource names where profile p's secret comes from — "demo", store.SourceEnv,
// store.SourceFile, store.SourceCommand, or the store's name — by reading it through the
// chain (Secrets): an error when no link has it (store.ErrNoSecret) or one fails.
func (d *Desk) SecretSource(ctx context.Context, p backends.Profile) (string, error) {
	if d.demo != nil {
		return "demo", nil
	}
	_, src, err := d.chain().Find(ctx, p.Name)
	return src, err
}

// brokenStore reports why the configured store could not be built, on every call.
type brokenStore struct{ err error }

func (b brokenStore) Name() string                                { return "secret store" }
func (b brokenStore) Get(context.Context, string) (string, error) { return "", b.err }
func (b brokenStore) Set(context.Context, string, string) error   { return b.err }
func (b brokenStore) Delete(context.Context, string) error        { return b.err }

// Open fetches profile p's secret (the keyring may block: call it off the UI goroutine)
// and builds its back end. Nothing is sent.
func (d *Desk) Open(ctx context.Context, p backends.Profile) (backends.Backend, error) {
	if _, err := d.Profile(p.Name); err != nil {
		return nil, err
	}
	return d.open(ctx, p)
}

// open is Open for a profile the desk uses on the technician's behalf without their
// choosing it (a verification's directory profile).
func (d *Desk) open(ctx context.Context, p backends.Profile) (backends.Backend, error) {
	secret, err := d.Secrets().Get(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	var opts []backends.OpenOption
	if d.opts.Debug != nil {
		red := redact.New(secret)
		opts = append(opts, backends.WithRequestLog(func(method, path string, status int, elapsed time.Duration, err error) {
			line := fmt.Sprintf("%s: %s %s -> %d in %s", p.Name, method, path, status, elapsed.Round(time.Millisecond))
			if err != nil {
				line += " (" + err.Error() + ")"
			}
			d.opts.Debug(red.String(line))
		}))
	}
	return backends.Open(p, secret, opts...)
}
