package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk/verify"
	"resetdesk/sanitize"
	"resetdesk/store/history"
)

// ErrNoCode is CheckCode's error when this technician has no code pending for the
// caller in this process: none was sent, or it was used up.
var ErrNoCode = errors.New("no code is waiting for this caller: send one first")

// CheckCode compares the code caller c read back with the one this technician sent
// them, and records the event (passed, a failed try, expired, out of attempts) in the
// history, never the code. Check.Outcome says what it came to.
func (d *Desk) CheckCode(ctx context.Context, c Caller, typed string) (verify.Check, error) {
	key, _ := d.keyOf(c)
	got := d.callers().codes.Check(key, typed)
	result := ""
	switch got.Outcome {
	case verify.NoCode:
		return got, ErrNoCode
	case verify.Passed:
		result = history.ResultPassed
	case verify.Wrong:
		result = history.ResultFailed
	case verify.Expired:
		result = history.ResultExpired
	case verify.Exhausted:
		result = history.ResultExhausted
	}
	ev := d.event(c, got.Sent.Method, got.Sent.Destination, got.Sent.Ticket, result)
	if got.Outcome == verify.Wrong {
		ev.Message = fmt.Sprintf("%d tries left", got.Left)
	}
	if _, err := d.verifyLog().record(ctx, ev); err != nil {
		if got.Outcome == verify.Passed {
			// A verification the history does not hold lets no reset happen.
			return got, fmt.Errorf("the code is right, but the history could not record it (verify again): %w", err)
		}
		return got, fmt.Errorf("the history could not record the attempt: %w", err)
	}
	return got, nil
}

// PendingCode reports whether this technician has a code waiting to be read back by
// caller c, and how it went out.
func (d *Desk) PendingCode(c Caller) (verify.Sent, bool) {
	key, _ := d.keyOf(c)
	return d.callers().codes.Pending(key)
}

// AttestCallback records that this technician called caller c back on the number
// their record holds and reached them: a verification like a code read back, recorded
// with the number.
func (d *Desk) AttestCallback(ctx context.Context, c Caller, ticket string) (history.Verification, error) {
	o, ok := verify.Pick(c.Options, backends.VerifyCallback)
	if !ok {
		return history.Verification{}, fmt.Errorf("%s has no number to call back on file (the ways offered are %s)", sanitize.Line(c.User), optionNames(c.Options))
	}
	ev := d.event(c, o.Method, o.Shown, ticket, history.ResultAttested)
	id, err := d.verifyLog().record(ctx, ev)
	if err != nil {
		return history.Verification{}, fmt.Errorf("the history could not record the callback (nothing is verified): %w", err)
	}
	ev.ID = id
	return ev, nil
}

// Verified is the verification of profile p's user by this desk's technician that
// still counts ([verify] valid_for), the newest; nil when there is none. What another
// technician verified does not count here.
func (d *Desk) Verified(ctx context.Context, p backends.Profile, user string) (*history.Verification, error) {
	all, err := d.verifiedNow(ctx, p)
	if v, ok := all[user]; ok && err == nil {
		return &v, nil
	}
	return nil, err
}

// verifiedNow lists the users of p this desk's technician verified within valid_for.
func (d *Desk) verifiedNow(ctx context.Context, p backends.Profile) (map[string]history.Verification, error) {
	_, who := d.who()
	return d.verifyLog().verifiedSince(ctx, who, p.Name, time.Now().Add(-d.VerifySettings().ValidFor))
}

// UnverifiedError names the users of a run on a profile with verify = "required" whom
// this technician has not verified within valid_for.
type UnverifiedError struct {
	Profile  string
	Users    []string
	ValidFor time.Duration
}

func (e *UnverifiedError) Error() string {
	users := make([]string, len(e.Users))
	for i, u := range e.Users {
		users[i] = sanitize.Line(u)
	}
	return fmt.Sprintf("profile %s requires verifying the caller before a reset, and you have not verified %s in the last %s: "+
		"nothing was sent; verify each with `resetdesk verify -p %s USER`", e.Profile, listed(users, 5), e.ValidFor, e.Profile)
}

// requireVerified applies the policy of req's profile to the users req sends, by this
// desk's technician, before anything is sent. It returns the verification each user
// relies on (user -> event id, for the history). With verify = "required", any user not
// verified within valid_for by this technician is an *UnverifiedError.
//
// approvedBy is the hook of four-eyes approval: a run a second technician approved
// (their name; "" for none) counts as verified for its users, and the history says so —
// an event per user not verified, "approved by bob instead of verified", which their
// reset relies on.
func (d *Desk) requireVerified(ctx context.Context, req runner.Request, approvedBy string) (map[string]int64, error) {
	p := req.Profile()
	if p.Verify == "" || p.Verify == backends.VerifyOff {
		return nil, nil
	}
	verified, err := d.verifiedNow(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("cannot read the verifications from the history, nothing sent: %w", err)
	}
	relied := map[string]int64{}
	var missing []string
	for _, i := range sent(req) {
		if v, ok := verifiedLine(verified, req, i); ok {
			relied[req.User(i)] = v.ID
			continue
		}
		missing = append(missing, req.User(i))
	}
	switch {
	case len(missing) == 0:
	case approvedBy != "":
		if err := d.approvedInstead(ctx, req, missing, approvedBy, relied); err != nil {
			return nil, err
		}
	case p.Verify == backends.VerifyRequired:
		return nil, &UnverifiedError{Profile: p.Name, Users: missing, ValidFor: d.VerifySettings().ValidFor}
	}
	return relied, nil
}

// approvedInstead records that approver's approval stood for the verification of the
// users of req, and that their resets rely on it (in relied).
func (d *Desk) approvedInstead(ctx context.Context, req runner.Request, users []string, approver string, relied map[string]int64) error {
	return d.reliedInstead(ctx, req, users, relied, history.MethodApproval, history.ResultApproved,
		"approved by "+approver+" instead of verified",
		"the history could not record the approval that stands for the callers' verification, nothing sent")
}

// reliedInstead records for each of users of req an event of method and result with
// message, which their reset relies on in place of a verification (added to relied).
// A history that cannot record them sends nothing: the error says so (failure).
func (d *Desk) reliedInstead(ctx context.Context, req runner.Request, users []string, relied map[string]int64,
	method, result, message, failure string) error {
	c := Caller{Profile: req.Profile()}
	events := make([]history.Verification, len(users))
	for i, u := range users {
		c.User = u
		events[i] = d.event(c, method, "", req.Options().Ticket, result)
		events[i].Message = message
	}
	ids, err := d.verifyLog().recordAll(ctx, events)
	if err != nil {
		return fmt.Errorf("%s: %w", failure, err)
	}
	for i, u := range users {
		relied[u] = ids[i]
	}
	return nil
}
