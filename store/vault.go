package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"filippo.io/age"
)

// VaultFileName is the encrypted secrets file in DataDir.
const VaultFileName = "secrets.age"

// VaultPassphraseEnv gives the vault's passphrase to automation (no terminal).
const VaultPassphraseEnv = "RESETDESK_VAULT_PASSPHRASE"

// DefaultVaultWorkFactor is age's scrypt cost (log2 N) for a new vault: about a second
// per unlock, which is what makes a stolen file slow to guess.
const DefaultVaultWorkFactor = 18

// ErrWrongPassphrase is returned when the passphrase does not open the vault.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// PassphraseFunc asks for the vault's passphrase. create is true when the vault does not
// exist yet (a prompt should ask twice); the error is shown as it is.
type PassphraseFunc func(create bool) (string, error)

// Vault keeps secrets in one age scrypt-encrypted file (a JSON map profile -> secret),
// for hosts with no Secret Service. The passphrase is asked once per process and kept
// in memory. Writers from several processes are serialized by an flock on a lock file,
// and every write goes to a temporary file that is synced and renamed over the vault, so
// a crash or a second writer never leaves it half-written.
type Vault struct {
	Path       string
	Passphrase PassphraseFunc
	WorkFactor int // scrypt log2 N for new files; DefaultVaultWorkFactor when zero

	mu         sync.Mutex
	passphrase string // set once it has opened (or created) the vault
	// cache is the last content read or written, and the file it came from: scrypt
	// costs about a second, so a second Get in the same process reuses it unless
	// another process has replaced the file since (a rename makes a new inode).
	cache     *vaultData
	cacheFile os.FileInfo
}

// NewVault returns the vault at DataDir/secrets.age.
func NewVault(getenv func(string) string, ask PassphraseFunc) (*Vault, error) {
	dir, err := DataDir(getenv)
	if err != nil {
		return nil, err
	}
	return &Vault{Path: filepath.Join(dir, VaultFileName), Passphrase: ask}, nil
}

// Name says where the secrets live.
func (v *Vault) Name() string { return "encrypted file " + v.Path }

type vaultData struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

// Get returns the profile's secret; ErrNoSecret when the vault (or the entry) is missing.
func (v *Vault) Get(ctx context.Context, profile string) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	unlock, err := v.lock(syscall.LOCK_SH)
	if err != nil {
		return "", err
	}
	defer unlock()
	data, err := v.read()
	if err != nil {
		return "", err
	}
	s, ok := data.Secrets[profile]
	if !ok {
		return "", ErrNoSecret
	}
	return s, nil
}

// Profiles lists the profiles that have a secret in the vault (for status pages).
func (v *Vault) Profiles(ctx context.Context) ([]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	unlock, err := v.lock(syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	data, err := v.read()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(data.Secrets))
	for n := range data.Secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Set stores the profile's secret, creating the vault on first use.
func (v *Vault) Set(ctx context.Context, profile, secret string) error {
	return v.update(func(d *vaultData) error {
		d.Secrets[profile] = secret
		return nil
	})
}

// Delete removes the profile's secret; ErrNoSecret when there was none.
func (v *Vault) Delete(ctx context.Context, profile string) error {
	return v.update(func(d *vaultData) error {
		if _, ok := d.Secrets[profile]; !ok {
			return ErrNoSecret
		}
		delete(d.Secrets, profile)
		return nil
	})
}

// update reads, changes and rewrites the vault under the exclusive lock, so that two
// processes changing different profiles both keep their change.
func (v *Vault) update(change func(*vaultData) error) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := PrivateDir(filepath.Dir(v.Path)); err != nil {
		return err
	}
	unlock, err := v.lock(syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	data, err := v.read()
	if errors.Is(err, ErrNoSecret) { // no vault yet: this write creates it
		data, err = &vaultData{Version: 1, Secrets: map[string]string{}}, v.askNew()
	}
	if err != nil {
		return err
	}
	if err := change(data); err != nil {
		return err
	}
	return v.write(data)
}

// lock takes an flock on the vault's lock file. The lock file is separate from the
// vault because the vault is replaced by rename, which would orphan a lock held on it.
func (v *Vault) lock(how int) (func(), error) {
	dir := filepath.Dir(v.Path)
	if how == syscall.LOCK_SH {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return func() {}, nil // nothing to read yet; read reports the missing vault
		}
	}
	f, err := os.OpenFile(v.Path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot lock the encrypted secrets file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock the encrypted secrets file %s: %w", v.Path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// read decrypts the vault, asking for the passphrase the first time. A missing vault is
// ErrNoSecret: nothing was ever stored.
func (v *Vault) read() (*vaultData, error) {
	f, err := os.Open(v.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoSecret
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the encrypted secrets file: %w", UnwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the encrypted secrets file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %o): run chmod 600 %s", v.Path, fi.Mode().Perm(), v.Path)
	}
	if v.cache != nil && sameVersion(v.cacheFile, fi) {
		return v.cache.clone(), nil
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("cannot read the encrypted secrets file: %w", err)
	}
	pass := v.passphrase
	if pass == "" {
		if v.Passphrase == nil {
			return nil, fmt.Errorf("the encrypted secrets file %s needs a passphrase: set %s or run on a terminal", v.Path, VaultPassphraseEnv)
		}
		if pass, err = v.Passphrase(false); err != nil {
			return nil, err
		}
	}
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, fmt.Errorf("unusable passphrase: %w", err)
	}
	// A tampered file could ask scrypt for any cost (30 is 128 GiB of memory): accept
	// a little above what this program writes, no more.
	id.SetMaxWorkFactor(DefaultVaultWorkFactor + 4)
	r, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("%w for the encrypted secrets file %s (check %s or retype it)", ErrWrongPassphrase, v.Path, VaultPassphraseEnv)
		}
		return nil, fmt.Errorf("the encrypted secrets file %s is damaged or not an age file: %v", v.Path, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("the encrypted secrets file %s is damaged: %v", v.Path, err)
	}
	var data vaultData
	if err := json.Unmarshal(plain, &data); err != nil || data.Secrets == nil {
		return nil, fmt.Errorf("the encrypted secrets file %s opened but holds no secrets table", v.Path)
	}
	v.passphrase = pass
	v.cache, v.cacheFile = data.clone(), fi
	return &data, nil
}

func sameVersion(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

func (d *vaultData) clone() *vaultData {
	c := &vaultData{Version: d.Version, Secrets: make(map[string]string, len(d.Secrets))}
	for k, s := range d.Secrets {
		c.Secrets[k] = s
	}
	return c
}

// askNew asks for the passphrase of a new vault (a prompt confirms it).
func (v *Vault) askNew() error {
	if v.passphrase != "" {
		return nil
	}
	if v.Passphrase == nil {
		return fmt.Errorf("creating the encrypted secrets file %s needs a passphrase: set %s or run on a terminal", v.Path, VaultPassphraseEnv)
	}
	pass, err := v.Passphrase(true)
	if err != nil {
		return err
	}
	if pass == "" {
		return errors.New("the passphrase must not be empty")
	}
	v.passphrase = pass
	return nil
}

// write encrypts data to a temporary file in the vault's directory, syncs it, and
// renames it over the vault (atomic on POSIX), then syncs the directory.
func (v *Vault) write(data *vaultData) error {
	plain, err := json.Marshal(data)
	if err != nil {
		return err
	}
	rcp, err := age.NewScryptRecipient(v.passphrase)
	if err != nil {
		return fmt.Errorf("unusable passphrase: %w", err)
	}
	wf := v.WorkFactor
	if wf == 0 {
		wf = DefaultVaultWorkFactor
	}
	rcp.SetWorkFactor(wf)
	dir := filepath.Dir(v.Path)
	tmp, err := os.CreateTemp(dir, "."+VaultFileName+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot write the encrypted secrets file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	// CreateTemp makes 0600 files; say so anyway, the mode is the point.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	w, err := age.Encrypt(tmp, rcp)
	if err == nil {
		_, err = w.Write(plain)
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write the encrypted secrets file: %w", err)
	}
	if err := os.Rename(tmp.Name(), v.Path); err != nil {
		return fmt.Errorf("cannot replace the encrypted secrets file: %w", err)
	}
	v.cache = nil
	if fi, err := os.Stat(v.Path); err == nil {
		v.cache, v.cacheFile = data.clone(), fi
	}
	return SyncDir(dir)
}
