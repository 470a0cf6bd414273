// Package serve is `resetdesk serve`: the console served over SSH with charm.land/wish
// and its Bubble Tea middleware, one console and one desk.Desk per SSH session, every
// session on one desk.Host — one config, one secret store, one history and so one daily
// quota for the whole helpdesk.
//
// What it relies on and keeps:
//   - The key is the identity. A connection authenticates by public key only (no
//     password, no keyboard-interactive), the key must be one a technician has in the
//     config, and a session's technician is looked up from the key the connection
//     proved (charm.land/ssh keeps it from the handshake's permissions), never from a
//     key only offered nor from the SSH user name.
//   - The runs are the host's, not the session's: a console submits its runs to the
//     host's registry and only watches them, so a dropped connection ends the console
//     and its watches, and the run goes on to its end, each new secret in the journal;
//     the technician's next session opens on it and its results (desk.Desk.Reattach).
//     The server drains the registry once, when it stops. The host keeps the
//     technicians' approval requests (desk.Host.KeepRequests).
//   - The console draws for the session's terminal: TERM from the pty request, and
//     COLORTERM, NO_COLOR, TMUX and STY as the client sent them (a TERM of tmux* or
//     screen* says tmux or screen when the client sent neither). Secrets and paths come
//     from the host's environment, never the client's.
//   - The log (log/slog) names who connected with which key from where, and the runs
//     they made (profile, mode, users, outcome counts); no secret passes through this
//     package, so none can reach the log.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// Defaults of the [serve] table.
const (
	DefaultListen      = "127.0.0.1:2222"
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxSessions = 50
)

const (
	// handshakeTimeout bounds a connection that has not authenticated yet.
	handshakeTimeout = 30 * time.Second
	// drainGrace bounds the wait, at a shutdown, for the requests the host's runs have
	// in flight (each has its own timeout; this covers a stuck journal).
	drainGrace = 2 * time.Minute
	// connIdleMargin puts the connection's own idle timeout (bytes either way, SSH
	// keepalives included) after the session's, as a backstop for a connection that
	// opened no console: a session is closed by its own timer first, with a message.
	connIdleMargin = time.Minute
)

// Options builds a Server.
type Options struct {
	// Host is the host every session's desk is made at.
	Host *desk.Host
	// Listen is --listen: it overrides [serve] listen ("" = the config's, else
	// DefaultListen).
	Listen string
	// Getenv reads the host's environment (the default host key path); nil: os.Getenv.
	Getenv func(string) string
	// Log receives the structured log; nil discards it.
	Log *slog.Logger
	// Out receives the lines a person starting the server reads (where it listens, the
	// host key's fingerprint, how to connect); nil discards them.
	Out io.Writer
}

// Server serves the console over SSH.
type Server struct {
	host        *desk.Host
	getenv      func(string) string
	log         *slog.Logger
	out         io.Writer
	techs       *technicians
	signer      gossh.Signer
	keyPath     string
	keyCreated  bool
	listen      string
	idle        time.Duration
	maxSessions int
	ssh         *ssh.Server
	gate        *gate

	// ctx is what the consoles and their runs work under: Serve's, which only the
	// server's own abort cancels.
	ctx    context.Context
	nextID atomic.Int64

	mu       sync.Mutex
	sessions map[*session]struct{}
	closing  endReason // set when every session is being ended
	handlers sync.WaitGroup
}

// New checks the technicians' keys and loads (or creates) the host key; nothing
// listens yet.
func New(o Options) (*Server, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := o.Host.Config()
	if len(cfg.Technicians) == 0 {
		return nil, fmt.Errorf("config %s has no [technicians]: nobody could connect; give each technician their public keys:\n"+
			"  [technicians.alice]\n  keys = [\"ssh-ed25519 AAAA... alice@laptop\"]", cfg.Path)
	}
	techs, err := parseTechnicians(cfg.Technicians, cfg.Path)
	if err != nil {
		return nil, err
	}
	s := &Server{
		host: o.Host, getenv: getenv, log: o.Log, out: o.Out, techs: techs,
		listen:      firstOf(o.Listen, cfg.Serve.Listen, DefaultListen),
		idle:        cfg.Serve.IdleTimeout,
		maxSessions: cfg.Serve.MaxSessions,
		sessions:    map[*session]struct{}{},
		ctx:         context.Background(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.out == nil {
		s.out = io.Discard
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.maxSessions <= 0 {
		s.maxSessions = DefaultMaxSessions
	}
	s.keyPath = cfg.Serve.HostKey
	defaultKey := s.keyPath == ""
	if defaultKey {
		if s.keyPath, err = DefaultHostKeyPath(getenv); err != nil {
			return nil, err
		}
	}
	if s.signer, s.keyCreated, err = loadHostKey(s.keyPath, defaultKey); err != nil {
		return nil, err
	}
	s.host.KeepRequests()
	s.ssh, err = wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(s.signer); return nil },
		wish.WithVersion("resetdesk"),
		// Only this handler is set: no password, no keyboard-interactive.
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithMiddleware(s.consoleMiddleware),
	)
	if err != nil {
		return nil, err
	}
	s.ssh.HandshakeTimeout = handshakeTimeout
	s.ssh.IdleTimeout = s.idle + connIdleMargin
	s.gate = newGate(s.log, s.maxSessions)
	s.ssh.ConnCallback = s.gate.accept
	s.ssh.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if gc := connOf(ctx); gc != nil && err == nil {
				gc.authenticated()
			}
		}}
	}
	s.ssh.ConnectionFailedCallback = func(conn net.Conn, err error) {
		why := err.Error()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			why = fmt.Sprintf("no handshake within %s", handshakeTimeout)
		}
		s.log.Info("connection refused", "remote", conn.RemoteAddr().String(), "error", why)
	}
	return s, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// authorize lets a key in when it is a technician's. Which technician is decided later,
// from the key the connection proved: a client may offer keys it cannot sign with.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	if _, ok := s.techs.lookup(key); ok {
		return true
	}
	s.log.Info("key refused", "key", gossh.FingerprintSHA256(key), "type", key.Type(),
		"remote", ctx.RemoteAddr().String(), "ssh_user", ctx.User())
	return false
}

// Listen opens the listener on the configured address.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (serve listen, or --listen): %w", s.listen, err)
	}
	return ln, nil
}

// Serve serves SSH sessions on ln until drain is closed or ctx is cancelled. Then it
// accepts no more and ends every session: on drain as a hang-up (each run stops
// dispatching and its requests in flight finish into the journal), on ctx with the runs'
// requests aborted. It returns when every session has ended.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain <-chan struct{}) error {
	s.ctx = ctx
	s.announce(ln.Addr())
	served := make(chan error, 1)
	go func() { served <- s.ssh.Serve(ln) }()
	var err error
	reason := endShutdown
	select {
	case err = <-served:
	case <-drain:
	case <-ctx.Done():
		reason = endAbort
	}
	s.mu.Lock()
	open := len(s.sessions)
	s.mu.Unlock()
	s.log.Info("stopping: no new connections; ending the sessions", "sessions", open, "runs", map[endReason]string{
		endShutdown: "stop dispatching, requests in flight finish into the journal",
		endAbort:    "requests in flight aborted",
	}[reason])
	shut := make(chan struct{})
	go func() {
		_ = s.ssh.Shutdown(context.Background()) // closes the listener; returns when every connection has closed
		close(shut)
	}()
	_ = ln.Close()
	s.endSessions(reason)
	s.handlers.Wait()
	// The host's runs outlive their sessions: they are drained here, once; on an abort,
	// with their requests in flight aborted.
	if reason == endAbort {
		s.host.Runs().Abort()
	}
	dctx, cancel := context.WithTimeout(context.Background(), drainGrace)
	if err := s.host.Runs().Drain(dctx); err != nil {
		s.log.Warn("runs still in flight at the end of the drain", "error", err.Error())
	}
	cancel()
	_ = s.ssh.Close() // connections that opened no console
	<-shut
	s.log.Info("stopped")
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	return err
}

// announce tells the person starting the server where it listens, which host key it
// proves, and how technicians connect; and logs the same.
func (s *Server) announce(addr net.Addr) {
	fp := gossh.FingerprintSHA256(s.signer.PublicKey())
	keyNote := s.keyPath
	if s.keyCreated {
		keyNote = "created " + s.keyPath
	}
	what := "profiles of " + s.host.Config().Path
	if s.host.Demo() {
		what = "the demo's simulated back ends"
	}
	host, port := connectHost(addr)
	connect := "ssh " + host
	if port != "22" {
		connect = "ssh -p " + port + " " + host
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resetdesk serve: listening on %s, serving %s\n", addr, what)
	fmt.Fprintf(&b, "host key %s %s (%s)\n", s.signer.PublicKey().Type(), fp, keyNote)
	fmt.Fprintf(&b, "known_hosts line: %s\n", knownhosts.Line([]string{net.JoinHostPort(host, port)}, s.signer.PublicKey()))
	fmt.Fprintf(&b, "technicians: %s\n", strings.Join(s.techs.names, ", "))
	fmt.Fprintf(&b, "connect with: %s\n", connect)
	io.WriteString(s.out, b.String())
	s.log.Info("listening", "address", addr.String(), "host_key", fp, "host_key_file", s.keyPath,
		"host_key_created", s.keyCreated, "technicians", len(s.techs.names), "idle_timeout", s.idle.String(),
		"max_sessions", s.maxSessions, "demo", s.host.Demo())
	for _, name := range s.techs.names {
		if d, err := s.host.Desk(name); err == nil && len(d.Profiles()) == 0 {
			s.log.Warn("no profile is open to this technician: their sessions are refused", "technician", name)
		}
	}
}

// connectHost is the host and port a technician gives ssh: the machine's name when the
// server listens on every address, localhost on the loopback.
func connectHost(addr net.Addr) (host, port string) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String(), "22"
	}
	ip := net.ParseIP(host)
	switch {
	case ip != nil && ip.IsUnspecified():
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	case ip != nil && ip.IsLoopback():
		host = "localhost"
	}
	return host, port
}

// admit registers a session, or says why it may not open: max_sessions counts the
// connections (the gate) and the consoles (one connection may open several).
func (s *Server) admit(st *session, gc *gatedConn) (refusal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing != "":
		return "the server is shutting down: connect again in a moment"
	case len(s.sessions) >= s.maxSessions || (gc != nil && gc.over()):
		return fmt.Sprintf("the server already has %d sessions open, its max_sessions: try again later", s.maxSessions)
	}
	s.sessions[st] = struct{}{}
	s.handlers.Add(1) // under mu, before closing is set: never concurrent with Wait
	return ""
}

func (s *Server) leave(st *session) {
	s.mu.Lock()
	delete(s.sessions, st)
	s.mu.Unlock()
	s.handlers.Done()
}

// endSessions ends every open session for reason; no session opens after it.
func (s *Server) endSessions(reason endReason) {
	s.mu.Lock()
	s.closing = reason
	open := make([]*session, 0, len(s.sessions))
	for st := range s.sessions {
		open = append(open, st)
	}
	s.mu.Unlock()
	for _, st := range open {
		st.end(reason)
	}
}

// LogRun is the desk.Options.RunDone of a served host: one line per run once it is
// over, with who made it and its outcome counts — never a secret.
func LogRun(log *slog.Logger) func(technician string, req runner.Request, outcomes []backends.Outcome) {
	return func(technician string, req runner.Request, outcomes []backends.Outcome) {
		t := backends.TallyOf(outcomes)
		p := req.Profile()
		log.Info("run", "technician", technician, "profile", p.Name, "kind", p.Kind, "mode", req.Mode().Name, "users", req.Len(),
			"ok", t.OK, "failed", t.Failed, "unknown", t.Unknown, "skipped", t.Skipped)
	}
}
