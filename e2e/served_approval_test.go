package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
)

// revealedRow is a results row with its secret revealed: the user, ok, the password.
var revealedRow = regexp.MustCompile(`^[> ] (\d{10})@\S*\s+.*✓ ok\s+(\S+)\s`)

// Four-eyes approval in the team console, and a run that outlives its session, with the
// real OpenSSH client: alice's 5-user run on a profile with approval_over = 3 waits;
// bob's console says so in its header; alice cannot approve her own; bob presses a,
// then enter; alice's screen shows the run, then its results, 5 ok. Then alice's ssh is
// killed mid-run (another profile): she connects again, finds the run's results and
// reveals them; bob cannot see them.
func TestServeApprovalAndAReattachedRun(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := filepath.Join(t.TempDir(), "config.toml")
	text := "secret_store = \"file\"\n" + srv.ProfileTOML("lab") + "approval_over = 3\n" + srv.ProfileTOML("annex") +
		technicianTOML("alice", alice, "approver = true") + technicianTOML("bob", bob, "approver = true")
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startServe(t, hostEnv(t), "--config", cfg)

	a := h.connect(alice, 80, 24)
	a.waitText("annex", 20*time.Second)
	openProfile(a, "lab")
	a.toReview("ext:500*", 5)
	a.waitText("Press enter to ask for a second technician's approval", 5*time.Second)
	a.keys("Enter")
	a.waitText("waiting for approval", 10*time.Second)
	a.waitText("w withdraws the request", 5*time.Second)

	b := h.connect(bob, 60, 16)
	b.waitText("1 waiting for approval", 20*time.Second)

	a.keys("a") // her own request: nobody approves their own
	a.waitText("nobody approves their own", 5*time.Second)
	a.keys("Enter")
	a.waitText("another approver must", 5*time.Second)
	a.keys("Escape")

	b.keys("a")
	b.waitText("Press enter to approve", 10*time.Second)
	b.keys("Enter")
	// Her screen follows the run, then shows its results: the run page's own tally says
	// "ok 5" a moment before the results page replaces it.
	a.waitFor("alice's screen to show the run's results", 30*time.Second, func(scr string) bool {
		return strings.Contains(scr, "ok 5") && strings.Contains(scr, "results")
	})
	b.waitFor("the header's count to go", 10*time.Second, func(scr string) bool { return !strings.Contains(scr, "waiting for approval") })

	// A run of annex (no approval) that alice's ssh does not see end.
	srv.SetFaults(odintest.Faults{Latency: 1500 * time.Millisecond})
	a.keys("Escape") // her unsaved secrets: leave them (the runs page keeps them)
	a.waitText("Leave these results?", 5*time.Second)
	a.keys("y")
	openProfile(a, "annex")
	reviewSIP(a, "ext:500*", 5)
	a.keys("Enter")
	a.waitText("answered", 10*time.Second)
	if err := syscall.Kill(a.pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	h.waitLog("msg=\"session ended\"", "technician=alice", "reason=disconnected")

	again := h.connect(alice, 80, 24)
	again.waitText("your run of 5 users on annex", 20*time.Second)
	again.waitText("r reveal row", 30*time.Second) // its results
	again.waitText("ok 5", 5*time.Second)
	again.keys("R")
	scr := again.waitFor("every secret revealed", 10*time.Second, func(scr string) bool { return !strings.Contains(scr, "••••") })
	shown := 0
	for _, line := range strings.Split(scr, "\n") {
		if m := revealedRow.FindStringSubmatch(line); m != nil {
			shown++
			if held := srv.SIPPassword(m[1] + "@odinapi.net"); m[2] != held {
				t.Errorf("%s: shown %q, the server holds %q", m[1], m[2], held)
			}
		}
	}
	if shown != 5 {
		t.Fatalf("%d of 5 secrets revealed:\n%s", shown, scr)
	}

	b.keys("Escape") // bob's runs: the one he approved, not alice's own
	b.waitText("Choose the system", 5*time.Second)
	b.keys("l")
	scr = b.waitText("your runs", 10*time.Second)
	if strings.Contains(scr, "annex") || !strings.Contains(scr, "lab") {
		t.Fatalf("bob's runs page:\n%s", scr)
	}
}
