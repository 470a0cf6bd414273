package e2e

import (
	"os/exec"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
)

// A connection that opens no session (`ssh -N`, the real OpenSSH client) takes one of
// max_sessions while it lasts — a console on another connection is refused with the
// reason — and is closed after the grace, the log saying why; then the console gets in.
func TestServeSSHWithoutASessionIsCountedAndClosed(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := writeTeamConfig(t, srv, 0, "[serve]\nmax_sessions = 1\n"+technicianTOML("alice", alice)+technicianTOML("bob", bob))
	h := startServe(t, hostEnv(t), "--config", cfg)

	held := exec.Command("ssh", "-N", "-F", "/dev/null", "-p", h.port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-i", alice.path, "tech@127.0.0.1")
	if err := held.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = held.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = held.Process.Kill()
		<-exited
	})
	h.waitLog(`msg="connection authenticated"`, "connections=1", "over_max_sessions=false")

	s := h.connect(bob, 80, 24)
	s.waitText("max_sessions", 20*time.Second)
	h.waitLog(`msg="session refused"`, "technician=bob", "max_sessions")

	h.waitLog(`msg="connection closed"`, `reason="no session opened within 10s of authenticating"`)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("ssh -N was not disconnected")
	}
	s = h.connect(bob, 80, 24)
	s.waitText("lab", 20*time.Second)
}
