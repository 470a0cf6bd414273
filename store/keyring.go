package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// KeyringService is the service name under which resetdesk keeps its secrets in the OS
// keyring; the account is the profile name.
const KeyringService = "resetdesk"

// DefaultKeyringTimeout bounds every keyring call: go-keyring has no timeout of its own
// and blocks forever on some hosts (a locked collection waiting for a prompt no one sees).
const DefaultKeyringTimeout = 5 * time.Second

// ErrKeyringTimeout says the OS keyring did not answer in time: like ErrNoSecretService,
// the store cannot be reached now.
var ErrKeyringTimeout = errors.New("the OS keyring did not answer")

// ErrNoSecretService says that no Secret Service can be reached; the message tells the
// technician what to do instead.
var ErrNoSecretService = errors.New(`no Secret Service (OS keyring) is reachable here — the usual state of an SSH login; ` +
	`set secret_store = "file" in the config to keep secrets in an encrypted file instead`)

// keyringOps is go-keyring's API; tests replace it to simulate a hanging keyring.
type keyringOps interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type realKeyring struct{}

func (realKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (realKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (realKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// Keyring keeps secrets in the OS keyring (the freedesktop Secret Service on Linux).
// Every call runs in its own goroutine under Timeout, so a hanging keyring costs the
// caller at most Timeout; the abandoned call finishes (or not) on its own.
type Keyring struct {
	Service string              // KeyringService when empty
	Timeout time.Duration       // DefaultKeyringTimeout when zero
	Getenv  func(string) string // os.Getenv when nil; used to find the session bus
	ops     keyringOps
}

// NewKeyring returns the OS keyring store with the defaults.
func NewKeyring(getenv func(string) string) *Keyring { return &Keyring{Getenv: getenv} }

// Name says where the secrets live.
func (k *Keyring) Name() string { return "OS keyring" }

func (k *Keyring) service() string {
	if k.Service == "" {
		return KeyringService
	}
	return k.Service
}

func (k *Keyring) timeout() time.Duration {
	if k.Timeout <= 0 {
		return DefaultKeyringTimeout
	}
	return k.Timeout
}

// Get returns the profile's secret, ErrNoSecret when the keyring holds none.
func (k *Keyring) Get(ctx context.Context, profile string) (string, error) {
	var secret string
	err := k.call(ctx, "read", func(ops keyringOps) error {
		var err error
		secret, err = ops.Get(k.service(), profile)
		return err
	})
	if err != nil {
		// On a timeout the abandoned call may still write secret: do not read it.
		return "", err
	}
	return secret, nil
}

// Set stores the profile's secret, replacing any previous one.
func (k *Keyring) Set(ctx context.Context, profile, secret string) error {
	return k.call(ctx, "write", func(ops keyringOps) error {
		return ops.Set(k.service(), profile, secret)
	})
}

// Delete removes the profile's secret; ErrNoSecret when there was none.
func (k *Keyring) Delete(ctx context.Context, profile string) error {
	return k.call(ctx, "delete", func(ops keyringOps) error {
		return ops.Delete(k.service(), profile)
	})
}

// call runs fn off the caller's goroutine under the timeout and turns go-keyring's
// errors into messages a technician can act on. The raw error never carries a secret
// (go-keyring's errors come from D-Bus), but we do not pass it through blindly either.
func (k *Keyring) call(ctx context.Context, what string, fn func(keyringOps) error) error {
	ops := k.ops
	if ops == nil {
		if err := k.checkBus(); err != nil {
			return err
		}
		ops = realKeyring{}
	}
	done := make(chan error, 1) // buffered: an abandoned call must not leak a blocked goroutine
	go func() { done <- fn(ops) }()
	timer := time.NewTimer(k.timeout())
	defer timer.Stop()
	select {
	case err := <-done:
		return classifyKeyringError(what, err)
	case <-timer.C:
		return fmt.Errorf("%w within %s (is it locked, waiting for a prompt?): "+
			`unlock it, or set secret_store = "file" in the config`, ErrKeyringTimeout, k.timeout())
	case <-ctx.Done():
		return fmt.Errorf("keyring %s cancelled: %w", what, ctx.Err())
	}
}

// checkBus says plainly when there is no session bus at all, instead of letting godbus
// run dbus-launch, which on a headless host starts a stray bus per call (and fails
// obscurely where dbus-launch is not installed).
func (k *Keyring) checkBus() error {
	getenv := k.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return nil
		}
	}
	if u, err := user.Current(); err == nil {
		if _, err := os.Stat(filepath.Join("/run/user", u.Uid, "bus")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set)", ErrNoSecretService)
}

func classifyKeyringError(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNoSecret
	}
	msg := err.Error()
	for _, hint := range []string{
		"dbus-launch", "org.freedesktop.secrets", "session bus", "no such file or directory",
		"connection refused", "ServiceUnknown", "not provided by any .service files",
	} {
		if strings.Contains(msg, hint) {
			return fmt.Errorf("%w (%s)", ErrNoSecretService, firstLine(msg))
		}
	}
	if strings.Contains(msg, "failed to unlock") || strings.Contains(msg, "aliases/default") {
		return fmt.Errorf("the OS keyring has no unlocked default collection (the login keyring is missing or locked): "+
			`unlock it (gnome-keyring-daemon --unlock), or set secret_store = "file" in the config (%s)`, firstLine(msg))
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return errors.New("the secret is too large for the OS keyring")
	}
	return fmt.Errorf("OS keyring %s failed: %s", what, firstLine(msg))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
