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

// On a host with no keyring, a profile's secret can come from a 0600 file named by
// RESETDESK_SECRET_<P>_FILE or from its secret_command: run resets with it, and creds
// status reads it through the same chain and says where it came from.
func TestSecretFromAFileOrACommandWithoutAKeyring(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "lab.secret")
	if err := os.WriteFile(secretFile, []byte(odintest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(dir, "print-secret")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\nprintf '%s\\n' '"+odintest.Password+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.toml")
	withCommand := filepath.Join(dir, "command.toml")
	os.WriteFile(plain, []byte("secret_store = \"keyring\"\n"+srv.ProfileTOML("lab")), 0o600)
	os.WriteFile(withCommand, []byte("secret_store = \"keyring\"\n"+srv.ProfileTOML("lab")+"secret_command = [\""+helper+"\"]\n"), 0o600)
	home := t.TempDir()
	fileEnv := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB_FILE": secretFile}
	cases := []struct {
		config         string
		env            map[string]string
		source, column string
	}{
		{plain, fileEnv, "lab: file (RESETDESK_SECRET_LAB_FILE)", "file"},
		{withCommand, map[string]string{"HOME": home}, "lab: secret_command (" + helper + ")", "command"},
	}
	for i, c := range cases {
		r := runCLI(t, "", c.env, "creds", "status", "--config", c.config)
		if r.code != ExitOK || strings.TrimSpace(r.stdout) != c.source || strings.Contains(r.stdout+r.stderr, odintest.Password) {
			t.Fatalf("creds status: %d %q %q", r.code, r.stdout, r.stderr)
		}
		r = runCLI(t, "", c.env, "run", "--config", c.config, "-p", "lab", "-m", "web", "-y", srv.Users()[i])
		if r.code != ExitOK || srv.WebPassword(srv.Users()[i]) == "" {
			t.Fatalf("run: %d %q", r.code, r.stderr)
		}
		r = runCLI(t, "", c.env, "--config", c.config, "profiles")
		if !strings.Contains(r.stdout, "  "+c.column+"  ") {
			t.Fatalf("profiles: %q", r.stdout)
		}
	}
	// A file others may read is refused, naming the variable, and nothing is sent.
	os.Chmod(secretFile, 0o644)
	r := runCLI(t, "", fileEnv, "run", "--config", plain, "-p", "lab", "-m", "web", "-y", srv.Users()[2])
	if r.code != ExitUsage || !strings.Contains(r.stderr, "RESETDESK_SECRET_LAB_FILE: "+secretFile+" may be read by others (mode 0644)") || srv.WebPassword(srv.Users()[2]) != "" {
		t.Fatalf("a readable file: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", fileEnv, "creds", "status", "--config", plain)
	if r.code != ExitUsage || !strings.Contains(r.stdout, "lab: unknown: RESETDESK_SECRET_LAB_FILE") {
		t.Fatalf("creds status with a readable file: %d %q", r.code, r.stdout)
	}
}
