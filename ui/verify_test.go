package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// verifyConsole is a console at 80×24 on the review of a run of users on a profile
// with verify = policy, whose desk verifies callers as f does; the review knows from its
// plan whether the callers were verified.
func verifyConsole(t *testing.T, policy string, f *fakeCallers, users ...string) (*driver, *reviewPage) {
	t.Helper()
	c := New(context.Background(), &testDesk{callers: f}, LocalTerminal())
	d := newDriver(t, c, 80, 24)
	p := fakeProfile(backends.Profile{Name: "lab", Verify: policy})
	r := newReviewPage(c.sh, p, planOf(t, c.sh, fakeRequest(t, &fakeBackend{}, p, users)))
	d.run(c.apply(push{p: r}))
	return d, r
}

// onVerify presses v on the review and waits for the ways on file.
func onVerify(t *testing.T, d *driver) *verifyPage {
	t.Helper()
	d.keys("v")
	v, ok := d.c.top().(*verifyPage)
	if !ok {
		t.Fatalf("v opened %T:\n%s", d.c.top(), d.screen())
	}
	d.until("the ways on file", func() bool { return v.stage != stageLookup || v.lookupErr })
	return v
}

// sendCode sends a code by the first way and waits for the code's field.
func sendCode(t *testing.T, d *driver, v *verifyPage) {
	t.Helper()
	d.keys("enter")
	d.until("the code's field", func() bool { return v.stage == stageCode && !v.busy.Running() })
}

func typeKeys(d *driver, s string) {
	for _, r := range s {
		d.keys(string(r))
	}
}

// The review of one user on a profile that verifies callers says so and offers v; a
// profile with verify off, or a run of many, has no v.
func TestReviewOffersVerifyForOneUser(t *testing.T) {
	d, r := verifyConsole(t, backends.VerifyOffered, newFakeCallers(), "bdoe")
	if s := flat(d.screen()); !strings.Contains(s, "caller not verified · v verify (offered, not required)") || !strings.Contains(s, "v verify •") {
		t.Fatalf("the review of an unverified caller:\n%s", d.screen())
	}
	onVerify(t, d)
	d.keys("esc")
	if d.c.top() != r {
		t.Fatalf("esc left %T on top", d.c.top())
	}

	d, _ = verifyConsole(t, backends.VerifyOff, newFakeCallers(), "bdoe")
	d.keys("v")
	if _, ok := d.c.top().(*verifyPage); ok || strings.Contains(d.screen(), "caller") {
		t.Fatalf("verify off, yet:\n%s", d.screen())
	}
	d, _ = verifyConsole(t, backends.VerifyOffered, newFakeCallers(), "a", "b")
	d.keys("v")
	if _, ok := d.c.top().(*verifyPage); ok {
		t.Fatal("v opened a verification for a run of two")
	}
}

// With verify = "required" the review cannot be confirmed before the caller is
// verified, and says why and how; once verified (code read back) it says how and when,
// and enter starts the run.
func TestRequiredReviewConfirmsOnlyOnceVerified(t *testing.T) {
	f := newFakeCallers()
	d, r := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	d.keys("enter")
	d.until("the refusal", func() bool { return strings.Contains(flat(d.screen()), "requires verifying the caller first: press v") })
	if _, ok := d.c.top().(*runPage); ok {
		t.Fatal("an unverified caller's reset started on a required profile")
	}
	s := flat(d.screen())
	if s := d.screen(); !strings.Contains(s, "v verify • esc back") || strings.Contains(s, "reset now") {
		t.Fatalf("the help of a review that cannot be confirmed offers enter:\n%s", s)
	}
	for _, want := range []string{"not verified · v verify (required before the reset)", "Cannot reset yet: verify the caller first — v verifies"} {
		if !strings.Contains(s, want) {
			t.Fatalf("%q is not on the review:\n%s", want, d.screen())
		}
	}
	v := onVerify(t, d)
	sendCode(t, d, v)
	typeKeys(d, "123 456")
	d.keys("enter")
	d.until("the review again", func() bool { return d.c.top() == r && strings.Contains(d.screen(), "verified by mail code ·") })
	if s := flat(d.screen()); !strings.Contains(s, "verified by mail code · "+time.Now().Format("15:04")) || strings.Contains(s, "Cannot reset") {
		t.Fatalf("the review after the code was read back:\n%s", d.screen())
	}
	d.keys("enter")
	if _, ok := d.c.top().(*runPage); !ok {
		t.Fatalf("enter on a verified review: %T on top", d.c.top())
	}
}

// With verify = "offered" the review confirms an unverified caller's reset.
func TestOfferedReviewConfirmsUnverified(t *testing.T) {
	d, _ := verifyConsole(t, backends.VerifyOffered, newFakeCallers(), "bdoe")
	d.keys("enter")
	if _, ok := d.c.top().(*runPage); !ok {
		t.Fatalf("enter on an offered profile's review: %T on top:\n%s", d.c.top(), d.screen())
	}
}

// A run of many on a required profile names the callers not verified and the way to
// verify them, or the second technician's approval that stands for it.
func TestRequiredBulkReviewNamesTheUnverified(t *testing.T) {
	f := newFakeCallers()
	f.verified["u2"] = "mail · 09:00"
	d, _ := verifyConsole(t, backends.VerifyRequired, f, "u1", "u2", "u3", "u4", "u5")
	s := flat(d.screen())
	for _, want := range []string{"4 callers not verified: u1, u3, u4 and 1 more", "verify each with resetdesk verify -p lab USER", "Cannot run: the callers are not verified"} {
		if !strings.Contains(s, want) {
			t.Fatalf("%q is not on the review:\n%s", want, d.screen())
		}
	}
	if strings.Contains(s, "u2,") {
		t.Fatalf("a verified caller is named unverified:\n%s", d.screen())
	}
	d.keys("enter")
	if _, ok := d.c.top().(*runPage); ok {
		t.Fatal("a bulk run of unverified callers started on a required profile")
	}

	// A served console: the local one refuses a run that needs approval.
	c := New(context.Background(), &testDesk{technician: "alice", callers: f, approval: &desk.ApprovalNeed{Needed: true, Why: "5 users, more than approval_over = 2"}}, LocalTerminal())
	d = newDriver(t, c, 80, 24)
	p := fakeProfile(backends.Profile{Name: "lab", Verify: backends.VerifyRequired})
	r := newReviewPage(c.sh, p, planOf(t, c.sh, fakeRequest(t, &fakeBackend{}, p, []string{"u1", "u2", "u3", "u4", "u5"})))
	d.run(c.apply(push{p: r}))
	if s := flat(d.screen()); !strings.Contains(s, "the second technician's approval stands for it") || strings.Contains(s, "Cannot run") {
		t.Fatalf("an approved run's review:\n%s", d.screen())
	}
}

// The page lists the ways on file as the desk gives them (masked, the callback's number
// whole), sends a code, shows the demo outbox's line, counts wrong codes down and goes
// back to the review once the code is right.
func TestVerifyPageSendsAndCountsDown(t *testing.T) {
	f := newFakeCallers()
	f.demo = true
	d, r := verifyConsole(t, backends.VerifyOffered, f, "bdoe")
	v := onVerify(t, d)
	s := d.screen()
	for _, want := range []string{"Verify that the caller is Ben Doe (bdoe)", "> mail to b•••@corp.example.com", "call back +33612340001"} {
		if !strings.Contains(s, want) {
			t.Fatalf("%q is not on the page:\n%s", want, s)
		}
	}
	if strings.Contains(s, "bdoe@corp.example.com") {
		t.Fatalf("the whole address is shown:\n%s", s)
	}
	sendCode(t, d, v)
	if s := flat(d.screen()); !strings.Contains(s, "DEMO outbox — nothing was sent: the mail to b•••@corp.example.com carries 123456") ||
		!strings.Contains(s, "3 tries left") {
		t.Fatalf("the code's page:\n%s", d.screen())
	}
	for i, left := range []string{"2 tries left", "1 try left"} {
		typeKeys(d, "00000"+string(rune('0'+i)))
		d.keys("enter")
		d.until(left, func() bool { return strings.Contains(d.screen(), "wrong code: "+left) })
		if v.code.Value() != "" {
			t.Fatalf("the wrong code stays in the field: %q", v.code.Value())
		}
	}
	typeKeys(d, "123456")
	d.keys("enter")
	d.until("the review", func() bool { return d.c.top() == r && r.callers().v.Verified })
}

// Three wrong codes void the code: said plainly, nothing more is checked, and ctrl+r
// sends a new one that passes.
func TestVerifyOutOfAttemptsThenANewCode(t *testing.T) {
	f := newFakeCallers()
	d, r := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	v := onVerify(t, d)
	sendCode(t, d, v)
	for range 3 {
		typeKeys(d, "999999")
		d.keys("enter")
		d.until("the answer", func() bool { return !v.busy.Running() })
	}
	if s := flat(d.screen()); !strings.Contains(s, "wrong code, and that was the last try: the code is void, nothing verified; ctrl+r sends a new code, esc to call back instead") {
		t.Fatalf("out of attempts:\n%s", d.screen())
	}
	typeKeys(d, "123456")
	d.keys("enter")
	if v.busy.Running() || !strings.Contains(d.screen(), "can no longer pass") {
		t.Fatalf("a void code was checked:\n%s", d.screen())
	}
	f.code = "654321"
	d.keys("ctrl+r")
	d.until("the new code", func() bool { return !v.busy.Running() && !v.dead })
	if f.sends != 2 {
		t.Fatalf("%d codes sent, want 2", f.sends)
	}
	typeKeys(d, "654321")
	d.keys("enter")
	d.until("the review", func() bool { return d.c.top() == r && r.callers().v.Verified })
}

// A code whose time is over says so, when its time comes and when it is typed late.
func TestVerifyExpiredCodeSaysSo(t *testing.T) {
	f := newFakeCallers()
	d, _ := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	v := onVerify(t, d)
	sendCode(t, d, v)
	d.send(codeExpiredMsg{pg: v, gen: v.gen - 1}) // an older code's tick
	if v.dead {
		t.Fatal("an older code's expiry voided the code waiting")
	}
	d.send(codeExpiredMsg{pg: v, gen: v.gen})
	if s := flat(d.screen()); !strings.Contains(s, "the code expired at "+v.expires.Format("15:04")+": nothing verified; ctrl+r sends a new code") {
		t.Fatalf("expiry:\n%s", d.screen())
	}

	f.ttl = -time.Second // the next code is over before it is read back
	d.keys("ctrl+r")
	d.until("the new code", func() bool { return !v.busy.Running() && !v.dead })
	typeKeys(d, "123456")
	d.keys("enter")
	d.until("the answer", func() bool { return !v.busy.Running() && v.dead })
	if !strings.Contains(flat(d.screen()), "the code expired") {
		t.Fatalf("a late code:\n%s", d.screen())
	}
}

// What goes wrong (no address on file, a relay down or refusing) is said on the page,
// which keeps a way out and a way to try again.
func TestVerifyErrorsLeaveAWayOut(t *testing.T) {
	f := newFakeCallers()
	f.lookupErr = errors.New("no way to verify bdoe: the record in lab has no mail address; no number to call back")
	d, r := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	v := onVerify(t, d)
	s := flat(d.screen())
	if !strings.Contains(s, "cannot verify bdoe: no way to verify bdoe: the record in lab has no mail address") || !strings.Contains(s, "ctrl+r look up again") {
		t.Fatalf("a lookup that failed:\n%s", d.screen())
	}
	f.lookupErr = nil
	d.keys("ctrl+r")
	d.until("the ways", func() bool { return v.stage == stageWays })

	f.sendErr = errors.New("mail relay mail.corp.example.com:587 cannot be reached: connection refused")
	d.keys("enter")
	d.until("the answer", func() bool { return !v.busy.Running() })
	if s := flat(d.screen()); v.stage != stageWays || !strings.Contains(s, "the code was not sent: mail relay mail.corp.example.com:587 cannot be reached") {
		t.Fatalf("a relay down:\n%s", d.screen())
	}
	f.sendErr = nil
	sendCode(t, d, v)
	d.keys("esc") // another way: the ways again
	if v.stage != stageWays || d.c.top() != v {
		t.Fatalf("esc on the code: stage %d, %T on top", v.stage, d.c.top())
	}
	d.keys("esc")
	if d.c.top() != r {
		t.Fatalf("esc on the ways: %T on top", d.c.top())
	}
}

// A lookup that never answers ends at the timeout, with a way to try again.
func TestVerifyLookupTimesOut(t *testing.T) {
	defer func(d time.Duration) { verifyTimeout = d }(verifyTimeout)
	verifyTimeout = 50 * time.Millisecond
	hang := make(chan struct{})
	defer close(hang)
	d := &testDesk{callers: newFakeCallers()}
	c := New(context.Background(), &hangingCaller{testDesk: d, hang: hang}, LocalTerminal())
	dr := newDriver(t, c, 80, 24)
	v := newVerifyPage(c.sh, fakeProfile(backends.Profile{Name: "lab", Verify: backends.VerifyRequired}), "bdoe", "")
	dr.run(c.apply(push{p: v}))
	dr.until("the timeout", func() bool { return v.lookupErr })
	if s := flat(dr.screen()); !strings.Contains(s, "no answer within 50ms") || !strings.Contains(s, "esc goes back to the review") {
		t.Fatalf("a hung lookup:\n%s", dr.screen())
	}
}

// hangingCaller is a test desk whose lookups never answer.
type hangingCaller struct {
	*testDesk
	hang chan struct{}
}

func (h *hangingCaller) Caller(ctx context.Context, p backends.Profile, user string) (desk.Caller, error) {
	<-h.hang
	return desk.Caller{}, errors.New("too late")
}

// A callback is recorded only when the technician types yes: enter alone, or y, is no
// confirmation.
func TestVerifyCallbackNeedsYesTyped(t *testing.T) {
	f := newFakeCallers()
	d, r := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	v := onVerify(t, d)
	d.keys("down", "enter")
	if v.stage != stageCallback || !strings.Contains(flat(d.screen()), "Call Ben Doe back on +33612340001 — the number on file") {
		t.Fatalf("the callback:\n%s", d.screen())
	}
	for _, typed := range []string{"", "y"} {
		typeKeys(d, typed)
		d.keys("enter")
		if len(f.verified) != 0 || v.busy.Running() || d.c.top() != v {
			t.Fatalf("%q and enter recorded a callback", typed)
		}
	}
	for range 1 {
		d.keys("backspace")
	}
	typeKeys(d, "yes")
	d.keys("enter")
	d.until("the review", func() bool { return d.c.top() == r && r.callers().v.Verified })
	if !strings.Contains(d.screen(), "verified by callback ·") {
		t.Fatalf("the review after a callback:\n%s", d.screen())
	}
}

// The code's field takes digits (and the spaces and dashes a caller reads them with):
// a letter is not typed, q does not quit, ? shows the help.
func TestVerifyCodeFieldTakesDigits(t *testing.T) {
	d, _ := verifyConsole(t, backends.VerifyRequired, newFakeCallers(), "bdoe")
	v := onVerify(t, d)
	sendCode(t, d, v)
	typeKeys(d, "12a3-q")
	if v.code.Value() != "123-" || d.c.quitting {
		t.Fatalf("field %q, quitting %v", v.code.Value(), d.c.quitting)
	}
	d.keys("?")
	if !d.c.helpOpen || !strings.Contains(d.screen(), "check the code") {
		t.Fatalf("? on the code's field:\n%s", d.screen())
	}
}

// A new code refused before it was made (the hourly limit) leaves the code before it
// waiting; one the relay refused voided it.
func TestVerifyRefusedResendSaysWhetherTheCodeStillWaits(t *testing.T) {
	f := newFakeCallers()
	d, r := verifyConsole(t, backends.VerifyRequired, f, "bdoe")
	v := onVerify(t, d)
	sendCode(t, d, v)
	f.limitErr = errors.New("bdoe was sent 5 codes in the last hour, the most there may be: nothing sent; wait, or verify by callback")
	d.keys("ctrl+r")
	d.until("the refusal", func() bool { return !v.busy.Running() && v.status != "" })
	if s := flat(d.screen()); v.dead || !strings.Contains(s, "the code was not sent: bdoe was sent 5 codes in the last hour") {
		t.Fatalf("a resend past the limit (dead %v):\n%s", v.dead, d.screen())
	}
	f.limitErr, f.sendErr = nil, errors.New("mail relay refused the recipient: 550 no such mailbox")
	d.keys("ctrl+r")
	d.until("the relay's refusal", func() bool { return !v.busy.Running() && v.dead })
	if s := flat(d.screen()); !strings.Contains(s, "550 no such mailbox") || !strings.Contains(s, "· void") {
		t.Fatalf("a resend the relay refused:\n%s", d.screen())
	}
	f.sendErr = nil
	d.keys("ctrl+r")
	d.until("a new code", func() bool { return !v.busy.Running() && !v.dead })
	typeKeys(d, "123456")
	d.keys("enter")
	d.until("the review", func() bool { return d.c.top() == r && r.callers().v.Verified })
}

// A plan whose verifications the desk cannot read (the history unreadable) leaves a
// required profile's review refusing, and says why.
func TestRequiredReviewRefusesWhenTheVerificationsCannotBeRead(t *testing.T) {
	c := New(context.Background(), &planErrDesk{testDesk: &testDesk{callers: newFakeCallers()}}, LocalTerminal())
	d := newDriver(t, c, 80, 24)
	p := fakeProfile(backends.Profile{Name: "lab", Verify: backends.VerifyRequired})
	r := newReviewPage(c.sh, p, planOf(t, c.sh, fakeRequest(t, &fakeBackend{}, p, []string{"bdoe"})))
	d.run(c.apply(push{p: r}))
	d.keys("enter")
	d.until("the refusal", func() bool { return strings.Contains(flat(d.screen()), "nothing would be sent: history locked") })
	if _, ok := d.c.top().(*runPage); ok || !strings.Contains(flat(d.screen()), "cannot tell whether verified: history locked") {
		t.Fatalf("a review whose verifications cannot be read:\n%s", d.screen())
	}
}

// planErrDesk is a test desk whose plans cannot read the verifications.
type planErrDesk struct{ *testDesk }

func (d planErrDesk) Plan(ctx context.Context, req runner.Request) (*desk.Plan, error) {
	pl, err := d.testDesk.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	pl.Caller = desk.Verification{Policy: backends.VerifyRequired, Err: "history locked", Unverified: req.Users()}
	return pl, nil
}
