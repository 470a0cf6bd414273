package serve

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
)

// Limits of the gate.
const (
	// maxHandshakes bounds the connections that have not authenticated yet: each holds a
	// descriptor until its handshake ends or times out, and thousands of silent TCP
	// connections must not take them all.
	maxHandshakes = 64
	// maxHandshakesPerSource bounds them per remote address, so that one host cannot take
	// the whole allowance from the team.
	maxHandshakesPerSource = 8
	// noSessionGrace is how long an authenticated connection may stay without a session
	// (`ssh -N`, a client that stalls): the console is all this server serves.
	noSessionGrace = 10 * time.Second
)

// gate admits connections: at most maxHandshakes handshakes in progress (and
// maxHandshakesPerSource from one address), at most max_sessions authenticated
// connections counted, and none kept without a session past its grace. Every connection
// it refuses or closes is logged with the reason.
type gate struct {
	log           *slog.Logger
	maxConns      int
	maxHandshakes int
	perSource     int
	grace         time.Duration

	mu         sync.Mutex
	handshakes int
	bySource   map[string]int
	conns      int // authenticated connections within max_sessions
}

func newGate(log *slog.Logger, maxConns int) *gate {
	return &gate{log: log, maxConns: maxConns, maxHandshakes: maxHandshakes, perSource: maxHandshakesPerSource,
		grace: noSessionGrace, bySource: map[string]int{}}
}

// connState is where a connection is.
type connState int

const (
	handshaking connState = iota // accepted, not authenticated
	counted                      // authenticated, one of max_sessions
	overLimit                    // authenticated past max_sessions: its session is refused
	closed
)

// gatedConn is an accepted connection as the gate tracks it.
type gatedConn struct {
	net.Conn
	g      *gate
	source string

	mu       sync.Mutex
	state    connState
	sessions int
	timer    *time.Timer
}

type gateKey struct{}

// accept is the server's ConnCallback: the connection, or nil (closed) when too many
// handshakes are in progress.
func (g *gate) accept(ctx ssh.Context, conn net.Conn) net.Conn {
	source := conn.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(source); err == nil {
		source = host
	}
	g.mu.Lock()
	var refusal string
	switch {
	case g.handshakes >= g.maxHandshakes:
		refusal = fmt.Sprintf("%d handshakes in progress, the most at once", g.maxHandshakes)
	case g.bySource[source] >= g.perSource:
		refusal = fmt.Sprintf("%d handshakes in progress from %s, the most from one address", g.perSource, source)
	default:
		g.handshakes++
		g.bySource[source]++
	}
	g.mu.Unlock()
	if refusal != "" {
		g.log.Warn("connection refused", "remote", conn.RemoteAddr().String(), "reason", refusal)
		return nil
	}
	gc := &gatedConn{Conn: conn, g: g, source: source}
	ctx.SetValue(gateKey{}, gc)
	return gc
}

// connOf is the gate's connection of a session or handshake context (nil outside one).
func connOf(ctx ssh.Context) *gatedConn {
	gc, _ := ctx.Value(gateKey{}).(*gatedConn)
	return gc
}

// authenticated moves the connection from the handshakes to the connections (or past
// max_sessions) and starts its grace for opening a session.
func (gc *gatedConn) authenticated() {
	g := gc.g
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.state != handshaking {
		return
	}
	g.mu.Lock()
	g.handshakeDone(gc.source)
	gc.state = counted
	if g.conns >= g.maxConns {
		gc.state = overLimit
	} else {
		g.conns++
	}
	open := g.conns
	g.mu.Unlock()
	gc.timer = time.AfterFunc(g.grace, gc.expire)
	g.log.Info("connection authenticated", "remote", gc.RemoteAddr().String(), "connections", open, "over_max_sessions", gc.state == overLimit)
}

// over reports whether the connection came past max_sessions.
func (gc *gatedConn) over() bool {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	return gc.state == overLimit
}

// sessionStarted notes a session on the connection; the func it returns notes its end,
// after which an idle connection has its grace again.
func (gc *gatedConn) sessionStarted() (ended func()) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	gc.sessions++
	if gc.timer != nil {
		gc.timer.Stop()
	}
	return func() {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		gc.sessions--
		if gc.sessions == 0 && gc.state != closed && gc.timer != nil {
			gc.timer.Reset(gc.g.grace)
		}
	}
}

// expire closes a connection that has had no session for the grace.
func (gc *gatedConn) expire() {
	gc.mu.Lock()
	if gc.sessions > 0 || gc.state == closed {
		gc.mu.Unlock()
		return
	}
	prev := gc.shut()
	gc.mu.Unlock()
	gc.g.release(gc, prev)
	reason := fmt.Sprintf("no session opened within %s of authenticating", gc.g.grace)
	if prev == overLimit {
		reason += fmt.Sprintf(", and max_sessions (%d) connections were open", gc.g.maxConns)
	}
	gc.g.log.Info("connection closed", "remote", gc.RemoteAddr().String(), "reason", reason)
	_ = gc.Conn.Close()
}

// Close releases the connection's place (a handshake's or a connection's) once.
func (gc *gatedConn) Close() error {
	gc.mu.Lock()
	prev := gc.shut()
	gc.mu.Unlock()
	gc.g.release(gc, prev)
	return gc.Conn.Close()
}

// shut marks the connection closed (gc.mu held) and returns the state it was in.
func (gc *gatedConn) shut() connState {
	prev := gc.state
	gc.state = closed
	if gc.timer != nil {
		gc.timer.Stop()
	}
	return prev
}

// release gives back the place a connection held in state prev.
func (g *gate) release(gc *gatedConn, prev connState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch prev {
	case handshaking:
		g.handshakeDone(gc.source)
	case counted:
		g.conns--
	}
}

// handshakeDone ends a handshake from source (g.mu held).
func (g *gate) handshakeDone(source string) {
	g.handshakes--
	if g.bySource[source]--; g.bySource[source] <= 0 {
		delete(g.bySource, source)
	}
}
