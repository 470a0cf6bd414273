package desk

import (
	"context"
	"encoding/json"
	"fmt"
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
// desk.
func (r *hostRun) rebuild(ctx context.Context) (runner.Request, error) {
	return r.desk.rebuild(ctx, r.info.Profile, r.info.Users, r.spec)
}

// rebuild builds a request kept in the history at this desk (its starter's): their
// profile, their secret chain, the users and options it was filed with. Nothing is
// sent.
func (d *Desk) rebuild(ctx context.Context, profile string, users []User, spec storedSpec) (runner.Request, error) {
	p, err := d.Profile(profile)
	if err != nil {
		return runner.Request{}, err
	}
	octx, cancel := bounded(ctx)
	defer cancel()
	b, err := d.Open(octx, p)
	if err != nil {
		return runner.Request{}, err
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	// The identity step again, as the plan it was filed with: accounts resolved, the
	// other spellings of an account skipped, the ids the system does not hold failed.
	return runner.Prepare(octx, b, p, spec.runnerSpec(ids))
}

// RequestPlan is the plan of approval request id as it would run now, computed at its
// starter's desk (their refusal, today's quota, the warnings): what an approver reads
// before deciding. Only an approver who may decide the request reads it.
func (d *Desk) RequestPlan(ctx context.Context, id int64) (*Plan, error) {
	a, err := d.decidable(ctx, id)
	if err != nil {
		return nil, err
	}
	var users []User
	var spec storedSpec
	if err := json.Unmarshal([]byte(a.Users), &users); err != nil {
		return nil, fmt.Errorf("approval request %d: its users cannot be read back: %w", id, err)
	}
	if err := json.Unmarshal([]byte(a.Spec), &spec); err != nil {
		return nil, fmt.Errorf("approval request %d: its options cannot be read back: %w", id, err)
	}
	starter, err := d.Host.Desk(a.Technician)
	if err != nil {
		return nil, err
	}
	req, err := starter.rebuild(ctx, a.Profile, users, spec)
	if err != nil {
		return nil, err
	}
	plan, err := starter.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	for i := range plan.Users {
		if i < len(users) && plan.Users[i].ID == users[i].ID && plan.Users[i].Name == "" {
			plan.Users[i].Name = users[i].Name // the names the starter's plan found
		}
	}
	return plan, nil
}
