package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"

	"resetdesk/store"
)

// HostKeyFile is the host key's name in the data directory.
const HostKeyFile = "ssh_host_ed25519_key"

// DefaultHostKeyPath is where the host key lives unless [serve] host_key says:
// $XDG_DATA_HOME/resetdesk/ssh_host_ed25519_key.
func DefaultHostKeyPath(getenv func(string) string) (string, error) {
	dir, err := store.DataDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, HostKeyFile), nil
}

// maxHostKeyFile bounds the host key file: an OpenSSH private key is a few kilobytes.
const maxHostKeyFile = 64 << 10

// loadHostKey reads the host key at path, or, when there is none, creates an ed25519 key
// there (0600; a directory it creates is 0700, and the default directory is made 0700).
// A key file others may read is refused, as sshd refuses it: whoever reads it can pose
// as this server to every technician.
func loadHostKey(path string, defaultDir bool) (signer gossh.Signer, created bool, err error) {
	signer, err = readHostKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return signer, false, err
	}
	dir := filepath.Dir(path)
	if defaultDir {
		err = store.PrivateDir(dir)
	} else if err = os.MkdirAll(dir, 0o700); err != nil {
		err = fmt.Errorf("cannot create %s for the host key: %w", dir, store.UnwrapPath(err))
	}
	if err != nil {
		return nil, false, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "resetdesk serve host key")
	if err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another `resetdesk serve` created it first: use that one.
		signer, err = readHostKey(path)
		return signer, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot create the host key %s: %w", path, store.UnwrapPath(err))
	}
	_, werr := f.Write(pem.EncodeToMemory(block))
	if serr := f.Sync(); werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("cannot write the host key %s: %w", path, store.UnwrapPath(werr))
	}
	signer, err = gossh.NewSignerFromKey(priv)
	return signer, true, err
}

// readHostKey reads an unencrypted private key that only its owner may read.
func readHostKey(path string) (gossh.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read the host key %s: %w", path, store.UnwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the host key %s: %w", path, store.UnwrapPath(err))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxHostKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the host key %s: %w", path, store.UnwrapPath(err))
	}
	if len(data) > maxHostKeyFile {
		return nil, fmt.Errorf("the host key %s is larger than %d KiB: not a private key", path, maxHostKeyFile>>10)
	}
	signer, err := gossh.ParsePrivateKey(data)
	var missing *gossh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("the host key %s is protected by a passphrase: resetdesk serve needs it unencrypted (mode 0600)", path)
	case err != nil:
		return nil, fmt.Errorf("the host key %s is not an OpenSSH private key: %v", path, err)
	}
	// Only a key is worth the advice to chmod it (not, say, /etc/passwd named by mistake).
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("the host key %s may be read by others (mode %04o): chmod 600 %s", path, perm, path)
	}
	return signer, nil
}
