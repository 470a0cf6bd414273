package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

// Registry is the host's runs: every front end — the console, `run`, each session of
// `serve` — starts, watches, stops and drains runs through it, and a run belongs to the
// host, not to the session that started it: it goes on to its end when that session
// ends, and its starter finds it (with its results) from their next session. Shutdown
// drains it once. Who may see a run's secrets or stop it is decided here, by the
// technician of the desk that asks (Handle), not left to the front end.
type Registry struct {
	host *Host
	// ctx is what the runs work under: only the host's Close cancels it (an abort of
	// what is still in flight after the drain).
	ctx       context.Context
	abort     context.CancelFunc
	consumers sync.WaitGroup // each started run's reader of the runner's stream

	mu      sync.Mutex
	runs    []*hostRun // by id
	nextID  int64
	closing bool
	wake    chan struct{} // closed (and replaced) at every change of the table

	req requestState // the approval requests this host holds (requests.go)
}

func newRegistry(h *Host) *Registry {
	ctx, abort := context.WithCancel(context.Background())
	g := &Registry{host: h, ctx: ctx, abort: abort, wake: make(chan struct{})}
	g.req.init()
	return g
}

// Runs is the host's registry.
func (h *Host) Runs() *Registry { return h.reg }

// ErrClosing is Submit's error once the host drains: it takes no new run.
var ErrClosing = errors.New("the host is shutting down: it takes no new run")

// changed tells whoever waits on Changes.
func (g *Registry) changed() {
	g.mu.Lock()
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

// Changes is closed at the next change of the table: a run added, one that changes
// state, an approval request filed or decided (by this host, or another on the same
// history: seen at the next poll). Call it again after each change.
func (g *Registry) Changes() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.wake
}

// add registers a new run; it fails once the host drains.
func (g *Registry) add(d *Desk, info Info) (*hostRun, error) {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return nil, ErrClosing
	}
	g.nextID++
	info.ID = g.nextID
	r := newHostRun(g, d, info)
	g.runs = append(g.runs, r)
	g.mu.Unlock()
	g.changed()
	return r, nil
}

// all is every run, oldest first.
func (g *Registry) all() []*hostRun {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.runs)
}

// launch starts r's request in its starter's name and reads its stream; a start that
// fails ends r (done, with the cause) and returns the cause.
func (g *Registry) launch(r *hostRun) error {
	// Counted under mu, before the drain can begin to wait: a drain waits for every run
	// that started, and none starts after it.
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		r.end(StateDone, "not sent: "+ErrClosing.Error())
		return ErrClosing
	}
	g.consumers.Add(1)
	g.mu.Unlock()
	ctx, cancel := context.WithCancel(g.ctx)
	r.mu.Lock()
	r.cancel = cancel
	req, built := r.req, r.built
	var opts startOpts
	if r.info.Approval != nil {
		opts.approvedBy = r.info.Approval.Approver
	}
	if r.info.State == StateWaiting {
		r.info.State = StateRunning
		r.changed()
	}
	r.mu.Unlock()
	var err error
	if !built {
		req, err = r.rebuild(ctx)
		err = wrapNotSent(err)
	}
	var run *runner.Run
	var histID int64
	if err == nil {
		run, histID, err = r.desk.start(ctx, req, r.warn, opts)
	}
	if err != nil {
		g.consumers.Done()
		r.end(StateDone, err.Error())
		return err
	}
	r.mu.Lock()
	r.run, r.info.Started, r.info.HistoryID = run, g.host.now(), histID
	stop, why := r.info.State == StateStopping, r.haltWhy // stopped while it logged in
	r.changed()
	r.mu.Unlock()
	if stop {
		r.halt(why)
	}
	go r.consume(run)
	g.changed()
	return nil
}

// Drain stops every run of the host (their requests in flight finish into the journal,
// the rest are skipped) and waits until each is over, or ctx is done; from its call on
// the host takes no new run. Approval requests still waiting are left to the history
// (Close). It may be called more than once.
func (g *Registry) Drain(ctx context.Context) error {
	g.mu.Lock()
	g.closing = true
	runs := slices.Clone(g.runs)
	g.mu.Unlock()
	for _, r := range runs {
		r.halt(ShutdownSkip)
	}
	for _, r := range runs {
		r.mu.Lock()
		waiting := r.info.State == StateWaiting
		r.mu.Unlock()
		if waiting {
			continue
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return fmt.Errorf("drain: runs still have requests in flight: %w", ctx.Err())
		}
	}
	return nil
}

// Abort stops every run of the host and aborts its requests in flight (their users are
// unknown: the password may have changed); from its call on the host takes no new run.
// Drain then waits for the runs to end.
func (g *Registry) Abort() {
	g.mu.Lock()
	g.closing = true
	g.mu.Unlock()
	g.abort()
}

// closeRuns drains with grace, then aborts what is still in flight and waits for every
// run's stream to close; then hands the approval requests it holds back to the
// history. The host's Close calls it.
func (g *Registry) closeRuns(grace time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	_ = g.Drain(ctx)
	cancel()
	g.abort()
	g.consumers.Wait()
	g.closeRequests()
}

// wrapNotSent says that nothing was sent because of err (nil stays nil).
func wrapNotSent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("not sent: %w", err)
}

// isClosing reports whether the host drains.
func (g *Registry) isClosing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closing
}

// ShutdownSkip is the message of the users a shutdown of the host kept from going out:
// the history and recover say why they were skipped, and the technician's next session
// finds the run by it (Reattach).
const ShutdownSkip = "not sent: the host shut down before it went out"

// stop stops dispatching r (a run still waiting for approval is not touched).
func (r *hostRun) stop() { r.halt("") }

// halt stops dispatching r, its users not sent skipped for reason ("": stopped by its
// technician).
func (r *hostRun) halt(reason string) {
	r.mu.Lock()
	run := r.run
	if run == nil && r.haltWhy == "" {
		r.haltWhy = reason // for its start, once logged in
	}
	if r.info.State == StateRunning {
		r.info.State = StateStopping
		r.changed()
	}
	r.mu.Unlock()
	switch {
	case run == nil:
	case reason != "":
		run.Halt(reason)
	default:
		run.Stop()
	}
}

// Handle is a run as one desk's technician may use it: they see a run on a profile
// they may use; they see its secrets, and may stop it, only when it is theirs (they
// started it, or approved it) — or at a local desk, the process's own.
type Handle struct {
	r      *hostRun
	viewer string // the desk's technician
	local  bool   // a local desk: the process's own runs
}

// handle is r as d sees it, or nil when d may not see it.
func (d *Desk) handle(r *hostRun) *Handle {
	if !d.allowed(r.info.Profile) { // the profile never changes
		return nil
	}
	return &Handle{r: r, viewer: d.Technician(), local: d.tech == nil}
}

// mine reports whether the viewer started or approved the run; r.mu is held.
func (h *Handle) mine() bool {
	in := &h.r.info
	return h.local || in.Technician == h.viewer || in.Approval != nil && in.Approval.Approver == h.viewer
}

// Runs lists the host's runs this desk may see, newest first: running, waiting for
// approval, or over (kept while the journal keeps their secrets).
func (d *Desk) Runs() []*Handle {
	d.reg.forget()
	var out []*Handle
	runs := d.reg.all()
	for i := len(runs) - 1; i >= 0; i-- {
		if h := d.handle(runs[i]); h != nil {
			out = append(out, h)
		}
	}
	return out
}

// Run is the host's run id as this desk may use it.
func (d *Desk) Run(id int64) (*Handle, error) {
	for _, r := range d.reg.all() {
		if r.info.ID == id { // ID never changes
			if h := d.handle(r); h != nil {
				return h, nil
			}
			break
		}
	}
	return nil, fmt.Errorf("no run %d at this host", id)
}

// forget drops the runs over for longer than the journal keeps secrets: the registry
// holds their secrets in memory, and no longer than the journal does.
func (g *Registry) forget() {
	keep, err := g.host.JournalRetention()
	if err != nil {
		keep = 0 // a bad setting is reported where it is used; here the default holds
	}
	if keep <= 0 {
		keep = 24 * time.Hour
	}
	cutoff := g.host.now().Add(-keep)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.runs = slices.DeleteFunc(g.runs, func(r *hostRun) bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.info.State.Over() && r.info.Finished.Before(cutoff)
	})
}

// Changes is the registry's Changes, for a front end that lists the runs and the
// approval requests this desk sees.
func (d *Desk) Changes() <-chan struct{} { return d.reg.Changes() }

// ID is the run's id at this host.
func (h *Handle) ID() int64 { return h.r.info.ID }

// Shown notes that a front end showed this desk's technician the end of the run (its
// results): a session that comes later does not present it as news (Unseen).
func (h *Handle) Shown() {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	if !h.r.info.State.Over() {
		return
	}
	if h.r.shown == nil {
		h.r.shown = map[string]bool{}
	}
	h.r.shown[h.viewer] = true
}

// Unseen reports whether the run is over and no front end showed its end to this
// desk's technician: it ended while they were away (a dropped session).
func (h *Handle) Unseen() bool {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.info.State.Over() && !h.r.shown[h.viewer]
}

// Info is the run as it is now.
func (h *Handle) Info() Info {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.snapshot()
}

// Secrets reports whether this desk sees the run's secrets.
func (h *Handle) Secrets() bool {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.mine()
}

// Watch reads the run from its start (see Watch).
func (h *Handle) Watch() *Watch { return &Watch{h: h, seen: -1} }

// Done is closed once the run is over.
func (h *Handle) Done() <-chan struct{} { return h.r.done }

// Outcomes are the run's final outcomes so far, in input order (a user still pending
// has an Outcome with only its Index and User). Secrets are blank unless this desk sees
// them.
func (h *Handle) Outcomes() []backends.Outcome {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	secrets := h.mine()
	out := make([]backends.Outcome, len(h.r.final))
	for i, o := range h.r.final {
		if !o.Status.Final() {
			o = backends.Outcome{Index: i, User: h.r.info.Users[i].ID}
		}
		if !secrets {
			o.Secret = ""
		}
		out[i] = o
	}
	return out
}

var errNotYours = errors.New("only the technician who started this run, or approved it, may do that")

// control is the run's runner, when this desk may steer it; nil before it starts.
func (h *Handle) control() (*runner.Run, error) {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	if !h.mine() {
		return nil, errNotYours
	}
	return h.r.run, nil
}

// Stop stops dispatching: the requests in flight finish, the rest are skipped. A run
// that is still logging in stops as soon as it has started.
func (h *Handle) Stop() error {
	if _, err := h.control(); err != nil {
		return err
	}
	h.r.stop()
	return nil
}

// Abort stops the run and aborts its requests in flight (their users are unknown).
func (h *Handle) Abort() error {
	if _, err := h.control(); err != nil {
		return err
	}
	h.r.stop()
	h.r.mu.Lock()
	cancel := h.r.cancel
	h.r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

// Pause holds every request not yet sent (while the technician is asked whether to
// stop); Resume lets them go.
func (h *Handle) Pause() error {
	run, err := h.control()
	if run != nil {
		run.Pause()
	}
	return err
}

// Resume lets a paused run send again.
func (h *Handle) Resume() error {
	run, err := h.control()
	if run != nil {
		run.Resume()
	}
	return err
}

// Paused reports whether the run is paused.
func (h *Handle) Paused() bool {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	return h.r.run != nil && h.r.run.Paused()
}
