package serve

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
)

// testServer is a Server on the demo's back ends, on 127.0.0.1, with its log kept.
type testServer struct {
	t     *testing.T
	srv   *Server
	addr  string
	log   *watched
	drain chan struct{}
	done  chan error
}

func startServer(t *testing.T, sc store.Serve, techs ...store.Technician) *testServer {
	t.Helper()
	return startServerWith(t, sc, nil, techs...)
}

// startServerWith is startServer with configure run on the server before it serves.
func startServerWith(t *testing.T, sc store.Serve, configure func(*Server), techs ...store.Technician) *testServer {
	t.Helper()
	data := t.TempDir()
	env := map[string]string{"XDG_DATA_HOME": data, "HOME": data}
	getenv := func(k string) string { return env[k] }
	host, err := desk.NewHost(desk.Options{Demo: true, Config: &store.Config{Serve: sc, Technicians: techs}, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	ts := &testServer{t: t, log: newWatched(), drain: make(chan struct{}), done: make(chan error, 1)}
	ts.srv, err = New(Options{Host: host, Listen: "127.0.0.1:0", Getenv: getenv, Log: slog.New(slog.NewTextHandler(ts.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(ts.srv)
	}
	ln, err := ts.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { ts.done <- ts.srv.Serve(ctx, ln, ts.drain) }()
	t.Cleanup(func() {
		// Drained, not aborted: an abort cancels what the consoles are doing, which the
		// tests do not look at.
		defer cancel()
		select {
		case <-ts.drain:
		default:
			close(ts.drain)
		}
		select {
		case <-ts.done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop")
		}
	})
	return ts
}

// dial connects with auth, checking that the server proves its host key.
func (ts *testServer) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            "anyone", // not an identity
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(ts.srv.signer.PublicKey()),
		Timeout:         10 * time.Second,
	})
}

func (ts *testServer) client(signer gossh.Signer) *gossh.Client {
	ts.t.Helper()
	c, err := ts.dial(gossh.PublicKeys(signer))
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// watched is a buffer that signals each write, to wait for text without sleeping.
type watched struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatched() *watched { return &watched{changed: make(chan struct{}, 1)} }

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *watched) waitFor(t *testing.T, text string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if s := w.String(); strings.Contains(s, text) {
			return s
		}
		select {
		case <-w.changed:
		case <-deadline:
			t.Fatalf("waiting for %q in:\n%s", text, w.String())
		}
	}
}

// console is an SSH session with a terminal of its own size.
type console struct {
	sess        *gossh.Session
	out, stderr *watched
	stdin       interface{ Write([]byte) (int, error) }
}

func openConsole(t *testing.T, c *gossh.Client, width, height int) *console {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	con := &console{sess: sess, out: newWatched(), stderr: newWatched()}
	sess.Stdout, sess.Stderr = con.out, con.stderr
	if con.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", height, width, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return con
}

// ended waits for the session to end and returns its exit status.
func (con *console) ended(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- con.sess.Wait() }()
	select {
	case err := <-done:
		var exit *gossh.ExitError
		if errors.As(err, &exit) {
			return exit.ExitStatus()
		}
		if err != nil {
			t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatal("the session did not end")
	}
	return -1
}

func technician(name, key string) store.Technician {
	return store.Technician{Name: name, Keys: []string{key}}
}

// Only a technician's public key gets in: an unknown key and a password are refused
// before any session, and the session's technician is the key's, whatever the SSH user.
func TestServeLetsInByTechnicianKeyOnly(t *testing.T) {
	alice, aliceLine := newKey(t, "alice@laptop")
	ts := startServer(t, store.Serve{}, technician("alice", aliceLine))

	stranger, _ := newKey(t, "")
	if c, err := ts.dial(gossh.PublicKeys(stranger)); err == nil {
		c.Close()
		t.Fatal("an unknown key got in")
	}
	ts.log.waitFor(t, "key="+gossh.FingerprintSHA256(stranger.PublicKey()))
	for _, auth := range []gossh.AuthMethod{
		gossh.Password("alice"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"alice"}, nil }),
	} {
		if c, err := ts.dial(auth); err == nil {
			c.Close()
			t.Fatal("a password got in")
		}
	}
	if strings.Contains(ts.log.String(), "session started") {
		t.Fatal("a session started for a refused client")
	}

	con := openConsole(t, ts.client(alice), 80, 24)
	con.out.waitFor(t, "demo-odin")
	log := ts.log.waitFor(t, "session started")
	for _, want := range []string{"technician=alice", "key=" + gossh.FingerprintSHA256(alice.PublicKey()), "ssh_user=anyone", "width=80 height=24"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	con.stdin.Write([]byte("q"))
	if code := con.ended(t); code != 0 {
		t.Fatalf("quit: exit %d", code)
	}
	ts.log.waitFor(t, "reason=quit")
}

// A session is the console, in a terminal: without one, or with a command, it is
// refused with the reason.
func TestServeRefusesSessionsThatAreNoConsole(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	ts := startServer(t, store.Serve{}, technician("alice", aliceLine))
	c := ts.client(alice)

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	err = sess.Run("")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(stderr.String(), "needs a terminal") {
		t.Fatalf("no terminal: %v, %q", err, stderr.String())
	}

	sess, err = c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	sess.Stderr = &stderr
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	err = sess.Run("history")
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(stderr.String(), "console only") {
		t.Fatalf("a command: %v, %q", err, stderr.String())
	}
}

// At most max_sessions consoles are open at once; a session that ends, and its
// connection (as ssh closes it), make room.
func TestServeHoldsMaxSessions(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	bob, bobLine := newKey(t, "")
	ts := startServer(t, store.Serve{MaxSessions: 1}, technician("alice", aliceLine), technician("bob", bobLine))
	firstConn := ts.client(alice)
	first := openConsole(t, firstConn, 80, 24)
	first.out.waitFor(t, "demo-odin")
	second := openConsole(t, ts.client(bob), 80, 24)
	second.stderr.waitFor(t, "max_sessions")
	if code := second.ended(t); code != 1 {
		t.Fatalf("refused session: exit %d", code)
	}
	first.stdin.Write([]byte("q"))
	first.ended(t)
	firstConn.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		third := openConsole(t, ts.client(bob), 80, 24)
		if waitEither(t, third, "demo-odin", "max_sessions") == "demo-odin" {
			break
		}
		third.ended(t)
		if time.Now().After(deadline) {
			t.Fatal("the ended session's place was not given back")
		}
	}
}

// A session with nothing typed or drawn for idle_timeout is closed, with the reason.
func TestServeClosesIdleSessions(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	ts := startServer(t, store.Serve{IdleTimeout: 300 * time.Millisecond}, technician("alice", aliceLine))
	con := openConsole(t, ts.client(alice), 80, 24)
	con.out.waitFor(t, "demo-odin")
	con.stderr.waitFor(t, "idle_timeout")
	con.ended(t)
	ts.log.waitFor(t, "reason=idle")
}

// Draining ends every session with the reason, refuses new ones, and Serve returns.
func TestServeDrainEndsSessions(t *testing.T) {
	alice, aliceLine := newKey(t, "")
	ts := startServer(t, store.Serve{}, technician("alice", aliceLine))
	c := ts.client(alice)
	con := openConsole(t, c, 100, 30)
	con.out.waitFor(t, "demo-odin")
	close(ts.drain)
	con.stderr.waitFor(t, "shutting down")
	con.ended(t)
	select {
	case err := <-ts.done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		ts.done <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	if _, err := ts.dial(gossh.PublicKeys(alice)); err == nil {
		t.Fatal("a connection was accepted after the drain")
	}
}

// The host's runs outlive their sessions, and the server drains them when it stops:
// Serve returns once every run is over, the requests it had not sent skipped.
func TestServeDrainsTheHostsRuns(t *testing.T) {
	_, aliceLine := newKey(t, "")
	ts := startServer(t, store.Serve{}, technician("alice", aliceLine))
	d, err := ts.srv.host.Desk("alice")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := d.Profile("demo-odin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, in := range ts.srv.host.DemoEnv().Instances {
		if srv, ok := in.Server.(*odintest.Server); ok {
			users = srv.Users()
		}
	}
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "sip", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := d.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	h, err := d.Submit(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Pause(); err != nil { // nothing more goes out until the drain stops it
		t.Fatal(err)
	}
	close(ts.drain)
	select {
	case err := <-ts.done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		ts.done <- nil // for the cleanup
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return after the drain")
	}
	select {
	case <-h.Done():
	default:
		t.Fatal("Serve returned with a run of the host still going")
	}
	if tally := h.Info().Tally; tally.Total() != len(users) || tally.Skipped == 0 {
		t.Fatalf("the drained run: %+v", tally)
	}
}
