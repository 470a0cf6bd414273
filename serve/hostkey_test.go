package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The host key is created once, 0600 in a 0700 directory, and the same key is proved
// on every later start; a key file others may read is refused.
func TestLoadHostKey(t *testing.T) {
	data := t.TempDir()
	path, err := DefaultHostKeyPath(func(k string) string { return map[string]string{"XDG_DATA_HOME": data}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(data, "resetdesk", HostKeyFile) {
		t.Fatalf("default host key %s", path)
	}
	first, created, err := loadHostKey(path, true)
	if err != nil || !created {
		t.Fatalf("first start: created=%v %v", created, err)
	}
	if first.PublicKey().Type() != "ssh-ed25519" {
		t.Fatalf("key type %s", first.PublicKey().Type())
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %v (%v), want %04o", p, fi.Mode().Perm(), err, want)
		}
	}
	again, created, err := loadHostKey(path, true)
	if err != nil || created {
		t.Fatalf("second start: created=%v %v", created, err)
	}
	if !bytes.Equal(again.PublicKey().Marshal(), first.PublicKey().Marshal()) {
		t.Fatal("the second start proves another host key")
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := loadHostKey(path, true); err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Fatalf("a readable key: %v", err)
	}
}

func TestLoadHostKeyRefusesWhatIsNoKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "custom", "host_key")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := loadHostKey(path, false)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not an OpenSSH private key") {
		t.Fatalf("garbage key: %v", err)
	}
	// A configured directory is left as it is: only the default one is ours to chmod.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, created, err := loadHostKey(path, false); err != nil || !created {
		t.Fatalf("create in a custom directory: %v", err)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o755 {
		t.Fatalf("the configured directory became %04o", fi.Mode().Perm())
	}
}
