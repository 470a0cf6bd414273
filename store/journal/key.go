package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"resetdesk/store"
)

// LoadKey returns the journal identity from secrets. With create, a missing key is
// generated and stored (the first run); without, ErrNoKey is returned (recover on a
// machine that never ran).
func LoadKey(ctx context.Context, secrets store.SecretStore, create bool) (*age.X25519Identity, error) {
	s, err := secrets.Get(ctx, KeyAccount)
	if err == nil {
		id, perr := age.ParseX25519Identity(strings.TrimSpace(s))
		if perr != nil {
			return nil, fmt.Errorf("the journal key in the %s is not an age X25519 identity", secrets.Name())
		}
		return id, nil
	}
	if !errors.Is(err, store.ErrNoSecret) || !create {
		if errors.Is(err, store.ErrNoSecret) {
			return nil, ErrNoKey
		}
		return nil, fmt.Errorf("journal key: %w", err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	if err := secrets.Set(ctx, KeyAccount, id.String()); err != nil {
		return nil, fmt.Errorf("cannot store a new journal key in the %s: %w", secrets.Name(), err)
	}
	return id, nil
}

// LoadKeyFile returns the journal identity kept in the file at path (KeyFile), for a
// host with no secret store. With create, a missing file is made (0600, in a dir made
// 0700) and created is true; processes that create it at the same time all end with
// the one key that won. Without create, a missing file is ErrNoKey. A file that others
// may read or write (or in a dir others may write), or that holds no X25519 identity,
// is refused.
func LoadKeyFile(path string, create bool) (id *age.X25519Identity, created bool, err error) {
	if create {
		if err := store.PrivateDir(filepath.Dir(path)); err != nil {
			return nil, false, fmt.Errorf("journal key: %w", err)
		}
	}
	id, err = readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return id, false, err
	}
	if !create {
		return nil, false, ErrNoKey
	}
	id, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first: use its key, or its journals and ours would
		// need two different keys.
		id, err = readKeyFile(path)
		return id, false, err
	}
	return id, err == nil, err
}

// maxKeyFile is far above an identity with a comment line or two.
const maxKeyFile = 4 << 10

func readKeyFile(path string) (*age.X25519Identity, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read the journal key file %s: %w", path, store.UnwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the journal key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("the journal key file %s is open to other users (mode %04o): make it 0600 (chmod 600 %s)", path, perm, path)
	}
	dir := filepath.Dir(path)
	if di, err := os.Stat(dir); err == nil && di.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("the directory %s of the journal key file is writable by other users (mode %04o), who could swap the key: make it 0700 (chmod 700 %s)", dir, di.Mode().Perm(), dir)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the journal key file %s: %w", path, store.UnwrapPath(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the journal key file %s: %w", path, store.UnwrapPath(err))
	}
	notKey := fmt.Errorf("the journal key file %s does not hold one age X25519 identity (an AGE-SECRET-KEY-1... line, as age-keygen writes)", path)
	if len(b) > maxKeyFile {
		return nil, notKey
	}
	// The parser's own errors may quote the line: they are not passed on.
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil || len(ids) != 1 {
		return nil, notKey
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, notKey
	}
	return id, nil
}

// createKeyFile writes a new identity to a temporary file and links it into place: the
// key appears whole or not at all, and a file another process linked first is never
// replaced (the error then matches fs.ErrExist).
func createKeyFile(path string) (*age.X25519Identity, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".journal-key-*") // 0600, O_EXCL
	if err != nil {
		return nil, fmt.Errorf("cannot create the journal key file in %s: %w", dir, store.UnwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	content := fmt.Sprintf("# resetdesk journal key (age X25519 identity), created %s\n%s\n", time.Now().UTC().Format(time.RFC3339), id.String())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write the journal key file in %s: %w", dir, store.UnwrapPath(err))
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot create the journal key file %s: %w", path, store.UnwrapPath(err))
	}
	if err := store.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("cannot sync %s after creating the journal key file: %w", dir, store.UnwrapPath(err))
	}
	return id, nil
}
