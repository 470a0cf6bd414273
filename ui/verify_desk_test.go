package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/store"
)

// A verification is the technician's own: on one host (serve's), the caller alice
// verified in her console is not verified in bob's, whose review says so and refuses,
// and the desk refuses bob's run itself.
func TestVerifiedByAliceDoesNotLetBobReset(t *testing.T) {
	ctx := context.Background()
	h, err := desk.NewHost(desk.Options{Demo: true, Getenv: func(string) string { return "" }, Config: &store.Config{
		Technicians: []store.Technician{{Name: "alice"}, {Name: "bob"}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for i, p := range h.Config().Profiles {
		if p.Name == "demo-emm" {
			h.Config().Profiles[i].Verify = backends.VerifyRequired
		}
	}
	review := func(name string) (*driver, *reviewPage, *desk.Desk) {
		d, err := h.Desk(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := d.Profile("demo-emm")
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		c := New(ctx, d)
		dr := newDriver(t, c, 80, 24)
		r := newReviewPage(c.sh, newProfile(p), planOf(t, c.sh, fakeRequest(t, b, newProfile(p), []string{"bdoe"}, "set")))
		dr.run(c.apply(push{p: r}))
		return dr, r, d
	}

	da, ra, _ := review("alice")
	if !strings.Contains(flat(da.screen()), "not verified · v verify (required before the reset)") {
		t.Fatalf("alice's review before:\n%s", da.screen())
	}
	v := onVerify(t, da)
	sendCode(t, da, v)
	code := demoCodeOf(t, v.demo)
	typeKeys(da, code)
	da.keys("enter")
	da.until("alice's review, verified", func() bool { return da.c.top() == ra && ra.callers().v.Verified })

	db, rb, bob := review("bob")
	if s := flat(db.screen()); !strings.Contains(s, "not verified · v verify (required before the reset)") || !strings.Contains(s, "Cannot reset yet") {
		t.Fatalf("bob's review of the caller alice verified:\n%s", db.screen())
	}
	db.keys("enter")
	if _, ok := db.c.top().(*runPage); ok {
		t.Fatal("bob's review started a reset of a caller only alice verified")
	}
	var unverified *desk.UnverifiedError
	if _, err := bob.Submit(ctx, rb.plan); !errors.As(err, &unverified) {
		t.Fatalf("the desk let bob start the run: %v", err)
	}
	da.keys("enter") // alice's own review confirms
	da.until("alice's run", func() bool { _, ok := da.c.top().(*runPage); return ok })
}

// demoCodeOf is the code the demo outbox's line carries.
func demoCodeOf(t *testing.T, line string) string {
	t.Helper()
	_, code, ok := strings.Cut(line, " carries ")
	if !ok || len(code) != 6 {
		t.Fatalf("no code in the demo line %q", line)
	}
	return code
}
