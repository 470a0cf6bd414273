package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadKeyFileCreatesAPrivateKeyOnceAndKeepsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "resetdesk", "journal.key")
	if _, _, err := LoadKeyFile(path, false); !errors.Is(err, ErrNoKey) {
		t.Fatalf("LoadKeyFile with no file and no create = %v, want ErrNoKey", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("LoadKeyFile without create made the directory")
	}
	id, created, err := LoadKeyFile(path, true)
	if err != nil || !created {
		t.Fatalf("first LoadKeyFile = created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	must(t, err)
	di, err := os.Stat(filepath.Dir(path))
	must(t, err)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("key file %o in dir %o, want 600 in 700", fi.Mode().Perm(), di.Mode().Perm())
	}
	again, created, err := LoadKeyFile(path, true)
	if err != nil || created || again.String() != id.String() {
		t.Fatalf("second LoadKeyFile = created %v, same key %v, %v", created, again.String() == id.String(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".journal-key-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestLoadKeyFileFromManyAtOnceEndsWithOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resetdesk", "journal.key")
	const n = 16
	keys := make([]string, n)
	made := make([]bool, n)
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			id, created, err := LoadKeyFile(path, true)
			errs[i], made[i] = err, created
			if err == nil {
				keys[i] = id.String()
			}
		}()
	}
	start.Done()
	wg.Wait()
	creators := 0
	for i := range n {
		must(t, errs[i])
		if keys[i] != keys[0] {
			t.Fatal("two callers ended with different keys")
		}
		if made[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d callers say they created the key, want 1", creators)
	}
	onDisk, _, err := LoadKeyFile(path, false)
	if err != nil || onDisk.String() != keys[0] {
		t.Fatalf("the file holds another key than the callers use: %v", err)
	}
}

func TestLoadKeyFileRefusesWhatIsNotAPrivateIdentity(t *testing.T) {
	good, _, err := LoadKeyFile(filepath.Join(t.TempDir(), "k", "journal.key"), true)
	must(t, err)
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		dirMode os.FileMode
		words   string
	}{
		{"readable by others", good.String() + "\n", 0o644, 0o700, "chmod 600"},
		{"in a dir others write", good.String() + "\n", 0o600, 0o777, "chmod 700"},
		{"not an identity", "AGE-SECRET-KEY-1NOTAKEYATALLXYZZY\n", 0o600, 0o700, "does not hold one age X25519 identity"},
		{"two identities", good.String() + "\n" + good.String() + "\n", 0o600, 0o700, "does not hold one"},
		{"empty", "", 0o600, 0o700, "does not hold one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "k")
			must(t, os.Mkdir(dir, 0o700))
			path := filepath.Join(dir, "journal.key")
			must(t, os.WriteFile(path, []byte(tc.content), tc.mode))
			must(t, os.Chmod(path, tc.mode))
			must(t, os.Chmod(dir, tc.dirMode))
			_, _, err := LoadKeyFile(path, false)
			if err == nil || (!strings.Contains(err.Error(), path) && !strings.Contains(err.Error(), dir)) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("LoadKeyFile = %v, want an error naming the file and saying %q", err, tc.words)
			}
			if strings.Contains(err.Error(), good.String()) || strings.Contains(err.Error(), "NOTAKEY") {
				t.Fatalf("the error quotes the file: %v", err)
			}
		})
	}

	// age-keygen's own output (with its comment lines) is an identity.
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.key")
	must(t, os.Chmod(dir, 0o700))
	must(t, os.WriteFile(path, []byte("# created: 2026-01-01T00:00:00Z\n# public key: "+good.Recipient().String()+"\n"+good.String()+"\n"), 0o600))
	if id, created, err := LoadKeyFile(path, false); err != nil || created || id.String() != good.String() {
		t.Fatalf("an age-keygen file: %v", err)
	}
}
