package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"resetdesk/backends/odin/odintest"
	"resetdesk/store"
)

func TestCredsSetStatusDeleteInTheFileStore(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	home := t.TempDir()
	env := map[string]string{"HOME": home}

	r := runCLI(t, "", env, "creds", "status", "lab", "--config", cfg)
	if r.code != ExitSome || !strings.Contains(r.stdout, "lab: missing: run `resetdesk creds set lab`") {
		t.Fatalf("status before set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, odintest.Password+"\n", env, "creds", "set", "lab", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "stored in the encrypted file") {
		t.Fatalf("set: %d %q %q", r.code, r.stdout, r.stderr)
	}
	vault := filepath.Join(home, ".local", "share", "resetdesk", store.VaultFileName)
	if raw, err := os.ReadFile(vault); err != nil || strings.Contains(string(raw), odintest.Password) {
		t.Fatalf("vault: %v (or it holds the secret in the clear)", err)
	}
	r = runCLI(t, "", env, "creds", "status", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "lab: encrypted file "+vault) || strings.Contains(r.stdout, odintest.Password) {
		t.Fatalf("status after set: %d %q", r.code, r.stdout)
	}
	// The stored secret is what a run uses.
	r = runCLI(t, "", env, "run", "--config", cfg, "--profile", "lab", "--mode", "web", "--yes", srv.Users()[0])
	if r.code != ExitOK {
		t.Fatalf("run with the stored secret: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": "from-env"}, "creds", "status", "lab", "--config", cfg)
	if !strings.Contains(r.stdout, "lab: environment (RESETDESK_SECRET_LAB)") {
		t.Fatalf("status with an override: %q", r.stdout)
	}
	r = runCLI(t, "", map[string]string{"HOME": home, "RESETDESK_VAULT_PASSPHRASE": "not it"}, "creds", "status", "lab", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stdout, "wrong passphrase for the encrypted secrets file") {
		t.Fatalf("wrong passphrase: %d %q", r.code, r.stdout)
	}
	r = runCLI(t, "", env, "creds", "delete", "lab", "--config", cfg)
	if r.code != ExitOK {
		t.Fatalf("delete: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", env, "creds", "delete", "lab", "--config", cfg)
	if r.code != ExitSome || !strings.Contains(r.stderr, "nothing deleted") {
		t.Fatalf("second delete: %d %q", r.code, r.stderr)
	}
}

func TestCredsRefusesArgvSecretsAndUnknownProfiles(t *testing.T) {
	srv := odintest.New(1)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	r := runCLI(t, "", nil, "creds", "set", "lab", "hunter2", "--config", cfg)
	if r.code != ExitUsage || strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("secret as an argument: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "x\n", nil, "creds", "set", "nope", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `unknown profile "nope"`) {
		t.Fatalf("unknown profile: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "creds", "set", "lab", "--config", cfg)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "stdin held nothing") {
		t.Fatalf("empty stdin: %d %q", r.code, r.stderr)
	}
}

func TestKeyringStoreWithoutSessionBusSaysSo(t *testing.T) {
	if _, err := os.Stat("/run/user/" + strconv.Itoa(os.Getuid()) + "/bus"); err == nil {
		t.Skip("this host has a session bus at /run/user/<uid>/bus")
	}
	srv := odintest.New(1)
	defer srv.Close()
	path := writeConfig(t, srv)
	raw, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(raw), `secret_store = "file"`, `secret_store = "keyring"`, 1)), 0o600)
	// The store is reached before the secret is asked for: with nothing on stdin, what is
	// said is the store's problem, not the missing secret's.
	r := runCLI(t, "", nil, "creds", "set", "lab", "--config", path)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no Secret Service") || !strings.Contains(r.stderr, `secret_store = "file"`) {
		t.Fatalf("keyring without a bus: %d %q", r.code, r.stderr)
	}
	// A scripted run with the secret in the environment still works: its journal key is
	// kept in a 0600 file, and one line says so.
	r = runCLI(t, "", map[string]string{"RESETDESK_SECRET_LAB": odintest.Password}, "run", "--config", path, "--profile", "lab", "--mode", "sip", "--yes", srv.Users()[0])
	if r.code != ExitOK || !strings.Contains(r.stderr, "created the journal key") || !strings.Contains(r.stderr, `secret_store = "file"`) {
		t.Fatalf("run with only the environment: %d %q", r.code, r.stderr)
	}
	// Without the secret in the environment the console or a run needs the store: the
	// key file is not a silent way around a store that should work.
	r = runCLI(t, "pw\n", nil, "run", "--config", path, "--profile", "lab", "--mode", "sip", "--yes", srv.Users()[0])
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no Secret Service") {
		t.Fatalf("run with the secret in an unreachable store: %d %q", r.code, r.stderr)
	}
}

func TestHistoryCommand(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	home := t.TempDir()
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password}
	users := srv.Users()
	r := runCLI(t, "", env, "run", "--config", cfg, "--profile", "lab", "--mode", "web", "--yes", "--ticket", "INC-42", users[0], users[1])
	if r.code != ExitOK {
		t.Fatalf("run: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, "INC-42") || !strings.Contains(r.stdout, "lab") {
		t.Fatalf("history: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", users[1], "--since", "1h")
	if r.code != ExitOK || !strings.Contains(r.stdout, users[1]) || strings.Contains(r.stdout, users[0]) {
		t.Fatalf("history --user: %d %q", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, srv.WebPassword(users[1])) {
		t.Fatal("history shows a secret")
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--since", "last week")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "use a duration like 24h or 7d") {
		t.Fatalf("bad --since: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", env, "recover", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stdout, srv.WebPassword(users[0])) || !strings.Contains(r.stdout, "profile lab") {
		t.Fatalf("recover: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
