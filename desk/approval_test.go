package desk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// overThree makes lab need approval for runs of more than 3 users.
const overThree = "approval_over = 3\n"

// openPlan plans a sip run of users on profile at d whose resets go straight through.
func openPlan(t *testing.T, d *desk.Desk, profile string, users []string) *desk.Plan {
	t.Helper()
	plan, g := gatedPlan(t, d, profile, users)
	g.open()
	return plan
}

// approvalRow reads request id from the history under home.
func approvalRow(t *testing.T, home string, id int64) *history.Approval {
	t.Helper()
	path, err := history.Path(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err != nil {
		t.Fatal(err)
	}
	db, err := history.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := db.Approvals(context.Background(), history.ApprovalFilter{ID: id})
	if err != nil || len(as) != 1 {
		t.Fatalf("approval request %d: %v, %v", id, as, err)
	}
	return as[0]
}

// fileFor submits a run of n users on lab at d that needs approval and checks that it
// waits, nothing sent.
func fileFor(t *testing.T, srv *odintest.Server, d *desk.Desk, n int) *desk.Handle {
	t.Helper()
	plan := openPlan(t, d, "lab", srv.Users()[:n])
	if !plan.Approval.Needed || !strings.Contains(plan.Approval.Why, "more than approval_over = 3") {
		t.Fatalf("plan's approval: %+v", plan.Approval)
	}
	sent := srv.Resets()
	h, err := d.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	in := h.Info()
	if in.State != desk.StateWaiting || in.Approval == nil || in.Approval.Request == 0 || srv.Resets() != sent {
		t.Fatalf("filed run %+v, %d resets", in, srv.Resets())
	}
	return h
}

// A run over approval_over waits for approval; the approvers who may use the profile
// see it (and are told it came), others do not; another technician's approval starts it
// in its starter's name: the starter sees it run and its secrets, so does the approver;
// the history keeps who asked, who approved, when, and the run it started.
func TestApprovalByAnotherTechnicianStartsTheRunInItsStartersName(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	host := teamHost(t, srv, home, overThree, desk.Options{})
	alice, bob, erin := deskOf(t, host, "alice"), deskOf(t, host, "bob"), deskOf(t, host, "erin")
	told := host.Runs().Changes()
	h := fileFor(t, srv, alice, 5)
	select {
	case <-told:
	default:
		t.Fatal("the approvers were not told of the new request")
	}
	if small := openPlan(t, alice, "lab", srv.Users()[:3]); small.Approval.Needed {
		t.Fatalf("3 users need approval: %+v", small.Approval)
	}
	var alices watched
	w := h.Watch()
	alices.next(t, w)

	ctx := context.Background()
	pending, err := bob.Pending(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("bob's pending: %+v, %v", pending, err)
	}
	p := pending[0]
	if p.By != "alice" || p.Profile != "lab" || len(p.Users) != 5 || p.Users[4].ID != srv.Users()[4] || p.Run != h.ID() || p.ID != h.Info().Approval.Request {
		t.Fatalf("the request as bob reads it: %+v", p)
	}
	plan, err := bob.RequestPlan(ctx, p.ID)
	if err != nil || plan.Technician != "alice" || !plan.Approval.Needed || len(plan.Users) != 5 || plan.Blocked() != "" || plan.Sending() != 5 {
		t.Fatalf("the request's plan as bob reads it: %+v, %v", plan, err)
	}
	for who, d := range map[string]*desk.Desk{"alice (no approver)": alice, "erin (not her profile)": erin} {
		if _, err := d.RequestPlan(ctx, p.ID); err == nil {
			t.Fatalf("%s read the request's plan", who)
		}
		if list, err := d.Pending(ctx); err != nil || len(list) != 0 {
			t.Fatalf("%s sees %+v, %v", who, list, err)
		}
		if _, err := d.Approve(ctx, p.ID); err == nil {
			t.Fatalf("%s approved", who)
		}
	}

	bh, err := bob.Approve(ctx, p.ID)
	if err != nil || bh == nil || !bh.Secrets() {
		t.Fatalf("bob's approval: %v, %v", bh, err)
	}
	alices.toEnd(t, w)
	in := alices.info
	if in.Technician != "alice" || in.Approval.Approver != "bob" || in.Tally.OK != 5 || in.Started.IsZero() {
		t.Fatalf("the approved run %+v", in)
	}
	for i, u := range srv.Users() {
		if alices.finals[i].Secret != srv.SIPPassword(u) {
			t.Fatalf("alice's outcome %d: %+v", i, alices.finals[i])
		}
	}
	if out := bh.Outcomes(); out[0].Secret != srv.SIPPassword(srv.Users()[0]) {
		t.Fatalf("the approver does not see the secrets: %+v", out[0])
	}
	if list, _ := bob.Pending(ctx); len(list) != 0 {
		t.Fatalf("still pending after the approval: %+v", list)
	}
	row := approvalRow(t, home, p.ID)
	if row.State != history.RequestStarted || row.Technician != "alice" || row.Approver != "bob" || row.RunID != in.HistoryID || row.Decided.IsZero() {
		t.Fatalf("the history's request %+v (run %d)", row, in.HistoryID)
	}
	runs, _, err := bob.History(ctx, history.Filter{}, false)
	if err != nil || len(runs) != 1 || runs[0].Technician != "alice" || runs[0].ID != in.HistoryID {
		t.Fatalf("the history's run %+v, %v", runs, err)
	}
}

// Nobody approves their own request, however they ask.
func TestApprovalOfOnesOwnRequestIsRefused(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), overThree, desk.Options{})
	bob := deskOf(t, host, "bob")
	h := fileFor(t, srv, bob, 5)
	ctx := context.Background()
	if list, err := bob.Pending(ctx); err != nil || len(list) != 0 {
		t.Fatalf("bob's own request among his pending: %+v, %v", list, err)
	}
	if _, err := bob.Approve(ctx, h.Info().Approval.Request); err == nil || !strings.Contains(err.Error(), "nobody approves their own request") {
		t.Fatalf("bob approving his own: %v", err)
	}
	if err := bob.Decline(ctx, h.Info().Approval.Request, "changed my mind"); err == nil {
		t.Fatal("bob declined his own request (withdraw is the way)")
	}
	if in := h.Info(); in.State != desk.StateWaiting || srv.Resets() != 0 {
		t.Fatalf("after the refusals: %+v", in)
	}
}

// A declined request ends with the approver's reason, for its starter and in the
// history; a decline needs a reason. Its starter — and only they — may withdraw a
// request still waiting; a withdrawn request cannot be approved.
func TestApprovalDeclinedWithAReasonOrWithdrawn(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	host := teamHost(t, srv, home, overThree, desk.Options{})
	alice, bob, dave := deskOf(t, host, "alice"), deskOf(t, host, "bob"), deskOf(t, host, "dave")
	ctx := context.Background()
	h := fileFor(t, srv, alice, 5)
	id := h.Info().Approval.Request
	if err := bob.Decline(ctx, id, "  \x1b[2J "); err == nil || !strings.Contains(err.Error(), "say why") {
		t.Fatalf("a decline without a reason: %v", err)
	}
	if err := bob.Decline(ctx, id, "not the whole floor on a Friday\x1b]52;c;x\a"); err != nil {
		t.Fatal(err)
	}
	<-h.Done()
	in := h.Info()
	if in.State != desk.StateDeclined || !strings.Contains(in.Err, "declined by bob: not the whole floor on a Friday") || in.Approval.Approver != "bob" {
		t.Fatalf("the declined run %+v", in)
	}
	if row := approvalRow(t, home, id); row.State != history.RequestDeclined || row.Reason != "not the whole floor on a Friday" || row.Approver != "bob" {
		t.Fatalf("the history's request %+v", row)
	}
	if _, err := bob.Approve(ctx, id); err == nil || !strings.Contains(err.Error(), "declined by bob") {
		t.Fatalf("approving a declined request: %v", err)
	}

	h = fileFor(t, srv, alice, 4)
	id = h.Info().Approval.Request
	theirs, err := dave.Run(h.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := theirs.Withdraw(ctx); err == nil {
		t.Fatal("dave withdrew alice's request")
	}
	if err := h.Withdraw(ctx); err != nil {
		t.Fatal(err)
	}
	if in := h.Info(); in.State != desk.StateWithdrawn {
		t.Fatalf("withdrawn run %+v", in)
	}
	if _, err := bob.Approve(ctx, id); err == nil || !strings.Contains(err.Error(), "withdrawn") {
		t.Fatalf("approving a withdrawn request: %v", err)
	}
	if row := approvalRow(t, home, id); row.State != history.RequestWithdrawn || srv.Resets() != 0 {
		t.Fatalf("the history's request %+v, %d resets", row, srv.Resets())
	}
}

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// A request nobody decides within approval_ttl expires: its starter reads so, it can
// no longer be approved, and the history keeps it as expired.
func TestApprovalRequestExpires(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	c := &clock{now: time.Now()}
	host := teamHost(t, srv, home, overThree+"approval_ttl = \"10m\"\n", desk.Options{Now: c.Now})
	alice, bob := deskOf(t, host, "alice"), deskOf(t, host, "bob")
	h := fileFor(t, srv, alice, 5)
	in := h.Info()
	if !in.Approval.Expires.Equal(in.Requested.Add(10 * time.Minute)) {
		t.Fatalf("expires %s, requested %s", in.Approval.Expires, in.Requested)
	}
	ctx := context.Background()
	c.add(9 * time.Minute)
	if list, _ := bob.Pending(ctx); len(list) != 1 {
		t.Fatalf("pending a minute before the expiry: %+v", list)
	}
	c.add(time.Minute)
	if list, err := bob.Pending(ctx); err != nil || len(list) != 0 {
		t.Fatalf("pending at the expiry: %+v, %v", list, err)
	}
	<-h.Done()
	if in := h.Info(); in.State != desk.StateExpired || !strings.Contains(in.Err, "expired") {
		t.Fatalf("expired run %+v", in)
	}
	if _, err := bob.Approve(ctx, in.Approval.Request); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("approving an expired request: %v", err)
	}
	if row := approvalRow(t, home, in.Approval.Request); row.State != history.RequestExpired || srv.Resets() != 0 {
		t.Fatalf("the history's request %+v", row)
	}
}

// A request survives a restart of serve: the next serve on the same history takes it
// over, an approver there approves it, and it runs there in its starter's name, rebuilt
// from what the history kept.
func TestApprovalRequestSurvivesARestartOfServe(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	first := teamHost(t, srv, home, overThree, desk.Options{})
	first.KeepRequests()
	h := fileFor(t, srv, deskOf(t, first, "alice"), 5)
	id := h.Info().Approval.Request
	first.Close() // serve restarts

	second := teamHost(t, srv, home, overThree, desk.Options{})
	second.KeepRequests()
	bob, alice := deskOf(t, second, "bob"), deskOf(t, second, "alice")
	ctx := context.Background()
	pending, err := bob.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].ID != id || pending[0].Run == 0 || len(pending[0].Users) != 5 {
		t.Fatalf("pending at the new serve: %+v, %v", pending, err)
	}
	ra, _ := alice.Reattach(ctx)
	if len(ra.Runs) != 1 || ra.Runs[0].Info().State != desk.StateWaiting {
		t.Fatalf("alice at the new serve: %+v", ra.Runs)
	}
	bh, err := bob.Approve(ctx, id)
	if err != nil || bh == nil {
		t.Fatalf("approval at the new serve: %v, %v", bh, err)
	}
	var s watched
	s.toEnd(t, ra.Runs[0].Watch())
	if s.info.Technician != "alice" || s.info.Tally.OK != 5 || s.finals[4].Secret != srv.SIPPassword(srv.Users()[4]) {
		t.Fatalf("the run at the new serve %+v", s.info)
	}
	if row := approvalRow(t, home, id); row.State != history.RequestStarted || row.RunID != s.info.HistoryID {
		t.Fatalf("the history's request %+v", row)
	}
}

// `run --wait-approval`: a process with no serve files a request and waits; a served
// approver on the same host (another process on the same history) approves it; the
// waiting process sees it start and run, and runs it itself — the serve does not. A
// process that ends before a decision takes its request with it.
func TestWaitingForApprovalFromAnotherProcess(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	poll := desk.Options{ApprovalPoll: 5 * time.Millisecond}
	script := teamHost(t, srv, home, overThree, poll)
	served := teamHost(t, srv, home, overThree, poll)
	served.KeepRequests()
	h := fileFor(t, srv, deskOf(t, script, ""), 5)
	id := h.Info().Approval.Request
	var s watched
	w := h.Watch()
	s.next(t, w)

	bob := deskOf(t, served, "bob")
	ctx := context.Background()
	pending, err := bob.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Run != 0 || pending[0].By == "" {
		t.Fatalf("the served approver's pending: %+v, %v", pending, err)
	}
	if plan, err := bob.RequestPlan(ctx, id); err != nil || plan.Technician != "" || plan.Sending() != 5 {
		t.Fatalf("the plan of another process's request: %+v, %v", plan, err)
	}
	if bh, err := bob.Approve(ctx, id); err != nil || bh != nil {
		t.Fatalf("approval of another process's request: %v, %v", bh, err)
	}
	s.until(t, w, func() bool { return s.info.State != desk.StateWaiting })
	s.toEnd(t, w)
	if s.info.Tally.OK != 5 || s.info.Approval.Approver != "bob" || s.finals[0].Secret != srv.SIPPassword(srv.Users()[0]) || srv.Resets() != 5 {
		t.Fatalf("the waiting process's run %+v, %d resets", s.info, srv.Resets())
	}
	if runs := deskOf(t, served, "bob").Runs(); len(runs) != 0 {
		t.Fatalf("the serve ran the request too: %+v", runs[0].Info())
	}

	gone := teamHost(t, srv, home, overThree, poll)
	left := fileFor(t, srv, deskOf(t, gone, ""), 4)
	gone.Close() // ctrl+c, or --wait-approval's time ran out
	<-left.Done()
	if in := left.Info(); in.State != desk.StateWithdrawn {
		t.Fatalf("the ended process's run: %+v", in)
	}
	if list, _ := bob.Pending(ctx); len(list) != 0 {
		t.Fatalf("the ended process's request is still pending: %+v", list)
	}
	if row := approvalRow(t, home, left.Info().Approval.Request); row.State != history.RequestWithdrawn || row.Reason != history.ReasonHolderGone {
		t.Fatalf("the ended process's request %+v", row)
	}
}

// Two serves on one history: the one that filed a request still holds it (its lease
// is alive), so the other does not take it over; an approver at the other approves it,
// and the first starts it at its next poll.
func TestApprovalAtAnotherServeIsStartedByTheHolder(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	home := t.TempDir()
	poll := desk.Options{ApprovalPoll: 5 * time.Millisecond}
	a := teamHost(t, srv, home, overThree, poll)
	a.KeepRequests()
	b := teamHost(t, srv, home, overThree, poll)
	b.KeepRequests()
	h := fileFor(t, srv, deskOf(t, a, "alice"), 5)
	bob := deskOf(t, b, "bob")
	ctx := context.Background()
	pending, err := bob.Pending(ctx)
	if err != nil || len(pending) != 1 || pending[0].Run != 0 {
		t.Fatalf("pending at the other serve: %+v, %v", pending, err)
	}
	if bh, err := bob.Approve(ctx, pending[0].ID); err != nil || bh != nil {
		t.Fatalf("approval at the other serve: %v, %v", bh, err)
	}
	<-h.Done()
	if in := h.Info(); in.Tally.OK != 5 || in.Approval.Approver != "bob" || srv.Resets() != 5 {
		t.Fatalf("the run at the holder %+v, %d resets", in, srv.Resets())
	}
	if len(bob.Runs()) != 0 {
		t.Fatal("the other serve ran it too")
	}
}

// On a profile that requires verifying the callers, a run a second technician approved
// runs though its starter verified nobody: the approval stands for the verification.
func TestAnApprovedRunStandsForTheCallersVerification(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), overThree+"verify = \"required\"\n", desk.Options{})
	alice, bob := deskOf(t, host, "alice"), deskOf(t, host, "bob")
	h := fileFor(t, srv, alice, 5)
	if _, err := bob.Approve(context.Background(), h.Info().Approval.Request); err != nil {
		t.Fatal(err)
	}
	<-h.Done()
	in := h.Info()
	if in.Tally.OK != 5 || in.Err != "" {
		t.Fatalf("the approved run on a required profile: %+v", in)
	}
	// The history says who stood for the verification: each reset relies on an event
	// "approved by bob instead of verified", which verifies nobody for a later run.
	ctx := context.Background()
	relied, err := alice.Reliance(ctx, []int64{in.HistoryID})
	if err != nil || len(relied[in.HistoryID]) != 5 {
		t.Fatalf("reliance %+v, %v", relied, err)
	}
	for _, u := range srv.Users() {
		v := relied[in.HistoryID][u]
		if v.Method != history.MethodApproval || v.Result != history.ResultApproved || v.Message != "approved by bob instead of verified" || v.Technician != "alice" {
			t.Errorf("%s relied on %+v", u, v)
		}
	}
	if plan := openPlan(t, alice, "lab", srv.Users()[:1]); plan.Caller.Verified {
		t.Fatalf("the approval verified the caller for a later run: %+v", plan.Caller)
	}
}
