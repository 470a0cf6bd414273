package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"resetdesk/backends/odin/odintest"
)

// On a host that never ran, recover says there is nothing to recover, exits 0 and
// creates nothing.
func TestRecoverOnAFreshHost(t *testing.T) {
	home := t.TempDir()
	r := runCLI(t, "", map[string]string{"HOME": home}, "recover")
	if r.code != ExitOK || !strings.Contains(r.stderr, "nothing to recover") {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("recover created %v in the home", entries)
	}
}

// A journal written with another key: recover lists what it can read, names the file
// and why it could not read it, and exits 1; a run with the other key warns before it
// sends anything.
func TestRecoverAndRunSayWhichJournalsAnotherKeyWrote(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	home := t.TempDir()
	keyA, _ := age.GenerateX25519Identity()
	keyB, _ := age.GenerateX25519Identity()
	env := func(key *age.X25519Identity) map[string]string {
		return map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password, "RESETDESK_SECRET_JOURNAL_KEY": key.String()}
	}
	users := srv.Users()
	if r := runCLI(t, "", env(keyA), "run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", users[0]); r.code != ExitOK {
		t.Fatalf("first run: %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", env(keyB), "run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", users[1])
	// Said once, by the plan: not again when the run opens its journal.
	if r.code != ExitOK || strings.Count(r.stderr, "1 journal file(s) were written with a key this host does not have") != 1 {
		t.Fatalf("second run with another key: %d %s", r.code, r.stderr)
	}
	// The warning came before the run's output: nothing was sent yet when it was given.
	r = runCLI(t, "", env(keyB), "recover", "--config", cfg)
	if r.code != ExitSome {
		t.Fatalf("recover: exit %d, want 1 (a journal could not be read)\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, users[1]) || !strings.Contains(r.stdout, srv.SIPPassword(users[1])) || strings.Contains(r.stdout, users[0]) {
		t.Fatalf("recover listed:\n%s", r.stdout)
	}
	files, _ := filepath.Glob(filepath.Join(home, ".local", "state", "resetdesk", "journal", "*.journal"))
	named := false
	for _, f := range files {
		named = named || strings.Contains(r.stderr, filepath.Base(f))
	}
	if !named || !strings.Contains(r.stderr, "another journal key") || strings.Contains(r.stderr, "crash") {
		t.Fatalf("recover's notes do not name the file and the cause:\n%s", r.stderr)
	}
}

// With secret_store = "file", a wrong vault passphrase stops a run before anything is
// sent — even with the profile's secret in the environment — and never leaves the
// journal's key in a plain file beside the journal.
func TestAWrongVaultPassphraseNeverFallsBackToAKeyFile(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	cfg := writeConfig(t, srv) // secret_store = "file"
	home := t.TempDir()
	if r := runCLI(t, odintest.Password+"\n", map[string]string{"HOME": home}, "creds", "set", "lab", "--config", cfg); r.code != ExitOK {
		t.Fatalf("creds set: %d %s", r.code, r.stderr)
	}
	// A first run puts the journal key in the vault.
	if r := runCLI(t, "", map[string]string{"HOME": home}, "run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", srv.Users()[0]); r.code != ExitOK {
		t.Fatalf("first run: %d %s", r.code, r.stderr)
	}
	resets := srv.Resets()
	r := runCLI(t, "", map[string]string{"HOME": home, "RESETDESK_VAULT_PASSPHRASE": "not it", "RESETDESK_SECRET_LAB": odintest.Password},
		"run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", srv.Users()[1])
	if r.code != ExitUsage || !strings.Contains(r.stderr, "wrong passphrase") || srv.Resets() != resets {
		t.Fatalf("exit %d, %d resets: %s", r.code, srv.Resets()-resets, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".local", "state", "resetdesk", "journal.key")); err == nil {
		t.Fatal("a journal key file was created beside the journal")
	}
}
