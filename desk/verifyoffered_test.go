package desk_test

import (
	"context"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// On a profile that offers verification, a reset of a caller nobody verified goes out,
// and the history says it was not done: each such reset relies on a "not verified"
// event of its technician (which verifies nobody later); a verified caller's reset
// relies on its verification.
func TestOfferedRunRecordsThatTheCallerWasNotVerified(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	techs := "[technicians.alice]\nkeys = [\"ssh-ed25519 AAAA alice\"]\n"
	h, _ := verifyHost(t, srv, `verify = "offered"`, techs, nil)
	alice := deskOf(t, h, "alice")
	users := srv.Users()
	attested, err := alice.AttestCallback(context.Background(), callerOf(t, alice, "lab", users[0]), "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tryRunAs(t, alice, "lab", users)
	if err != nil || len(out) != 3 || out[2].Status != backends.StatusOK {
		t.Fatalf("the offered run: %+v, %v", out, err)
	}
	runs, _, err := alice.History(context.Background(), history.Filter{}, false)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	relied, err := alice.Reliance(context.Background(), []int64{runs[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	got := relied[runs[0].ID]
	if got[users[0]].ID != attested.ID {
		t.Fatalf("the verified caller's reset relied on %+v, not the callback", got[users[0]])
	}
	for _, u := range users[1:] {
		v, ok := got[u]
		if !ok || v.Result != history.ResultNotVerified || v.Method != history.MethodNone || v.Technician != "alice" || v.Verifies() {
			t.Fatalf("the reset of %s relied on %+v (recorded %v)", u, v, ok)
		}
	}
	if vs := verifications(t, alice, users[1]); len(vs) != 1 || vs[0].Result != history.ResultNotVerified {
		t.Fatalf("the history's events of %s: %+v", users[1], vs)
	}
	// Not verified stays not verified: the next plan still says so.
	p, _ := alice.Profile("lab")
	b, err := alice.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "sip", Users: users[1:2]})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := alice.Plan(context.Background(), req)
	if err != nil || plan.Caller.Verified {
		t.Fatalf("a not-verified event verified the caller: %+v, %v", plan.Caller, err)
	}
}
