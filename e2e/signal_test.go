package e2e

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/report"
)

// An interrupt, a hang-up (a dropped SSH session), SIGTERM or SIGQUIT stops dispatching: what is in
// flight finishes, the rest is skipped, and every user is still reported, in input order.
func TestInterruptSkipsTheRest(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) { testSoftStop(t, sig) })
	}
}

func testSoftStop(t *testing.T, sig syscall.Signal) {
	bin := builtBinary(t)
	srv := odintest.New(60)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 150 * time.Millisecond})
	cfg := writeConfig(t, srv)
	cmd := exec.Command(bin, "run", "--config", cfg, "--profile", "lab", "--mode", "sip", "--yes", "--concurrency", "2", "--users", "-")
	cmd.Env = hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password)
	cmd.Stdin = strings.NewReader(strings.Join(srv.Users(), "\n"))
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var lines []report.Record
	for sc.Scan() {
		var o report.Record
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		lines = append(lines, o)
		if len(lines) == 2 {
			cmd.Process.Signal(sig) // after the first results, while two are in flight
		}
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v; stderr %s", err, stderr.String())
	}
	if len(lines) != 60 {
		t.Fatalf("%d lines, want every user reported", len(lines))
	}
	ok, skipped := 0, 0
	for i, o := range lines {
		if o.User != srv.Users()[i] {
			t.Fatalf("line %d is %s", i, o.User)
		}
		switch o.Status {
		case "ok":
			if skipped > 0 {
				t.Fatalf("an ok after a skipped user: %v", lines)
			}
			if srv.SIPPassword(o.User) != o.Secret {
				t.Fatalf("%s: shown %q, held %q", o.User, o.Secret, srv.SIPPassword(o.User))
			}
			ok++
		case "skipped":
			skipped++
		default:
			t.Fatalf("unexpected %+v", o)
		}
	}
	if ok < 2 || ok > 6 || skipped != 60-ok {
		t.Fatalf("%d ok and %d skipped", ok, skipped)
	}
	if srv.Resets() != ok {
		t.Fatalf("the server got %d resets for %d ok: a skipped user was sent", srv.Resets(), ok)
	}
	if !strings.Contains(stderr.String(), "stopping") {
		t.Fatalf("stderr %q", stderr.String())
	}
}
