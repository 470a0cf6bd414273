package desk

import (
	"context"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

// State is where a run of the host is in its life.
type State string

const (
	// StateWaiting: the run needs a second technician and waits for their approval.
	StateWaiting State = "waiting for approval"
	// StateRunning: requests are going out.
	StateRunning State = "running"
	// StateStopping: stopped; the requests in flight finish, the rest are skipped.
	StateStopping State = "stopping"
	// StateDone: every user has a final outcome (or the run could not start: Info.Err).
	StateDone State = "done"
	// The ends of a run that never ran: an approver declined it, nobody decided in
	// time, or its starter (or the process that filed it) took it back.
	StateDeclined  State = "declined"
	StateExpired   State = "expired"
	StateWithdrawn State = "withdrawn"
)

// Over reports whether nothing more happens to a run in state s.
func (s State) Over() bool {
	switch s {
	case StateDone, StateDeclined, StateExpired, StateWithdrawn:
		return true
	}
	return false
}

// User is one user of a run: the id it resets and, where the system gave them, the
// person's name and what a technician recognises them by (department, mail,
// extension).
type User struct {
	ID     string
	Name   string
	Detail string `json:",omitempty"`
}

// Approval is a run's four-eyes approval, when it needed one.
type Approval struct {
	Request  int64     // the request's id in the history
	Why      string    // why it needs a second technician
	Expires  time.Time // still waiting then, it expires
	Approver string    // who approved or declined it ("" while waiting)
	Decided  time.Time
	Reason   string // a decline's reason, or why it ended
}

// Info is a run of the host as the registry keeps it. Its slices are shared and never
// changed: copy before changing them.
type Info struct {
	ID         int64
	Technician string // who started it: the run is in their name ("" for a local run)
	Profile    string
	Kind       string
	Mode       string
	Users      []User
	Options    backends.Options // the ticket among them
	State      State
	Tally      backends.Tally
	Requested  time.Time // filed for approval (zero when it needed none)
	Started    time.Time // zero until it starts
	Finished   time.Time // zero until it is over
	Approval   *Approval // nil when it needed none
	// Err says why the run never sent anything: it could not start (a refused login, a
	// journal that cannot be written), or it ended waiting (declined, expired, withdrawn).
	Err string
	// Halted says why a run stopped itself (credentials refused, the journal failing).
	Halted   string
	Warnings []string // everything that went wrong without stopping it, in order
	// HistoryID is the run's id in the history (0 for the demo, or before it starts).
	HistoryID int64
}

// event is one entry of a run's log: an outcome (running or final) or a warning.
type event struct {
	outcome backends.Outcome
	warning string // set for a warning
}

// hostRun is one run of the registry. Everything a watcher reads is in its log, so that
// a watcher that comes late reads the run from its start.
type hostRun struct {
	reg  *Registry
	desk *Desk // the starter's: the run is in their name

	mu        sync.Mutex
	info      Info
	req       runner.Request
	built     bool        // req is set (a request taken over from the history is built at its start)
	spec      storedSpec  // what req is rebuilt from, for a request taken over
	holder    bool        // this host holds the run's approval request
	adoptable bool        // a later serve may take the request over (a served technician's, no typed password)
	run       *runner.Run // nil until it starts
	haltWhy   string      // why it was stopped while it logged in ("": by its technician)
	cancel    context.CancelFunc
	log       []event
	final     []backends.Outcome // by index; Status "" until final
	version   int                // counts the changes watchers are told of
	shown     map[string]bool    // the technicians a console showed the run's end to (Handle.Shown)
	wake      chan struct{}      // closed (and replaced) at every change
	done      chan struct{}      // closed once the run is over
}

func newHostRun(g *Registry, d *Desk, info Info) *hostRun {
	return &hostRun{reg: g, desk: d, info: info, final: make([]backends.Outcome, len(info.Users)),
		wake: make(chan struct{}), done: make(chan struct{})}
}

// changed tells the watchers; r.mu is held.
func (r *hostRun) changed() {
	r.version++
	close(r.wake)
	r.wake = make(chan struct{})
}

// warn adds a warning to the run's stream: the desk's warn callback of the run.
func (r *hostRun) warn(s string) {
	r.mu.Lock()
	r.log = append(r.log, event{warning: s})
	r.info.Warnings = append(r.info.Warnings, s)
	r.changed()
	r.mu.Unlock()
}

// add adds an outcome of the runner to the log.
func (r *hostRun) add(o backends.Outcome) {
	r.mu.Lock()
	r.log = append(r.log, event{outcome: o})
	if o.Status.Final() && o.Index >= 0 && o.Index < len(r.final) {
		r.final[o.Index] = o
		r.info.Tally.Add(o)
	}
	r.changed()
	r.mu.Unlock()
}

// requestID is the id of the run's approval request (0 when it has none).
func (r *hostRun) requestID() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.info.Approval == nil {
		return 0
	}
	return r.info.Approval.Request
}

// end ends the run in state s (err: why it never sent anything), once.
func (r *hostRun) end(s State, err string) {
	r.mu.Lock()
	if r.info.State.Over() {
		r.mu.Unlock()
		return
	}
	r.info.State, r.info.Finished = s, r.reg.host.now()
	if err != "" {
		r.info.Err = err
	}
	if r.run != nil {
		r.info.Halted = r.run.Halted()
	}
	r.changed()
	close(r.done)
	cancel := r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel() // nothing is left in flight: free the run's context
	}
	r.reg.changed()
}

// consume reads the runner's stream into the log until it closes: by then every
// outcome is in the journal and the history.
func (r *hostRun) consume(run *runner.Run) {
	defer r.reg.consumers.Done()
	for o := range run.Outcomes() {
		r.add(o)
	}
	r.end(StateDone, "")
}

// snapshot is the run's Info now; r.mu is held.
func (r *hostRun) snapshot() Info {
	in := r.info
	in.Warnings = in.Warnings[:len(in.Warnings):len(in.Warnings)]
	if in.Approval != nil {
		a := *in.Approval
		in.Approval = &a
	}
	return in
}

// Watch reads a run's stream from its start: every outcome and warning so far, then
// each as it comes. Several watches of one run are independent.
type Watch struct {
	h    *Handle
	next int // the next event of the log to deliver
	seen int // the version last delivered
}

// Update is what a Watch delivers: the events since the last Update and the run as
// it is now.
type Update struct {
	// Outcomes are the runner's events in the order they came: a user's request going
	// out (StatusRunning, left out once that user has a final outcome) and each final
	// outcome. Secrets are blank for a technician who may not see them.
	Outcomes []backends.Outcome
	Warnings []string
	Info     Info
	// Over is set on the last Update: the run is over and everything was delivered.
	Over bool
}

// Next waits for something new (an event, a change of state) and returns all of it.
// Once the run is over and all delivered it returns an Update with Over set at once.
// The error is ctx's.
func (w *Watch) Next(ctx context.Context) (Update, error) {
	r := w.h.r
	for {
		r.mu.Lock()
		if w.next < len(r.log) || w.seen != r.version || r.info.State.Over() {
			u := w.collect()
			r.mu.Unlock()
			return u, nil
		}
		wake := r.wake
		r.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return Update{}, ctx.Err()
		}
	}
}

// collect gathers the events not yet delivered; the run's mu is held.
func (w *Watch) collect() Update {
	r := w.h.r
	u := Update{Info: r.snapshot()}
	secrets := w.h.mine()
	for _, e := range r.log[w.next:] {
		switch {
		case e.warning != "":
			u.Warnings = append(u.Warnings, e.warning)
		case !e.outcome.Status.Final() && r.final[e.outcome.Index].Status.Final():
			// Already over for that user: its final outcome is in this batch or was.
		default:
			o := e.outcome
			if !secrets {
				o.Secret = ""
			}
			u.Outcomes = append(u.Outcomes, o)
		}
	}
	w.next, w.seen = len(r.log), r.version
	u.Over = r.info.State.Over()
	return u
}
