package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/sanitize"
	"resetdesk/store/history"
)

// ApprovalNeed says whether a run needs a second technician's approval, and why.
type ApprovalNeed struct {
	Needed bool
	Why    string // "240 users, more than approval_over = 20; svc-backup matches approve = [\"svc-*\"]"
	// Over is the profile's approval_over when the run is larger (0 otherwise).
	Over int
	// Accounts are the run's users that its profile's approve globs name.
	Accounts []string
	// Approvers are the technicians who may approve it: approvers who may use the
	// profile, other than the one who asks (none when it needs no approval).
	Approvers []string
}

// approvalNeed is what the profile of req says of it, and who may approve it.
func (d *Desk) approvalNeed(req runner.Request) ApprovalNeed {
	n := approvalNeed(req)
	if !n.Needed {
		return n
	}
	for i := range d.cfg.Technicians {
		t := &d.cfg.Technicians[i]
		if t.Approver && t.Name != d.Technician() && mayUse(t, req.Profile().Name) {
			n.Approvers = append(n.Approvers, t.Name)
		}
	}
	return n
}

// approvalNeed is what the profile of req says of it: more users sent than
// approval_over, or an account its approve globs name (matched as `protected` is: every
// form of the account). The lines not sent (another spelling of an account in the run,
// an id the system does not hold) do not count.
func approvalNeed(req runner.Request) ApprovalNeed {
	p := req.Profile()
	users := sentUsers(req)
	var n ApprovalNeed
	var why []string
	if over := p.ApprovalOver; over > 0 && len(users) > over {
		n.Over = over
		why = append(why, fmt.Sprintf("%d users, more than approval_over = %d", len(users), over))
	}
	if globs := p.Approve; len(globs) > 0 {
		// The approve globs name accounts as protected globs do, by identity: one matcher.
		n.Accounts = req.NamedBy(globs)
		if len(n.Accounts) > 0 {
			why = append(why, fmt.Sprintf("%s: approve = %q", listed(n.Accounts, 3), globs))
		}
	}
	n.Needed, n.Why = len(why) > 0, strings.Join(why, "; ")
	return n
}

// listed names up to max items and counts the rest.
func listed(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], ", "), len(items)-max)
}

// approvalTTL is how long a request on profile p waits before it expires: its
// approval_ttl, which the config fills in (a profile built elsewhere: the default).
func approvalTTL(p backends.Profile) time.Duration {
	if p.ApprovalTTL > 0 {
		return p.ApprovalTTL
	}
	return backends.DefaultApprovalTTL
}

// file files req (users as drawn) for approval at the registry and holds it here: the
// run waits as StateWaiting.
func (g *Registry) file(ctx context.Context, d *Desk, req runner.Request, users []User, need ApprovalNeed) (*Handle, error) {
	db, err := g.history()
	if err != nil {
		return nil, err
	}
	p := req.Profile()
	now := g.host.now()
	expires := now.Add(approvalTTL(p))
	osUser, tech := d.technician()
	r, err := g.add(d, Info{Technician: tech, Profile: p.Name, Kind: p.Kind, Mode: req.Mode().Name, Users: users,
		Options: req.Options(), State: StateWaiting, Requested: now, Approval: &Approval{Why: need.Why, Expires: expires}})
	if err != nil {
		return nil, err
	}
	usersJSON, _ := json.Marshal(users)
	specJSON, _ := json.Marshal(specOf(req))
	adoptable := tech != "" && !req.TypedPassword()
	id, err := db.FileApproval(ctx, history.Approval{Requested: now, Expires: expires, OSUser: osUser, Technician: tech,
		Profile: p.Name, Kind: p.Kind, Mode: req.Mode().Name, Ticket: req.Options().Ticket, Total: req.Len(),
		Users: string(usersJSON), Spec: string(specJSON), Why: need.Why,
		Holder: g.req.holder, HeldUntil: now.Add(lease), Adoptable: adoptable})
	if err != nil {
		r.end(StateWithdrawn, "not filed: "+err.Error())
		return nil, fmt.Errorf("cannot file the request for approval, nothing sent: %w", err)
	}
	r.mu.Lock()
	r.req, r.built, r.holder, r.adoptable = req, true, true, adoptable
	r.info.Approval.Request = id
	r.changed()
	r.mu.Unlock()
	g.req.mu.Lock()
	if g.req.renewed.IsZero() {
		g.req.renewed = now
	}
	g.req.mu.Unlock()
	g.startPolling()
	g.changed()
	return d.handle(r), nil
}

// ApprovalRequest is an approval request as an approver, or the history, reads it.
type ApprovalRequest struct {
	ID        int64 // the request's id in the history
	By        string
	Requested time.Time
	Expires   time.Time
	Profile   string
	Kind      string
	Mode      string
	Options   backends.Options // the ticket among them
	Users     []User
	Why       string
	// Run is the run at this host that waits on it (Desk.Run), 0 when another process
	// (a `run --wait-approval`) holds it.
	Run int64

	// How it went (history.Request… states): who decided and when, a decline's reason
	// or why it ended, and the run it started in the history (0 until it started).
	State      string
	Approver   string
	Decided    time.Time
	Reason     string
	HistoryRun int64
}

// requestOf is request a of the history as a front end reads it (a row the desk wrote:
// one it cannot read back shows no users and no options).
func requestOf(a *history.Approval) ApprovalRequest {
	req := ApprovalRequest{ID: a.ID, By: a.By(), Requested: a.Requested, Expires: a.Expires, Profile: a.Profile,
		Kind: a.Kind, Mode: a.Mode, Why: a.Why, State: a.State, Approver: a.Approver, Decided: a.Decided,
		Reason: a.Reason, HistoryRun: a.RunID}
	var spec storedSpec
	_ = json.Unmarshal([]byte(a.Users), &req.Users)
	_ = json.Unmarshal([]byte(a.Spec), &spec)
	req.Options = spec.Options
	return req
}

// Approver reports whether this desk's technician may approve other technicians' runs.
func (d *Desk) Approver() bool { return d.tech != nil && d.tech.Approver }

// Pending lists the requests this desk's technician may decide, oldest first: waiting,
// on a profile they may use, filed by someone else — by this host or another process on
// the same history (a `run --wait-approval`). None when they are not an approver.
func (d *Desk) Pending(ctx context.Context) ([]ApprovalRequest, error) {
	if !d.Approver() || d.demo != nil {
		return nil, nil // the demo keeps no history, so no request
	}
	if err := d.reg.sync(ctx); err != nil {
		return nil, err
	}
	open, err := d.reg.req.db.Approvals(ctx, history.ApprovalFilter{Open: true})
	if err != nil {
		return nil, err
	}
	var out []ApprovalRequest
	for _, a := range open {
		if d.mayDecide(a) != nil {
			continue
		}
		req := requestOf(a)
		if r := d.reg.heldRun(a.ID); r != nil {
			req.Run = r.info.ID
		}
		out = append(out, req)
	}
	return out, nil
}

// mayDecide says why this desk's technician may not decide request a (nil when they
// may).
func (d *Desk) mayDecide(a *history.Approval) error {
	switch {
	case !d.Approver():
		return fmt.Errorf("only an approver decides approval requests (approver = true under [technicians.%s])", d.Technician())
	case !d.allowed(a.Profile):
		return fmt.Errorf("profile %s is not open to technician %s", a.Profile, d.Technician())
	case a.Technician == d.Technician() || a.Technician == "" && a.OSUser == d.Technician():
		return errors.New("nobody approves their own request: another approver must")
	}
	switch a.State {
	case history.RequestWaiting:
		if !d.now().Before(a.Expires) {
			return fmt.Errorf("the request expired at %s", runner.TimeText(a.Expires))
		}
		return nil
	case history.RequestApproved, history.RequestStarted, history.RequestFailed:
		return fmt.Errorf("the request was approved by %s at %s", a.Approver, runner.TimeText(a.Decided))
	case history.RequestDeclined:
		return fmt.Errorf("the request was declined by %s at %s", a.Approver, runner.TimeText(a.Decided))
	case history.RequestExpired:
		return fmt.Errorf("the request expired at %s", runner.TimeText(a.Expires))
	}
	return fmt.Errorf("the request was withdrawn at %s", runner.TimeText(a.Decided))
}

// decidable reads request id for a decision by this desk's technician.
func (d *Desk) decidable(ctx context.Context, id int64) (*history.Approval, error) {
	if !d.Approver() {
		return nil, d.mayDecide(&history.Approval{})
	}
	if err := d.reg.sync(ctx); err != nil {
		return nil, err
	}
	as, err := d.reg.req.db.Approvals(ctx, history.ApprovalFilter{ID: id})
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fmt.Errorf("no approval request %d", id)
	}
	return as[0], d.mayDecide(as[0])
}

// Approve approves request id in this desk's technician's name. The run starts in its
// starter's name: here at once when this host holds it (the handle is returned: the
// approver sees it run, and its secrets), else at its holder's next poll (nil handle).
// The error of a start that fails is returned with the handle.
func (d *Desk) Approve(ctx context.Context, id int64) (*Handle, error) {
	a, err := d.decidable(ctx, id)
	if err != nil {
		return nil, err
	}
	now := d.now()
	ok, err := d.reg.req.db.ChangeApproval(ctx, id, history.Change{From: []string{history.RequestWaiting},
		To: history.RequestApproved, At: now, Approver: d.Technician(), Unexpired: true})
	if err != nil {
		return nil, err
	}
	if !ok {
		_, err := d.decidable(ctx, id) // decided meanwhile, or expired: say which
		if err == nil {
			err = fmt.Errorf("approval request %d changed meanwhile: look again", a.ID)
		}
		return nil, err
	}
	d.reg.changed()
	r := d.reg.heldRun(id)
	if r == nil {
		return nil, nil
	}
	r.approved(d.Technician(), now)
	h := d.handle(r)
	return h, d.reg.claim(ctx, r)
}

// maxReason bounds a decline's reason.
const maxReason = 500

// Decline declines request id in this desk's technician's name, with reason (said to
// the starter and kept in the history).
func (d *Desk) Decline(ctx context.Context, id int64, reason string) error {
	reason = strings.TrimSpace(sanitize.Line(reason))
	if reason == "" {
		return errors.New("say why the request is declined: the starter reads it")
	}
	if utf8.RuneCountInString(reason) > maxReason {
		return fmt.Errorf("the reason is %d characters long: keep it under %d", utf8.RuneCountInString(reason), maxReason)
	}
	a, err := d.decidable(ctx, id)
	if err != nil {
		return err
	}
	ok, err := d.reg.req.db.ChangeApproval(ctx, id, history.Change{From: []string{history.RequestWaiting},
		To: history.RequestDeclined, At: d.now(), Approver: d.Technician(), Reason: reason})
	if err != nil {
		return err
	}
	if !ok {
		if _, err := d.decidable(ctx, id); err != nil {
			return err
		}
		return fmt.Errorf("approval request %d changed meanwhile: look again", a.ID)
	}
	if r := d.reg.heldRun(id); r != nil {
		a.State, a.Approver, a.Decided, a.Reason = history.RequestDeclined, d.Technician(), d.now(), reason
		r.endRequest(a)
	}
	d.reg.changed()
	return nil
}

// Withdraw takes back a run still waiting for approval: only its starter may.
func (h *Handle) Withdraw(ctx context.Context) error {
	r := h.r
	r.mu.Lock()
	starter := h.local || r.info.Technician == h.viewer
	waiting := r.info.State == StateWaiting && r.holder
	r.mu.Unlock()
	switch {
	case !starter:
		return errors.New("only the technician who asked for the approval may withdraw it")
	case !waiting:
		return errors.New("the run is not waiting for approval any more")
	}
	db, err := r.reg.history()
	if err != nil {
		return err
	}
	ok, err := db.ChangeApproval(ctx, r.requestID(), history.Change{From: []string{history.RequestWaiting},
		To: history.RequestWithdrawn, At: r.reg.host.now(), Reason: "by its starter"})
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the request was decided meanwhile: see the run")
	}
	r.end(StateWithdrawn, "withdrawn by its starter")
	return nil
}
