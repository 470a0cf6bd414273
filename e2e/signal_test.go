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

// A second interrupt aborts the requests in flight: with every reset hanging at the
// fake, the run ends — the users whose request went out unknown (cancelled, their
// secret kept), the rest skipped — and exits 1, not waiting for the requests' timeout.
func TestSecondInterruptAbortsWhatIsInFlight(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(6)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Hang: "/users/authentication"})
	cfg := writeConfig(t, srv)
	cmd := exec.Command(bin, append([]string{"run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", "--concurrency", "2"}, srv.Users()...)...)
	cmd.Env = hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password)
	stdout, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	deadline := time.Now().Add(20 * time.Second)
	for inFlight(srv) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the run never reached the fake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	for !strings.Contains(stderr.String(), "stopping") { // two signals at once may arrive as one
		if time.Now().After(deadline) {
			t.Fatal("the first interrupt was not taken")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	var lines []report.Record
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var o report.Record
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		lines = append(lines, o)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || len(lines) != 6 {
		t.Fatalf("exit %v, %d lines; stderr %s", err, len(lines), stderr.String())
	}
	for i, o := range lines {
		want := "skipped"
		if i < 2 {
			want = "unknown"
		}
		// Aborted, not timed out: the requests were cancelled.
		if o.Status != want || (want == "unknown") != (o.Secret != "" && strings.Contains(o.Message, "no answer (cancelled)")) {
			t.Errorf("line %d: %+v, want %s", i, o, want)
		}
	}
}

// inFlight is how many resets reached the fake (they hang there).
func inFlight(srv *odintest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/users/authentication") {
			n++
		}
	}
	return n
}
