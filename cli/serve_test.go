package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve refuses to start when nobody could connect: a config with no technicians, or
// --demo on an account with no SSH key; each says what to add. Nothing listens then.
func TestServeRefusesToStartWithNobodyToLetIn(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte("[profiles.lab]\nkind = \"prm\"\nurl = \"https://prm.example.com\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "config "+cfg+" has no [technicians]") || !strings.Contains(r.stderr, "[technicians.alice]") {
		t.Fatalf("no technicians: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "serve", "--demo", "--listen", "127.0.0.1:0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "ssh-keygen -t ed25519") {
		t.Fatalf("--demo without a key: exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != "" {
		t.Fatalf("a refused serve printed %q", r.stdout)
	}
}

// A technician's key line that promises a restriction resetdesk does not enforce is
// refused at start, naming the file, the technician and the key.
func TestServeRefusesKeyOptions(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.toml")
	text := "[technicians.alice]\nkeys = [\"from=\\\"10.0.0.1\\\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIErkRT4dG5eDIEmMsL8mJjEfCkGsyDpWN8ebVCuKPEac alice\"]\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "serve", "--config", cfg, "--listen", "127.0.0.1:0")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "config "+cfg+": technician alice: key 1: has the options from=") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}
