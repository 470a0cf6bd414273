package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
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
	// Skip says why this user is not sent ("" when it is): an id that names an account
	// already in the run ("same account as jdoe"), one the system does not hold ("not
	// found in ADManager").
	Skip string
	// NotFound: the line fails (the system does not hold the id), where Skip's other
	// lines are skipped.
	NotFound bool
}

// QuotaUse is a run's share of its profile's daily quota.
type QuotaUse struct {
	Has   bool // the profile has a daily_quota
	Daily int  // the profile's daily_quota
	Left  int  // left today, as the history counts it (the demo: as its sessions spent it)
}

// Verification is whether the callers were verified, where the profile's policy asks
// for it: by this desk's technician, within [verify] valid_for.
type Verification struct {
	Policy     string   // the profile's verify: "" or "off", "offered", "required"
	Verified   bool     // every user of the run was verified
	Unverified []string // the users who were not
	How        string   // for a single user verified: how and when, "mail · 12:04"
	Err        string   // the verifications could not be read (the run will refuse then)
	// ValidFor is how long a verification counts ([verify] valid_for).
	ValidFor time.Duration
}

// Prepare is a front end's way to a run: it opens profile p's back end (its secret from
// the chain), asks the system who spec's ids name (runner.Prepare: lookups, one reset
// per account, the guards by identity) and returns the run's plan. Nothing is changed.
// The errors are the request's (a bad id, a protected account, a refused login) and
// the plan's.
func (d *Desk) Prepare(ctx context.Context, p backends.Profile, spec runner.Spec) (*Plan, error) {
	b, err := d.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	req, err := runner.Prepare(ctx, b, p, spec)
	if err != nil {
		return nil, err
	}
	return d.Plan(ctx, req)
}

// Plan computes req's plan at this desk. The error is a quota that cannot be counted
// (nothing may be sent then).
func (d *Desk) Plan(ctx context.Context, req runner.Request) (*Plan, error) {
	p := req.Profile()
	pl := &Plan{Request: req, Technician: d.Technician(), Users: planUsers(req),
		Transport: p.TransportWarning(), Approval: d.approvalNeed(req), Caller: d.callerCheck(ctx, req)}
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
			if w := d.journalWarning(ctx, dir); w != "" {
				pl.Journal = append(pl.Journal, w)
			}
		}
	}
	return pl, nil
}

// planUsers is who the run is for, person by person, as the request's identity step
// left them: each id with the name and detail of its account, and the lines settled
// before anything is sent (another spelling of an account in the run, an id the system
// does not hold) with why they are not sent.
func planUsers(req runner.Request) []PlanUser {
	users := make([]PlanUser, req.Len())
	for i := range users {
		a := req.Account(i)
		users[i].User = User{ID: req.User(i), Name: a.Name, Detail: a.Detail}
		if o, settled := req.Settled(i); settled {
			users[i].Skip = strings.TrimPrefix(o.Message, "not sent: ") // Skip is why not sent
			users[i].NotFound = o.Status == backends.StatusFailed
		}
	}
	return users
}

// sent are the lines of req that are sent: its lines less the settled ones. Only they
// need a verified caller, and only they count towards approval_over.
func sent(req runner.Request) []int {
	var out []int
	for i := range req.Len() {
		if _, settled := req.Settled(i); !settled {
			out = append(out, i)
		}
	}
	return out
}

// sentUsers are the ids of the lines of req that are sent.
func sentUsers(req runner.Request) []string {
	var out []string
	for _, i := range sent(req) {
		out = append(out, req.User(i))
	}
	return out
}

// verifiedLine is the verification of the caller of line i of req among all (by user):
// of the id as given, else of the account it names (a number looked up to its user id).
func verifiedLine(all map[string]history.Verification, req runner.Request, i int) (history.Verification, bool) {
	if v, ok := all[req.User(i)]; ok {
		return v, true
	}
	v, ok := all[req.Account(i).ID]
	return v, ok
}

// callerCheck says whether the callers of req were verified by this desk's
// technician, as the profile's verify policy asks (nothing when it is off).
func (d *Desk) callerCheck(ctx context.Context, req runner.Request) Verification {
	p := req.Profile()
	v := Verification{Policy: p.Verify}
	if p.Verify == "" || p.Verify == backends.VerifyOff {
		return v
	}
	v.ValidFor = d.VerifySettings().ValidFor
	lines := sent(req)
	all, err := d.verifiedNow(ctx, p)
	if err != nil {
		v.Err = err.Error()
		v.Unverified = sentUsers(req)
		return v
	}
	for _, i := range lines {
		ev, ok := verifiedLine(all, req, i)
		if !ok {
			v.Unverified = append(v.Unverified, req.User(i))
		} else if len(lines) == 1 {
			v.How = ev.Method + " · " + ev.At.Format("15:04")
		}
	}
	v.Verified = len(v.Unverified) == 0
	return v
}

// Sending is how many users the run sends, the quota and the skipped ones allowing.
func (p *Plan) Sending() int {
	n := p.notSkipped()
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
	return max(p.notSkipped()-p.Quota.Left, 0)
}

// notSkipped is how many users the plan does not skip: the run sends them, the quota
// allowing.
func (p *Plan) notSkipped() int {
	n := 0
	for _, u := range p.Users {
		if u.Skip == "" {
			n++
		}
	}
	return n
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
		users = (&Plan{Users: planUsers(req)}).users()
	}
	if need := d.approvalNeed(req); need.Needed {
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
