package desk_test

import (
	"context"
	"reflect"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/desk/plantest"
)

// The facts of every plan of the table, in order and with their severity; the first
// refusal among them is what blocks the plan, and only a plan that is not blocked has
// a confirmation to show.
func TestPlanFactsOfTheTable(t *testing.T) {
	for _, c := range plantest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			got := c.Plan.Facts()
			if !reflect.DeepEqual(got, c.Facts) && (len(got) > 0 || len(c.Facts) > 0) {
				t.Errorf("facts:\n%+v\nwant\n%+v", got, c.Facts)
			}
			blocked := ""
			for _, f := range c.Facts {
				if f.Severity == desk.FactRefuse {
					blocked = f.Text
					break
				}
			}
			if c.Plan.Blocked() != blocked {
				t.Errorf("blocked %q, want %q", c.Plan.Blocked(), blocked)
			}
			if (blocked == "") == (c.Run == "") {
				t.Errorf("the table says run confirms %q of a plan blocked by %q", c.Run, blocked)
			}
		})
	}
}

// The plan comes from the identity step: the people's names, the other spellings of an
// account skipped, an id the system does not hold failed — and only the users sent
// count against the quota and approval_over.
func TestPrepareBuildsThePlanFromTheIdentityStep(t *testing.T) {
	srv := odintest.New(6)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "daily_quota = 2\napproval_over = 2\n", desk.Options{})
	alice := deskOf(t, host, "alice")
	us := srv.Users()
	ctx := context.Background()
	p, err := alice.Profile("lab")
	if err != nil {
		t.Fatal(err)
	}
	// 5001 is the extension of Ben Doe, us[1]; nobody has 5999.
	plan, err := alice.Prepare(ctx, p, runner.Spec{Mode: "sip", Users: []string{"5001", us[1], "5999", us[2]}})
	if err != nil {
		t.Fatal(err)
	}
	u := plan.Users
	if u[0].ID != "5001" || u[0].Name != "Ben Doe" || u[0].Skip != "" || u[3].Skip != "" {
		t.Errorf("the users sent: %+v", u)
	}
	if u[1].Skip != "same account as 5001" || u[1].NotFound || u[2].Skip != "not found in Odin (Cisco BroadWorks)" || !u[2].NotFound {
		t.Errorf("the users not sent: %+v", u[1:3])
	}
	if plan.Sending() != 2 || plan.PastQuota() != 0 || plan.Approval.Needed || plan.Blocked() != "" {
		t.Fatalf("sending %d, past the quota %d, approval %+v, blocked %q", plan.Sending(), plan.PastQuota(), plan.Approval, plan.Blocked())
	}
	h, err := alice.Submit(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	<-h.Done()
	out := h.Outcomes()
	if out[0].Status != backends.StatusOK || out[0].Secret != srv.SIPPassword(us[1]) || out[3].Status != backends.StatusOK ||
		out[1].Status != backends.StatusSkipped || out[2].Status != backends.StatusFailed || srv.Resets() != 2 {
		t.Fatalf("the run: %+v, %d resets", out, srv.Resets())
	}
	// With one more user sent, the run needs approval and is past the quota.
	plan, err = alice.Prepare(ctx, p, runner.Spec{Mode: "sip", Users: []string{us[3], us[4], us[5]}})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Approval.Needed || plan.Approval.Approvers == nil || plan.Approval.Approvers[0] != "bob" || plan.Quota.Left != 0 {
		t.Fatalf("approval %+v, quota %+v", plan.Approval, plan.Quota)
	}
}

// A request a restarted serve takes over runs what was planned: the identity step again,
// one reset per account, nothing sent for an id the system does not hold.
func TestATakenOverRequestRunsWhatWasPlanned(t *testing.T) {
	srv := odintest.New(6)
	defer srv.Close()
	home := t.TempDir()
	first := teamHost(t, srv, home, overThree, desk.Options{})
	first.KeepRequests()
	alice := deskOf(t, first, "alice")
	us := srv.Users()
	ctx := context.Background()
	p, _ := alice.Profile("lab")
	plan, err := alice.Prepare(ctx, p, runner.Spec{Mode: "sip", Users: []string{"5001", us[1], "5999", us[2], us[3], us[4]}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := alice.Submit(ctx, plan)
	if err != nil || h.Info().State != desk.StateWaiting {
		t.Fatalf("filed: %v", err)
	}
	first.Close() // serve restarts

	second := teamHost(t, srv, home, overThree, desk.Options{})
	second.KeepRequests()
	bob := deskOf(t, second, "bob")
	pending, err := bob.Pending(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending: %+v, %v", pending, err)
	}
	bh, err := bob.Approve(ctx, pending[0].ID)
	if err != nil || bh == nil {
		t.Fatalf("approval: %v", err)
	}
	<-bh.Done()
	out := bh.Outcomes()
	if out[0].Status != backends.StatusOK || out[1].Status != backends.StatusSkipped || out[1].Message != "same account as 5001" ||
		out[2].Status != backends.StatusFailed || srv.Resets() != 4 {
		t.Fatalf("the run taken over: %+v, %d resets", out, srv.Resets())
	}
}
