package odin_test

import (
	"context"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
)

// User ids settle the account: preparing a run of them sends nothing, so a run sends
// no more requests than it resets.
func TestUserIDsAreNeverLookedUp(t *testing.T) {
	srv := odintest.New(1000)
	defer srv.Close()
	b := backendtest.Client(t, profileOn(srv), odintest.Password)
	p, _ := backendtest.ProfileOf(b)
	req, err := runner.Prepare(context.Background(), b, p, runner.Spec{Mode: "sip", Users: srv.Users()})
	if err != nil || req.Sends() != 1000 {
		t.Fatalf("%v, %d to send", err, req.Sends())
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("preparing sent %d requests", n)
	}
}

// A phone number or an extension names a user only through Odin's users: looked up in
// the profile's group, and the reset goes to the user id found.
func TestNumbersAreLookedUpInTheGroup(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	b := backendtest.Client(t, profileOn(srv), odintest.Password)
	us := srv.Users()
	req, out := backendtest.Prepared(t, b, runner.Spec{Mode: "vm", Users: []string{"5001", "+9871515002", "5999", us[1]}}, odintest.Password)
	for i, want := range []string{us[1], us[2]} {
		if a := req.Account(i); a.ID != want || a.Name == "" || out[i].Status != backends.StatusOK || srv.Passcode(want) != out[i].Secret {
			t.Errorf("line %d: %+v %+v", i, a, out[i])
		}
	}
	backendtest.Expect(t, out[2], backends.StatusFailed, []string{"not found in Odin"}, nil)
	if out[3].Status != backends.StatusSkipped || out[3].Message != "same account as 5001" {
		t.Errorf("%+v", out[3])
	}
}
