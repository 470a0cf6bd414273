package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
)

// A running resetdesk writes no core file whatever the shell's ulimit (the secrets it
// holds would land in it): its core size limit is 0, soft and hard.
func TestNoCoreDumps(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(5)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Hang: "/users/authentication"})
	cfg := writeConfig(t, srv)
	cmd := exec.Command("bash", "-c", `ulimit -c unlimited; exec "$0" "$@"`, bin, "run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", srv.Users()[0])
	cmd.Env = hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// The request hangs at the fake: the process is mid-run, holding the secrets.
	deadline := time.Now().Add(20 * time.Second)
	for !reachedReset(srv) {
		if time.Now().After(deadline) {
			t.Fatal("the run never reached the fake")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f, err := os.Open("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/limits")
	if err != nil {
		t.Skip("no /proc here")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Max core file size") {
			if fields := strings.Fields(sc.Text()); fields[4] != "0" || fields[5] != "0" {
				t.Fatalf("core size limit: %q", sc.Text())
			}
			return
		}
	}
	t.Fatal("no core size limit in /proc/PID/limits")
}

// reachedReset reports whether the fake has seen the reset request (it hangs there).
func reachedReset(srv *odintest.Server) bool {
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/users/authentication") {
			return true
		}
	}
	return false
}
