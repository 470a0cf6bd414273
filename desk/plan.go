package desk

import (
	"context"
	"fmt"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/journal"
)

// Plan is the pre-flight of a run, computed once by the desk for every front end (the
// console's review, `run`'s confirmation, an approver's look at a request): who will be
// sent and who not and why, the quota it uses, the warnings, whether a second
// technician must approve it and whether the caller was verified. Nothing is sent to
// make it. It is what the front end shows; Submit decides again itself (the desk's
// refusal, the approval), whatever a plan says.
type Plan struct {
	Request    runner.Request
	Technician string     // who asks ("" for the OS account at a local desk)
	Users      []PlanUser // the request's users, in its order
	// Refused says why the desk refuses the whole run (a profile not open to the
	// technician, more users than their max_users); "" when it does not.
	Refused   string
	Quota     QuotaUse
	Transport string   // the profile's transport warning ("" when it has none)
	Journal   []string // the journal's warnings: journals this host's keys cannot open
	Approval  ApprovalNeed
	Caller    Verification
}

// PlanUser is one user of a plan.
type PlanUser struct {
	User
	// Skip says why this user is not sent ("" when it is). Identity fills it: an id that
	// names an account already in the run ("same account as jdoe"), one the system does
	// not know ("not found in ADManager").
	Skip string
}

// QuotaUse is a run's share of its profile's daily quota.
type QuotaUse struct {
	Has   bool // the profile has a daily_quota
	Daily int  // the profile's daily_quota
	Left  int  // left today, as the history counts it (the demo's is always whole)
}

// Verification is whether the callers were verified, where the profile's policy asks
// for it: by this desk's technician, within [verify] valid_for.
type Verification struct {
	Policy     string   // the profile's verify: "" or "off", "offered", "required"
	Verified   bool     // every user of the run was verified
	Unverified []string // the users who were not
	How        string   // for a single user verified: how and when, "mail · 12:04"
	Err        string   // the verifications could not be read (the run will refuse then)
}

// Plan computes req's plan at this desk. The error is a quota that cannot be counted
// (nothing may be sent then).
func (d *Desk) Plan(ctx context.Context, req runner.Request) (*Plan, error) {
	p := req.Profile()
	pl := &Plan{Request: req, Technician: d.Technician(), Users: d.planUsers(ctx, req),
		Transport: p.TransportWarning(), Approval: approvalNeed(req), Caller: d.callerCheck(ctx, req)}
	if err := d.Allow(req); err != nil {
		pl.Refused = err.Error()
	}
	left, has, err := d.QuotaLeft(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("profile %s: cannot count today's use of the daily quota, nothing sent: %w", p.Name, err)
	}
	pl.Quota = QuotaUse{Has: has, Daily: p.DailyQuota, Left: left}
	if d.demo == nil {
		if dir, err := journal.Dir(d.getenv); err == nil {
			if w := d.journalWarning(ctx, dir, ""); w != "" {
				pl.Journal = append(pl.Journal, w)
			}
		}
	}
	return pl, nil
}

// planUsers is the identity seam: who the run is for, person by person. The identity
// work resolves each id to its account (display name, the ids that name an account
// already in the run skipped); until then each id is its own account, with no name.
func (d *Desk) planUsers(_ context.Context, req runner.Request) []PlanUser {
	users := make([]PlanUser, req.Len())
	for i := range users {
		users[i].ID = req.User(i)
	}
	return users
}

// callerCheck says whether the callers of req were verified by this desk's
// technician, as the profile's verify policy asks (nothing when it is off).
func (d *Desk) callerCheck(ctx context.Context, req runner.Request) Verification {
	p := req.Profile()
	v := Verification{Policy: p.Verify}
	if p.Verify == "" || p.Verify == backends.VerifyOff {
		return v
	}
	all, err := d.verifiedNow(ctx, p)
	if err != nil {
		v.Err = err.Error()
		v.Unverified = req.Users()
		return v
	}
	for _, u := range req.Users() {
		if _, ok := all[u]; !ok {
			v.Unverified = append(v.Unverified, u)
		}
	}
	v.Verified = len(v.Unverified) == 0
	if ev, ok := all[req.User(0)]; ok && req.Len() == 1 {
		v.How = ev.Method + " · " + ev.At.Format("15:04")
	}
	return v
}

// Sending is how many users the run sends, the quota and the skipped ones allowing.
func (p *Plan) Sending() int {
	n := 0
	for _, u := range p.Users {
		if u.Skip == "" {
			n++
		}
	}
	if p.Quota.Has {
		n = min(n, p.Quota.Left)
	}
	return n
}

// PastQuota is how many users the daily quota leaves out (skipped, never sent).
func (p *Plan) PastQuota() int {
	if !p.Quota.Has {
		return 0
	}
	n := 0
	for _, u := range p.Users {
		if u.Skip == "" {
			n++
		}
	}
	return max(n-p.Quota.Left, 0)
}

// Blocked says why the plan cannot be confirmed ("" when it can): the desk refuses it,
// nothing would be sent, or the caller must be verified first.
func (p *Plan) Blocked() string {
	switch {
	case p.Refused != "":
		return p.Refused
	case p.Quota.Has && p.Quota.Left <= 0:
		return fmt.Sprintf("profile %s: the daily quota of %d successful resets is spent: nothing would be sent", p.Request.Profile().Name, p.Quota.Daily)
	case p.Sending() == 0:
		return "no user would be sent"
	case p.Caller.Policy == backends.VerifyRequired && !p.Caller.Verified && !p.Approval.Needed:
		// A run a second technician approves counts as verified: the approval stands for it.
		return fmt.Sprintf("profile %s requires verifying the caller first: %s not verified", p.Request.Profile().Name, listed(p.Caller.Unverified, 3))
	}
	return ""
}

// users are the plan's users as a run keeps them.
func (p *Plan) users() []User {
	out := make([]User, len(p.Users))
	for i, u := range p.Users {
		out[i] = u.User
	}
	return out
}

// Submit hands a planned run to the host: it starts at once, or, when it needs a
// second technician's approval, it is filed and waits in the registry (StateWaiting)
// until an approver approves it, when it starts in this desk's technician's name. The
// run is the host's: it goes on when the session that submitted it ends. What the plan
// says of the desk's refusal and of the approval is decided again here.
//
// A run that fails to start (a refused login, a journal that cannot be written) is
// kept, over, with its cause and warnings: the error is returned with its handle.
func (d *Desk) Submit(ctx context.Context, plan *Plan) (*Handle, error) {
	req := plan.Request
	if err := d.Allow(req); err != nil {
		return nil, err
	}
	users := plan.users()
	if len(users) != req.Len() {
		users = (&Plan{Users: d.planUsers(ctx, req)}).users()
	}
	if need := approvalNeed(req); need.Needed {
		return d.reg.file(ctx, d, req, users, need)
	}
	p := req.Profile()
	r, err := d.reg.add(d, Info{Technician: d.Technician(), Profile: p.Name, Kind: p.Kind, Mode: req.Mode().Name,
		Users: users, Options: req.Options(), State: StateRunning})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.req, r.built = req, true
	r.mu.Unlock()
	return d.handle(r), d.reg.launch(r)
}
