package serve

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"resetdesk/desk"
	"resetdesk/ui"
	"resetdesk/ui/fit"
)

// endReason says why a session ended.
type endReason string

const (
	endQuit         endReason = "quit"         // the technician quit the console
	endDisconnected endReason = "disconnected" // the connection went away: a hang-up
	endIdle         endReason = "idle"         // nothing in or out for idle_timeout
	endShutdown     endReason = "shutdown"     // the server stops: runs finish what is in flight
	endAbort        endReason = "aborted"      // the server stops at once: in-flight requests aborted
)

// message is what the technician reads when the server ended the session; ran says
// whether the session submitted a run, demo whether the host is the demo (which keeps
// nothing to recover).
func (r endReason) message(idle time.Duration, ran, demo bool) string {
	var msg, runs string
	switch r {
	case endIdle:
		msg = fmt.Sprintf("session closed after %s with nothing typed or drawn (idle_timeout)", idle)
		runs = "your runs go on at the server: connect again to see them and their results"
	case endShutdown:
		msg = "the server is shutting down"
		runs = "your runs stop: the requests in flight finish; the new secrets are in recover (r) when you connect again"
		if demo {
			runs = "your demo runs stop with it; the demo keeps nothing to recover (its passwords are not real)"
		}
	case endAbort:
		msg = "the server stopped"
		runs = "the requests in flight were aborted: check those users; the new secrets are in recover (r) when you connect again"
		if demo {
			runs = "your demo runs were aborted; the demo keeps nothing to recover (its passwords are not real)"
		}
	default:
		return ""
	}
	if ran {
		msg += "; " + runs
	}
	return msg
}

// endText is the end message as the technician's terminal shows it: wrapped at words
// to its width (the terminal's own wrap cut "recover (r" from its ")"), each line ended
// with CR LF, as the terminal is still raw when the console has ended.
func endText(msg string, width int) string {
	if width <= 0 {
		width = 80
	}
	return strings.Join(fit.Wrap("resetdesk: "+msg, width), "\r\n") + "\r\n"
}

// session is one SSH session's console.
type session struct {
	io   *activity
	done chan struct{} // closed when the console has ended

	mu      sync.Mutex
	program *tea.Program
	reason  endReason // why the server ended it ("" when it did not)
}

// start gives the session its program; false when the session was ended before it had
// one (the server is stopping).
func (st *session) start(p *tea.Program) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reason != "" {
		return false
	}
	st.program = p
	return true
}

// end ends the session's console for reason (the first reason is kept).
func (st *session) end(reason endReason) {
	st.mu.Lock()
	if st.reason == "" {
		st.reason = reason
	}
	p := st.program
	st.mu.Unlock()
	if p != nil {
		// Quit waits for the program's loop; a program that already ended returns at once.
		go p.Quit()
	}
}

// why is why the session ended, once its console has.
func (st *session) why(sess ssh.Session) endReason {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.reason != "":
		return st.reason
	case sess.Context().Err() != nil:
		return endDisconnected
	}
	return endQuit
}

// watchIdle ends the session once nothing went in or out for timeout: no key typed and
// nothing drawn — a run in progress draws, so it keeps its session open.
func (st *session) watchIdle(timeout time.Duration) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-st.done:
			return
		case <-t.C:
			quiet := st.io.quiet()
			if quiet >= timeout {
				st.end(endIdle)
				return
			}
			t.Reset(timeout - quiet)
		}
	}
}

// activity is the session as the console reads and draws it, noting when a byte last
// went either way.
type activity struct {
	ssh.Session
	base time.Time    // a monotonic origin
	last atomic.Int64 // nanoseconds from base to the last byte
}

func newActivity(s ssh.Session) *activity {
	return &activity{Session: s, base: time.Now()}
}

func (a *activity) Read(p []byte) (int, error) {
	n, err := a.Session.Read(p)
	if n > 0 {
		a.last.Store(int64(time.Since(a.base)))
	}
	return n, err
}

func (a *activity) Write(p []byte) (int, error) {
	n, err := a.Session.Write(p)
	if n > 0 {
		a.last.Store(int64(time.Since(a.base)))
	}
	return n, err
}

// quiet is how long nothing went in or out.
func (a *activity) quiet() time.Duration {
	return time.Since(a.base) - time.Duration(a.last.Load())
}

// terminalVars are the variables of the technician's terminal the console may read.
var terminalVars = []string{"TERM", "COLORTERM", "NO_COLOR", "TMUX", "STY"}

// terminalEnv is the technician's terminal environment: term from the pty request, the
// rest of terminalVars from what the client sent (environ). A client sends TMUX or STY
// only when told to (SendEnv); the console reads a TERM of tmux* or screen* as tmux
// itself, the same way for a local console whose $TMUX was dropped.
func terminalEnv(environ []string, term string) map[string]string {
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		for _, name := range terminalVars {
			if ok && k == name {
				env[k] = v
			}
		}
	}
	env["TERM"] = term
	return env
}

// consoleMiddleware serves one session: the console at the desk of the technician whose
// key the connection proved; the runs it submitted go on without it.
func (s *Server) consoleMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if gc := connOf(sess.Context()); gc != nil {
			defer gc.sessionStarted()()
		}
		s.serveSession(sess)
		next(sess)
	}
}

func (s *Server) serveSession(sess ssh.Session) {
	began := time.Now()
	log := s.log.With("session", s.nextID.Add(1), "remote", sess.RemoteAddr().String())
	key := sess.PublicKey()
	tech, ok := s.techs.lookup(key)
	if !ok {
		refuse(sess, log, "this key is no technician's") // authorize let it in: never happens
		return
	}
	log = log.With("technician", tech, "key", gossh.FingerprintSHA256(key))
	pty, _, hasPty := sess.Pty()
	switch {
	case len(sess.Command()) > 0 || sess.Subsystem() != "":
		// First: `ssh host cmd` has no terminal either, and the advice for it is this one.
		refuse(sess, log, "resetdesk serve serves the console only: connect without a command (ssh -p PORT HOST)")
		return
	case !hasPty:
		refuse(sess, log, "the console needs a terminal: connect with ssh -t")
		return
	}
	d, err := s.host.Desk(tech)
	if err != nil {
		refuse(sess, log, err.Error())
		return
	}
	if len(d.Profiles()) == 0 {
		refuse(sess, log, fmt.Sprintf("no profile of this server is open to technician %s: ask its administrator", tech))
		return
	}
	env := terminalEnv(sess.Environ(), pty.Term)
	d.SetTerminal(func(k string) string { return env[k] })

	st := &session{io: newActivity(sess), done: make(chan struct{})}
	if why := s.admit(st, connOf(sess.Context())); why != "" {
		refuse(sess, log, why)
		return
	}
	defer s.leave(st)
	sd := &sessionDesk{Desk: d, log: log}
	opts := append(bm.MakeOptions(st.io),
		// Signals are the server's: one console must not quit on the SIGTERM meant for
		// the server, nor on a SIGINT typed in its terminal.
		tea.WithoutSignalHandler(),
		tea.WithContext(s.ctx))
	// The console's own calls (a watch of a run, a read of the history) end with the
	// session; the runs it submitted are the host's and go on.
	cctx, endConsole := context.WithCancel(s.ctx)
	defer endConsole()
	p := tea.NewProgram(ui.New(cctx, sd), opts...)
	if !st.start(p) {
		refuse(sess, log, "the server is shutting down: connect again in a moment")
		return
	}
	log.Info("session started", "ssh_user", sess.User(), "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
	go st.watchIdle(s.idle)
	// The middleware runs the program on the session, sends it the window's size
	// changes, and quits it when the connection goes away.
	bm.MiddlewareWithProgramHandler(func(ssh.Session) *tea.Program { return p })(func(ssh.Session) {})(sess)
	close(st.done)

	endConsole()
	runs := int(sd.runs.Load())
	reason := st.why(sess)
	if msg := reason.message(s.idle, runs > 0, s.host.Demo()); msg != "" {
		fmt.Fprint(sess.Stderr(), endText(msg, pty.Window.Width))
	}
	log.Info("session ended", "reason", string(reason), "duration", time.Since(began).Round(time.Second).String(), "runs", runs)
	// Before the server may count the session gone (leave) and close its connection.
	_ = sess.Exit(0)
}

// refuse ends a session before its console starts, saying why.
func refuse(sess ssh.Session, log *slog.Logger, why string) {
	log.Warn("session refused", "reason", why)
	fmt.Fprintln(sess.Stderr(), "resetdesk: "+why)
	_ = sess.Exit(1)
}

// sessionDesk is a session's desk as its console uses it: every run it starts is
// logged and counted.
type sessionDesk struct {
	*desk.Desk
	log  *slog.Logger
	runs atomic.Int64
}

// Submit hands a planned run to the host, logging it; a run that waits for approval is
// logged as filed.
func (d *sessionDesk) Submit(ctx context.Context, plan *desk.Plan) (*desk.Handle, error) {
	req := plan.Request
	p := req.Profile()
	attrs := []any{"profile", p.Name, "kind", p.Kind, "mode", req.Mode().Name, "users", req.Len()}
	h, err := d.Desk.Submit(ctx, plan)
	switch {
	case h == nil:
		d.log.Warn("run refused", append(attrs, "error", err.Error())...)
		return nil, err
	case err != nil:
		d.log.Warn("run not started", append(attrs, "run", h.ID(), "error", err.Error())...)
		return h, err
	}
	d.runs.Add(1)
	if h.Info().State == desk.StateWaiting {
		d.log.Info("run waits for approval", append(attrs, "run", h.ID(), "request", h.Info().Approval.Request)...)
	} else {
		d.log.Info("run started", append(attrs, "run", h.ID())...)
	}
	return h, nil
}
