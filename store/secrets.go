package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNoSecret is returned by a SecretStore that holds no secret for a profile.
var ErrNoSecret = errors.New("no secret stored")

// SecretStore keeps one secret per profile (an Odin password, an ADManager AuthToken...).
// Implementations must never put the secret in an error string.
type SecretStore interface {
	// Name says where secrets live, for messages: "OS keyring", "encrypted file ...".
	Name() string
	Get(ctx context.Context, profile string) (string, error)
	Set(ctx context.Context, profile, secret string) error
	Delete(ctx context.Context, profile string) error
}

// SecretEnvName is the environment variable that overrides a profile's stored secret:
// RESETDESK_SECRET_ and the profile name upper-cased, every character outside A-Z and
// 0-9 turned into '_' (odin-lab -> RESETDESK_SECRET_ODIN_LAB).
func SecretEnvName(profile string) string {
	return "RESETDESK_SECRET_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, profile)
}

// EnvSecrets is the one chain a profile's secret comes through: RESETDESK_SECRET_<NAME>
// when set; else the file RESETDESK_SECRET_<NAME>_FILE names; else the profile's
// secret_command; else the store. Next may be nil (no store).
type EnvSecrets struct {
	Next   SecretStore
	Lookup func(string) (string, bool) // os.LookupEnv when nil
	// Command gives a profile's secret_command (nil: none); nil for no commands.
	Command func(profile string) []string
}

// Name describes the chain.
func (e EnvSecrets) Name() string {
	if e.Next == nil {
		return "environment (RESETDESK_SECRET_<PROFILE>)"
	}
	return e.Next.Name()
}

func (e EnvSecrets) lookup(name string) (string, bool) {
	if e.Lookup != nil {
		return e.Lookup(name)
	}
	return os.LookupEnv(name)
}

// Get returns the profile's secret from the first link of the chain that has one.
func (e EnvSecrets) Get(ctx context.Context, profile string) (string, error) {
	v, _, err := e.Find(ctx, profile)
	return v, err
}

// Find returns the profile's secret and where it came from: SourceEnv, SourceFile,
// SourceCommand, or the store's Name().
func (e EnvSecrets) Find(ctx context.Context, profile string) (secret, source string, err error) {
	switch src := e.Outside(profile); src {
	case SourceEnv:
		if _, both := e.lookup(SecretFileEnvName(profile)); both {
			return "", "", fmt.Errorf("profile %s: both %s and %s are set: set one", profile, SecretEnvName(profile), SecretFileEnvName(profile))
		}
		v, _ := e.lookup(SecretEnvName(profile))
		if v == "" {
			return "", "", fmt.Errorf("profile %s: %s is set but empty", profile, SecretEnvName(profile))
		}
		return v, src, nil
	case SourceFile:
		path, _ := e.lookup(SecretFileEnvName(profile))
		v, err := ReadSecretFile(path)
		if err != nil {
			return "", "", fmt.Errorf("profile %s: %s: %w", profile, SecretFileEnvName(profile), err)
		}
		return v, src, nil
	case SourceCommand:
		v, err := RunSecretCommand(ctx, e.Command(profile), SecretCommandTimeout)
		if err != nil {
			return "", "", fmt.Errorf("profile %s: %w", profile, err)
		}
		return v, src, nil
	}
	if e.Next == nil {
		return "", "", noSecret(fmt.Sprintf("profile %s: no secret: set %s (or configure a secret store)", profile, SecretEnvName(profile)))
	}
	v, err := e.Next.Get(ctx, profile)
	if errors.Is(err, ErrNoSecret) {
		return "", "", noSecret(fmt.Sprintf("profile %s: no secret in the %s: run `resetdesk creds set %s` (or set %s)", profile, e.Next.Name(), profile, SecretEnvName(profile)))
	}
	if err != nil {
		return "", "", fmt.Errorf("profile %s: %w (for automation, %s overrides the store)", profile, err, SecretEnvName(profile))
	}
	return v, e.Next.Name(), nil
}

// Outside says which link before the store would give the profile's secret — SourceEnv,
// SourceFile or SourceCommand — or "" when the store would. Nothing is read or run.
func (e EnvSecrets) Outside(profile string) string {
	if _, ok := e.lookup(SecretEnvName(profile)); ok {
		return SourceEnv
	}
	if _, ok := e.lookup(SecretFileEnvName(profile)); ok {
		return SourceFile
	}
	if e.Command != nil && len(e.Command(profile)) > 0 {
		return SourceCommand
	}
	return ""
}

// noSecret is a message that says in full what to do about a missing secret and still
// matches ErrNoSecret (errors.Is), whose own text it does not repeat.
type noSecret string

func (e noSecret) Error() string { return string(e) }
func (e noSecret) Unwrap() error { return ErrNoSecret }

// Set stores the secret in the underlying store.
func (e EnvSecrets) Set(ctx context.Context, profile, secret string) error {
	if e.Next == nil {
		return errors.New("no secret store configured")
	}
	return e.Next.Set(ctx, profile, secret)
}

// Delete removes the secret from the underlying store.
func (e EnvSecrets) Delete(ctx context.Context, profile string) error {
	if e.Next == nil {
		return errors.New("no secret store configured")
	}
	return e.Next.Delete(ctx, profile)
}

// probeAccount is an account no profile can have (it is not a valid profile name): what
// Reachable reads.
const probeAccount = "resetdesk probe"

// Reachable reports whether st can be used now: a read of an account nobody has answers
// "no secret" from a working store, and the store's own error (no Secret Service here,
// say, with what to do instead) otherwise.
func Reachable(ctx context.Context, st SecretStore) error {
	_, err := st.Get(ctx, probeAccount)
	if err == nil || errors.Is(err, ErrNoSecret) {
		return nil
	}
	return err
}
