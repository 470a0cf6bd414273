package desk

import (
	"context"
	"encoding/json"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// A request taken over: a serve that stopped left its technicians' requests to the
// history, and the next serve takes them over and rebuilds each run from what the
// history kept.

// storedSpec is what the history keeps to rebuild a run of a request taken over: the
// runner.Spec less the users (kept beside it with their names) and the typed password
// (never kept: such a request is not taken over).
type storedSpec struct {
	Mode        string           `json:"mode"`
	Options     backends.Options `json:"options"`
	Concurrency int              `json:"concurrency,omitempty"`
	TimeoutMS   int64            `json:"timeout_ms,omitempty"`
	BatchSize   int              `json:"batch_size,omitempty"`
}

func specOf(req runner.Request) storedSpec {
	s := req.Spec()
	return storedSpec{Mode: s.Mode, Options: s.Options, Concurrency: s.Concurrency, TimeoutMS: s.Timeout.Milliseconds(), BatchSize: s.BatchSize}
}

func (s storedSpec) runnerSpec(users []string) runner.Spec {
	return runner.Spec{Mode: s.Mode, Users: users, Options: s.Options, Concurrency: s.Concurrency,
		Timeout: time.Duration(s.TimeoutMS) * time.Millisecond, BatchSize: s.BatchSize}
}

// adopt registers a request a previous serve left, now held here, unless it is here
// already.
func (g *Registry) adopt(a *history.Approval) {
	for _, r := range g.all() {
		if r.requestID() == a.ID {
			return
		}
	}
	fail := func(why string) {
		_, _ = g.req.db.ChangeApproval(context.Background(), a.ID, history.Change{
			From: []string{history.RequestWaiting, history.RequestApproved}, To: history.RequestFailed, At: g.host.now(), Reason: why})
	}
	d, err := g.host.Desk(a.Technician)
	if err != nil {
		fail(err.Error())
		return
	}
	var users []User
	var spec storedSpec
	if err := json.Unmarshal([]byte(a.Users), &users); err != nil {
		fail("its users cannot be read back: " + err.Error())
		return
	}
	if err := json.Unmarshal([]byte(a.Spec), &spec); err != nil {
		fail("its options cannot be read back: " + err.Error())
		return
	}
	r, err := g.add(d, Info{Technician: a.Technician, Profile: a.Profile, Kind: a.Kind, Mode: a.Mode, Users: users,
		Options: spec.Options, State: StateWaiting, Requested: a.Requested,
		Approval: &Approval{Request: a.ID, Why: a.Why, Expires: a.Expires}})
	if err != nil {
		return // closing: the row goes back to the history at the close
	}
	r.mu.Lock()
	r.spec, r.holder, r.adoptable = spec, true, true
	r.mu.Unlock()
	if a.State == history.RequestApproved {
		g.apply(r, a)
	}
}

// rebuild builds the request of a run taken over from the history, at its starter's
// desk: their profile, their secret chain, the users and options it was filed with.
func (r *hostRun) rebuild(ctx context.Context) (runner.Request, error) {
	d := r.desk
	p, err := d.Profile(r.info.Profile)
	if err != nil {
		return runner.Request{}, err
	}
	octx, cancel := bounded(ctx)
	defer cancel()
	b, err := d.Open(octx, p)
	if err != nil {
		return runner.Request{}, err
	}
	ids := make([]string, len(r.info.Users))
	for i, u := range r.info.Users {
		ids[i] = u.ID
	}
	// identity: the prepare step (accounts resolved, duplicates collapsed) runs here too.
	return runner.NewRequest(b, p, r.spec.runnerSpec(ids))
}
