package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/report"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// lockedBuffer is a stderr the test reads while the process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var filed = regexp.MustCompile(`request ([0-9]+) filed for a second technician's approval`)

// waitingRun starts `run --wait-approval` on the built binary and waits until it says
// it filed its request; it returns the request's id.
func waitingRun(t *testing.T, cmd *exec.Cmd, stderr *lockedBuffer) int64 {
	t.Helper()
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := filed.FindStringSubmatch(stderr.String()); m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			return id
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("run never filed its request: %s", stderr.String())
	return 0
}

// On a host with no keyring and the secret only in the environment: `run
// --wait-approval` files its request and waits; bob, an approver at a served console on
// the same history (another process), approves it, and the run goes out. A second one,
// interrupted while it waits, withdraws its request: exit 2, nothing sent.
func TestRunWaitingForApprovalOnTheBuiltBinary(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(4)
	defer srv.Close()
	home := t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") + "approval_over = 2\n[technicians.bob]\nkeys = [\"ssh-ed25519 AAAB bob\"]\napprover = true\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "RESETDESK_SECRET_LAB=" + odintest.Password}
	getenv := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	served, err := desk.NewHost(desk.Options{ConfigPath: cfg, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()
	served.KeepRequests()
	bob, err := served.Desk("bob")
	if err != nil {
		t.Fatal(err)
	}
	users := srv.Users()[:3]
	args := append([]string{"run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", "--wait-approval", "5m"}, users...)

	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	id := waitingRun(t, cmd, &stderr)
	if _, err := bob.Approve(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var n int
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for ; sc.Scan(); n++ {
		var rec report.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Status != "ok" || rec.Secret != srv.SIPPassword(users[n]) {
			t.Fatalf("line %d: %s (%v)", n, sc.Text(), err)
		}
	}
	if n != 3 || !strings.Contains(stderr.String(), "created the journal key") {
		t.Fatalf("%d lines; stderr:\n%s", n, stderr.String())
	}

	cmd = exec.Command(bin, args...)
	cmd.Env = env
	stderr = lockedBuffer{}
	id = waitingRun(t, cmd, &stderr)
	_ = cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "interrupted: request 2 withdrawn; nothing was sent") {
		t.Fatalf("interrupted: %v\n%s", err, stderr.String())
	}
	path, _ := history.Path(getenv)
	db, err := history.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := db.Approvals(context.Background(), history.ApprovalFilter{ID: id})
	if err != nil || len(as) != 1 || as[0].State != history.RequestWithdrawn || srv.Resets() != 3 {
		t.Fatalf("the interrupted request: %+v, %v; %d resets", as, err, srv.Resets())
	}
}
