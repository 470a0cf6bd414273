package desk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// How approval requests travel between processes. A request is filed in the history by
// the host that will run it (its holder: serve for a served technician, the `run
// --wait-approval` process for a local one), which keeps the run's request in memory
// and a lease on the row. Any host with the history open decides on it (approve,
// decline) with a conditional update; the holder learns of the decision at once when
// it made it, else at its next poll of the history (SQLite has no notification
// between processes), and only the holder starts the run, once (a conditional update
// again). A serve that stops hands its requests back (release); the next serve takes
// them over and rebuilds each run from what the history keeps (never a secret: a
// request with a typed password dies with its holder). A `run` that ends, or is
// killed and lets its lease lapse, ends its request.

// DefaultApprovalPoll is how often a host reads the history for decisions and new
// approval requests.
const DefaultApprovalPoll = time.Second

// lease is how long a hold on approval requests lasts unrenewed: a killed holder's
// requests are taken over (or end) after it.
const lease = 30 * time.Second

// requestState is the approval side of the registry.
type requestState struct {
	holder string // this host's name in the history's holder column

	mu      sync.Mutex
	db      *history.DB // opened when first needed, closed at the host's Close
	keep    bool        // KeepRequests: this host serves technicians
	polling bool
	renewed time.Time // when the lease was last written
	open    string    // the open requests as last seen: a change tells the approvers
	lastErr string    // the last poll's error, said once to the waiting runs

	quit  chan struct{}
	ended chan struct{}
}

func (s *requestState) init() {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	s.holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	s.quit, s.ended = make(chan struct{}), make(chan struct{})
}

// KeepRequests tells the host that it serves technicians (`resetdesk serve`): it takes
// over the approval requests a previous serve left waiting, and watches the history for
// new requests and decisions so that approvers see them (Changes).
func (h *Host) KeepRequests() {
	if !h.approvals() {
		return // no profile needs approval: there is nothing to keep or watch
	}
	g := h.reg
	g.req.mu.Lock()
	g.req.keep = true
	g.req.mu.Unlock()
	g.startPolling()
}

// approvals reports whether some profile of the config needs approval for some runs.
func (h *Host) approvals() bool {
	for _, p := range h.cfg.Profiles {
		if p.ApprovalOver > 0 || len(p.Approve) > 0 {
			return true
		}
	}
	return false
}

// history is the history the registry's requests live in, opened once.
func (g *Registry) history() (*history.DB, error) {
	if g.host.demo != nil {
		return nil, fmt.Errorf("a run that needs a second technician's approval waits in the history: %w", ErrDemo)
	}
	g.req.mu.Lock()
	defer g.req.mu.Unlock()
	if g.req.db == nil {
		db, err := g.host.openHistory()
		if err != nil {
			return nil, err
		}
		g.req.db = db
	}
	return g.req.db, nil
}

func (g *Registry) startPolling() {
	g.req.mu.Lock()
	defer g.req.mu.Unlock()
	if g.req.polling || g.host.demo != nil {
		return
	}
	g.req.polling = true
	go g.poll()
}

func (g *Registry) poll() {
	defer close(g.req.ended)
	every := g.host.opts.ApprovalPoll
	if every <= 0 {
		every = DefaultApprovalPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-g.req.quit:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			g.report(g.sync(ctx))
			cancel()
		}
	}
}

// report tells the runs waiting for approval when the history cannot be read, once
// per new error.
func (g *Registry) report(err error) {
	msg := ""
	if err != nil {
		msg = "cannot read the approval requests in the history (tried again every poll): " + err.Error()
	}
	g.req.mu.Lock()
	same := msg == g.req.lastErr
	g.req.lastErr = msg
	g.req.mu.Unlock()
	if same || msg == "" {
		return
	}
	for _, r := range g.held() {
		r.warn(msg)
	}
}

// held are the runs waiting for approval whose request this host holds.
func (g *Registry) held() []*hostRun {
	var out []*hostRun
	for _, r := range g.all() {
		r.mu.Lock()
		if r.holder && r.info.State == StateWaiting {
			out = append(out, r)
		}
		r.mu.Unlock()
	}
	return out
}

// heldRun is the waiting run of request id when this host holds it.
func (g *Registry) heldRun(id int64) *hostRun {
	for _, r := range g.held() {
		if r.requestID() == id {
			return r
		}
	}
	return nil
}

// sync brings the registry up to date with the history: its hold renewed, requests
// expired (and those of ended processes ended), requests of an ended serve taken over
// (when this host keeps requests), the decisions on its requests applied, and the
// approvers told when the open requests changed. A quiet history costs one read: it
// writes only when there is something to write.
func (g *Registry) sync(ctx context.Context) error {
	db, err := g.history()
	if err != nil {
		return err
	}
	now := g.host.now()
	if err := g.renew(ctx, db, now); err != nil { // first: this host is alive, whatever the clock says
		return err
	}
	open, err := db.Approvals(ctx, history.ApprovalFilter{Open: true})
	if err != nil {
		return err
	}
	g.req.mu.Lock()
	keep := g.req.keep
	g.req.mu.Unlock()
	expire, adopt := false, false
	for _, a := range open {
		lapsed := a.HeldUntil.Before(now)
		expire = expire || a.State == history.RequestWaiting && !now.Before(a.Expires) || lapsed && !a.Adoptable
		adopt = adopt || keep && lapsed && a.Adoptable
	}
	if expire {
		if _, err := db.ExpireApprovals(ctx, now); err != nil {
			return err
		}
	}
	if adopt {
		adopted, err := db.AdoptApprovals(ctx, g.req.holder, now.Add(lease), now)
		if err != nil {
			return err
		}
		for _, a := range adopted {
			g.adopt(a)
		}
	}
	if expire || adopt {
		if open, err = db.Approvals(ctx, history.ApprovalFilter{Open: true}); err != nil {
			return err
		}
	}
	for _, r := range g.held() {
		as, err := db.Approvals(ctx, history.ApprovalFilter{ID: r.requestID()})
		if err != nil {
			return err
		}
		if len(as) == 1 {
			g.apply(r, as[0])
		}
	}
	g.tell(open)
	return nil
}

// renew renews this host's hold on its requests when a third of the lease has passed.
func (g *Registry) renew(ctx context.Context, db *history.DB, now time.Time) error {
	held := g.held()
	g.req.mu.Lock()
	due := len(held) > 0 && now.Sub(g.req.renewed) >= lease/3
	g.req.mu.Unlock()
	if !due {
		return nil
	}
	if err := db.HoldApprovals(ctx, g.req.holder, now.Add(lease)); err != nil {
		return err
	}
	g.req.mu.Lock()
	g.req.renewed = now
	g.req.mu.Unlock()
	return nil
}

// tell tells the approvers (Changes) when the open requests are not those last seen.
func (g *Registry) tell(open []*history.Approval) {
	var b strings.Builder
	for _, a := range open {
		fmt.Fprintf(&b, "%d:%s ", a.ID, a.State)
	}
	g.req.mu.Lock()
	news := b.String() != g.req.open
	g.req.open = b.String()
	g.req.mu.Unlock()
	if news {
		g.changed()
	}
}

// apply brings run r, waiting on request a, to what the history says of a.
func (g *Registry) apply(r *hostRun, a *history.Approval) {
	switch a.State {
	case history.RequestApproved:
		r.approved(a.Approver, a.Decided)
		go g.claim(context.Background(), r) //nolint:errcheck // a failed start ends r with its cause
	case history.RequestDeclined, history.RequestExpired, history.RequestWithdrawn, history.RequestFailed:
		r.endRequest(a)
	}
}

// approved notes the approval of r's request.
func (r *hostRun) approved(approver string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.info.Approval.Approver, r.info.Approval.Decided = approver, at
	r.changed()
}

// endRequest ends r, which never ran, as request a ended.
func (r *hostRun) endRequest(a *history.Approval) {
	state, why := StateWithdrawn, "withdrawn"
	switch a.State {
	case history.RequestDeclined:
		state, why = StateDeclined, "declined by "+a.Approver+": "+a.Reason
	case history.RequestExpired:
		state, why = StateExpired, "expired: nobody approved it by "+runner.TimeText(a.Expires)
	case history.RequestFailed:
		state, why = StateDone, "not sent: "+a.Reason
	case history.RequestWithdrawn:
		if a.Reason != "" {
			why = "withdrawn: " + a.Reason
		}
	}
	r.mu.Lock()
	r.info.Approval.Approver, r.info.Approval.Decided, r.info.Approval.Reason = a.Approver, a.Decided, a.Reason
	r.mu.Unlock()
	r.end(state, why)
}

// claim starts r, whose request was approved, when this host is the first to claim it
// (the history decides), and records the run it started, or why it could not.
func (g *Registry) claim(ctx context.Context, r *hostRun) error {
	if g.isClosing() {
		return ErrClosing // the next serve starts it
	}
	db, err := g.history()
	if err != nil {
		return err
	}
	id := r.requestID()
	ok, err := db.ChangeApproval(ctx, id, history.Change{From: []string{history.RequestApproved}, To: history.RequestStarted,
		At: g.host.now(), Holder: g.req.holder})
	if err != nil || !ok {
		return err // another claim of this host won, or the history is unreachable (the next poll tries again)
	}
	started := []string{history.RequestStarted}
	if err := g.launch(r); err != nil {
		_, _ = db.ChangeApproval(ctx, id, history.Change{From: started, To: history.RequestFailed, At: g.host.now(), Reason: err.Error()})
		return err
	}
	r.mu.Lock()
	runID := r.info.HistoryID
	r.mu.Unlock()
	if runID != 0 {
		_, _ = db.ChangeApproval(ctx, id, history.Change{From: started, To: history.RequestStarted, At: g.host.now(), RunID: runID})
	}
	return nil
}

// closeRequests stops the poll, hands the requests this host holds back to the history
// (a served technician's: to the next serve; a local run's end with it), and closes
// the history.
func (g *Registry) closeRequests() {
	g.req.mu.Lock()
	polling, db := g.req.polling, g.req.db
	g.req.mu.Unlock()
	close(g.req.quit)
	if polling {
		<-g.req.ended
	}
	if db == nil {
		return
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	for _, r := range g.held() {
		r.mu.Lock()
		adoptable, id := r.adoptable, r.info.Approval.Request
		r.mu.Unlock()
		if !adoptable {
			_, _ = db.ChangeApproval(ctx, id, history.Change{From: []string{history.RequestWaiting, history.RequestApproved},
				To: history.RequestWithdrawn, At: g.host.now(), Reason: history.ReasonHolderGone})
			r.end(StateWithdrawn, "withdrawn: "+history.ReasonHolderGone) // a waiting `run` reads it
		}
	}
	_ = db.ReleaseApprovals(ctx, g.req.holder)
}
