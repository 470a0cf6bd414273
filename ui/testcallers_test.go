package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/store/history"
)

// fakeCallers is the verification of callers as a test desk does it: the ways on file
// are set by the test, one code at a time ("123456" unless code is set), tries counted
// down, the users verified kept with how. It records the calls it was given.
type fakeCallers struct {
	mu        sync.Mutex
	name      string
	options   []verify.Option
	lookupErr error
	sendErr   error // the relay's: the code made for the send is dropped
	limitErr  error // the hourly limit's: refused before any code is made
	attestErr error
	code      string // the next code sent
	demo      bool   // SentCode.Demo carries the code, as the demo's outbox does
	ttl       time.Duration

	pending  *fakeCode
	verified map[string]string // user -> "mail · 12:04"
	sends    int
	lookups  int
}

type fakeCode struct {
	sent    verify.Sent
	code    string
	left    int
	expires time.Time
}

func newFakeCallers() *fakeCallers {
	return &fakeCallers{name: "Ben Doe", verified: map[string]string{}, code: "123456", ttl: 10 * time.Minute, options: []verify.Option{
		{Method: backends.VerifyMail, To: "bdoe@corp.example.com", Shown: "b•••@corp.example.com"},
		{Method: backends.VerifyCallback, To: "+33612340001", Shown: "+33612340001"}}}
}

func (f *fakeCallers) caller(p backends.Profile, user string) (desk.Caller, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.lookupErr != nil {
		return desk.Caller{}, f.lookupErr
	}
	return desk.Caller{Profile: p, User: user, Name: f.name, Directory: p.Name, Options: f.options}, nil
}

func (f *fakeCallers) send(c desk.Caller, method, ticket string) (desk.SentCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := verify.Pick(c.Options, method)
	if !ok || o.Method == backends.VerifyCallback {
		return desk.SentCode{}, fmt.Errorf("no way %q", method)
	}
	if f.limitErr != nil {
		return desk.SentCode{}, f.limitErr
	}
	f.pending = nil
	if f.sendErr != nil {
		return desk.SentCode{}, fmt.Errorf("the code was not sent: %w", f.sendErr)
	}
	f.sends++
	f.pending = &fakeCode{sent: verify.Sent{Method: o.Method, Destination: o.Shown, Ticket: ticket}, code: f.code, left: 3, expires: time.Now().Add(f.ttl)}
	s := desk.SentCode{Option: o, Expires: f.pending.expires, Attempts: 3}
	if f.demo {
		s.Demo = "DEMO outbox — nothing was sent: the " + o.Label() + " carries " + f.code
	}
	return s, nil
}

func (f *fakeCallers) check(c desk.Caller, typed string) (verify.Check, error) {
	typed = strings.NewReplacer(" ", "", "-", "").Replace(typed) // as the desk reads a code
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pending
	switch {
	case p == nil:
		return verify.Check{}, desk.ErrNoCode
	case !time.Now().Before(p.expires):
		f.pending = nil
		return verify.Check{Outcome: verify.Expired, Sent: p.sent}, nil
	case typed == p.code:
		f.pending = nil
		f.verified[c.User] = p.sent.Method + " · " + time.Now().Format("15:04")
		return verify.Check{Outcome: verify.Passed, Sent: p.sent}, nil
	}
	p.left--
	if p.left == 0 {
		f.pending = nil
		return verify.Check{Outcome: verify.Exhausted, Sent: p.sent}, nil
	}
	return verify.Check{Outcome: verify.Wrong, Left: p.left, Sent: p.sent}, nil
}

func (f *fakeCallers) attest(c desk.Caller) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attestErr != nil {
		return f.attestErr
	}
	f.verified[c.User] = "callback · " + time.Now().Format("15:04")
	return nil
}

// plan is the callers' part of a plan of req.
func (f *fakeCallers) plan(req runner.Request) desk.Verification {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := desk.Verification{Policy: req.Profile().Verify}
	for _, u := range req.Users() {
		if _, ok := f.verified[u]; !ok {
			v.Unverified = append(v.Unverified, u)
		}
	}
	v.Verified = len(v.Unverified) == 0
	if how, ok := f.verified[req.User(0)]; ok && req.Len() == 1 {
		v.How = how
	}
	return v
}

var errNoCallers = errors.New("this test desk verifies no caller")

func (d *testDesk) Caller(_ context.Context, p backends.Profile, user string) (desk.Caller, error) {
	if d.callers == nil {
		return desk.Caller{}, errNoCallers
	}
	return d.callers.caller(p, user)
}

func (d *testDesk) SendCode(_ context.Context, c desk.Caller, method, ticket string) (desk.SentCode, error) {
	if d.callers == nil {
		return desk.SentCode{}, errNoCallers
	}
	return d.callers.send(c, method, ticket)
}

func (d *testDesk) CheckCode(_ context.Context, c desk.Caller, typed string) (verify.Check, error) {
	if d.callers == nil {
		return verify.Check{}, errNoCallers
	}
	return d.callers.check(c, typed)
}

func (d *testDesk) PendingCode(desk.Caller) (verify.Sent, bool) {
	if d.callers == nil {
		return verify.Sent{}, false
	}
	d.callers.mu.Lock()
	defer d.callers.mu.Unlock()
	if p := d.callers.pending; p != nil && time.Now().Before(p.expires) {
		return p.sent, true
	}
	return verify.Sent{}, false
}

func (d *testDesk) AttestCallback(_ context.Context, c desk.Caller, _ string) (history.Verification, error) {
	if d.callers == nil {
		return history.Verification{}, errNoCallers
	}
	return history.Verification{}, d.callers.attest(c)
}
