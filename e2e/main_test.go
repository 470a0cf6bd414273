// Package e2e drives the built resetdesk binary as a technician or a script does: in a
// real terminal (tmux), with signals and SIGKILL mid-run, against the fakes of the five
// systems. The binary is built once per test process.
package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"resetdesk/backends/odin/odintest"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// builtBinary builds resetdesk once per test process and returns its path; tests that
// drive the real binary (signals, SIGKILL recovery, tmux) share it.
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "resetdesk-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "resetdesk")
		out, err := exec.Command("go", "build", "-ldflags", "-X resetdesk/cli.vaultWorkFactor=10", "-o", binPath, "resetdesk").CombinedOutput()
		if err != nil {
			binErr = &buildError{out: string(out), err: err}
		}
	})
	if binErr != nil {
		t.Fatalf("building resetdesk: %v", binErr)
	}
	return binPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// testVaultPassphrase unlocks the encrypted secrets file that test configs use, so that
// tests never depend on a Secret Service being reachable.
const testVaultPassphrase = "test vault passphrase"

// hermeticEnv is the environment for a built binary: its own home, the test vault.
func hermeticEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "RESETDESK_VAULT_PASSPHRASE=" + testVaultPassphrase}
	return append(env, extra...)
}

// writeConfig points a profile "lab" at a running fake Odin, its secrets in the file store.
func writeConfig(t *testing.T, srv *odintest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	cfg := "secret_store = \"file\"\n" + srv.ProfileTOML("lab")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recoverLine is one line of `resetdesk recover --format json`, as documented.
type recoverLine struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	User    string    `json:"user"`
	Status  string    `json:"status"`
	Secret  string    `json:"secret"`
	Note    string    `json:"note"`
}
