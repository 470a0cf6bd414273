package serve

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"resetdesk/store"
)

// An authenticated connection that opens no session (`ssh -N`) is closed after the
// grace, and the log says why.
func TestServeClosesAConnectionWithNoSession(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	ts := startServerWith(t, store.Serve{}, func(s *Server) { s.gate.grace = 200 * time.Millisecond }, technician("alice", aliceLine))
	c := ts.client(alice)
	closed := make(chan error, 1)
	go func() { closed <- c.Wait() }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("a connection with no session was kept")
	}
	ts.log.waitFor(t, `msg="connection closed"`)
	ts.log.waitFor(t, `reason="no session opened within 200ms of authenticating"`)

	// A connection whose console ended has its grace again.
	con := openConsole(t, ts.client(alice), 80, 24)
	con.out.waitFor(t, "demo-odin")
	con.stdin.Write([]byte("q"))
	con.ended(t)
}

// max_sessions counts connections: one held open with no session takes a place, and a
// console on another connection is refused with the reason until it is gone.
func TestServeMaxSessionsCountsConnections(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	bob, bobLine := newKey(t, "")
	ts := startServerWith(t, store.Serve{MaxSessions: 1}, func(s *Server) { s.gate.grace = time.Minute },
		technician("alice", aliceLine), technician("bob", bobLine))
	held, err := ts.dial(gossh.PublicKeys(alice))
	if err != nil {
		t.Fatal(err)
	}
	refused := openConsole(t, ts.client(bob), 80, 24)
	refused.stderr.waitFor(t, "max_sessions")
	if code := refused.ended(t); code != 1 {
		t.Fatalf("refused session: exit %d", code)
	}
	held.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		con := openConsole(t, ts.client(bob), 80, 24)
		if strings.Contains(waitEither(t, con, "demo-odin", "max_sessions"), "demo-odin") {
			break
		}
		con.ended(t)
		if time.Now().After(deadline) {
			t.Fatal("the place of the closed connection was not given back")
		}
	}
}

// waitEither waits for a or b on the console (screen or stderr) and returns which.
func waitEither(t *testing.T, con *console, a, b string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if strings.Contains(con.out.String(), a) {
			return a
		}
		if strings.Contains(con.stderr.String(), b) {
			return b
		}
		select {
		case <-con.out.changed:
		case <-con.stderr.changed:
		case <-deadline:
			t.Fatalf("neither %q nor %q", a, b)
		}
	}
}

// silent opens a TCP connection that never speaks, and reports whether the server
// greeted it (accepted it for a handshake) or closed it at once (refused).
func silent(t *testing.T, addr string) (net.Conn, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 8)
	n, err := io.ReadFull(c, buf)
	if err != nil && n == 0 {
		return c, false
	}
	if string(buf[:n]) != "SSH-2.0-" {
		t.Fatalf("the server said %q", buf[:n])
	}
	return c, true
}

// Connections that never authenticate are bounded, in all and per address; the
// refusal is logged with the reason, and a closed one gives its place back.
func TestServeBoundsHandshakesInProgress(t *testing.T) {
	_, aliceLine := newKey(t, "")
	ts := startServerWith(t, store.Serve{}, func(s *Server) { s.gate.maxHandshakes, s.gate.perSource = 3, 100 }, technician("alice", aliceLine))
	var open []net.Conn
	for i := range 3 {
		c, greeted := silent(t, ts.addr)
		if !greeted {
			t.Fatalf("connection %d refused", i+1)
		}
		open = append(open, c)
	}
	if _, greeted := silent(t, ts.addr); greeted {
		t.Fatal("a fourth handshake was let in")
	}
	ts.log.waitFor(t, `reason="3 handshakes in progress, the most at once"`)
	open[0].Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, greeted := silent(t, ts.addr); greeted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed handshake did not give its place back")
		}
	}

	ts = startServerWith(t, store.Serve{}, func(s *Server) { s.gate.maxHandshakes, s.gate.perSource = 100, 2 }, technician("alice", aliceLine))
	for range 2 {
		if _, greeted := silent(t, ts.addr); !greeted {
			t.Fatal("refused under the per-address limit")
		}
	}
	if _, greeted := silent(t, ts.addr); greeted {
		t.Fatal("a third handshake from one address was let in")
	}
	ts.log.waitFor(t, `reason="2 handshakes in progress from 127.0.0.1, the most from one address"`)
}
