package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/report"
)

// The scripted path on a jump host with no D-Bus session bus (the ordinary SSH login): a
// config with one Odin profile, its secret in the environment, nothing else set up. run
// resets both users, the journal key is created on first use in a 0600 file (one line
// on stderr says where), and recover then shows both new passwords.
func TestScriptedRunWithOnlyTheEnvironment(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(3)
	defer srv.Close()
	home := t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// No DBUS_SESSION_BUS_ADDRESS, no XDG_RUNTIME_DIR: no Secret Service can be reached.
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "RESETDESK_SECRET_LAB=" + odintest.Password}
	users := srv.Users()[:2]

	cmd := exec.Command(bin, append([]string{"run", "--config", cfg, "--profile", "lab", "--mode", "sip", "--yes"}, users...)...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var lines []report.Record
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var r report.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		lines = append(lines, r)
	}
	if len(lines) != 2 || lines[0].Status != "ok" || lines[1].Status != "ok" {
		t.Fatalf("run printed %+v (stderr %s)", lines, stderr.String())
	}
	keyFile := filepath.Join(home, ".local", "state", "resetdesk", "journal.key")
	if n := strings.Count(stderr.String(), "created the journal key "+keyFile); n != 1 {
		t.Fatalf("stderr says %d times where the key was created:\n%s", n, stderr.String())
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if di, err := os.Stat(filepath.Dir(keyFile)); err != nil || di.Mode().Perm() != 0o700 {
		t.Fatalf("state dir: %v %v", di, err)
	}

	cmd = exec.Command(bin, "recover", "--config", cfg, "--format", "json")
	cmd.Env = env
	stderr.Reset()
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("recover: %v\n%s", err, stderr.String())
	}
	got := map[string]string{}
	sc = bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var e recoverLine
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		got[e.User] = e.Secret
	}
	for _, u := range users {
		if got[u] == "" || got[u] != srv.SIPPassword(u) {
			t.Errorf("%s: recover shows %q, the server holds %q", u, got[u], srv.SIPPassword(u))
		}
	}
	// The second run uses the same key: no second notice.
	cmd = exec.Command(bin, "run", "--config", cfg, "--profile", "lab", "--mode", "vm", "--yes", users[0])
	cmd.Env = env
	stderr.Reset()
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil || strings.Contains(stderr.String(), "created the journal key") {
		t.Fatalf("second run: %v %s", err, stderr.String())
	}
}
