package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DataDir is where the encrypted vault lives: $XDG_DATA_HOME/resetdesk
// (default ~/.local/share/resetdesk).
func DataDir(getenv func(string) string) (string, error) {
	return appDir(getenv, "XDG_DATA_HOME", filepath.Join(".local", "share"))
}

// StateDir is where the history and the journal live: $XDG_STATE_HOME/resetdesk
// (default ~/.local/state/resetdesk).
func StateDir(getenv func(string) string) (string, error) {
	return appDir(getenv, "XDG_STATE_HOME", filepath.Join(".local", "state"))
}

func appDir(getenv func(string) string, name, fallback string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	base := XDGDir(getenv, name, fallback)
	if !filepath.IsAbs(base) {
		return "", fmt.Errorf("cannot find the home directory to keep resetdesk's files: set %s or HOME", name)
	}
	return filepath.Join(base, "resetdesk"), nil
}

// PrivateDir creates dir (and its parents) and makes sure that dir itself is 0700: it
// holds secrets, or files that say whose password was reset.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, UnwrapPath(err))
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot use %s: %w", dir, UnwrapPath(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("cannot make %s private (chmod 700): %w", dir, UnwrapPath(err))
		}
	}
	return nil
}

// UnwrapPath drops the *PathError wrapper, whose text repeats the path a message
// already names.
func UnwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// SyncDir makes a rename or a new file in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
