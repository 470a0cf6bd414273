package desk_test

import (
	"context"
	"testing"

	"resetdesk/backends/odin/odintest"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// The history lists the approval requests, newest first, with how each went — who
// asked, who decided, when, the reason, the run it started — on the profiles a desk may
// use; with a user, the requests that name that user.
func TestApprovalsAreInTheHistory(t *testing.T) {
	srv := odintest.New(6)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), overThree, desk.Options{})
	alice, bob, erin := deskOf(t, host, "alice"), deskOf(t, host, "bob"), deskOf(t, host, "erin")
	ctx := context.Background()
	declined := fileFor(t, srv, alice, 4)
	if err := bob.Decline(ctx, declined.Info().Approval.Request, "too many at once"); err != nil {
		t.Fatal(err)
	}
	started := fileFor(t, srv, alice, 5)
	if _, err := bob.Approve(ctx, started.Info().Approval.Request); err != nil {
		t.Fatal(err)
	}
	<-started.Done()
	withdrawn := fileFor(t, srv, alice, 6)
	if err := withdrawn.Withdraw(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := bob.Approvals(ctx, history.Filter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("bob reads %+v, %v", all, err)
	}
	w, s, d := all[0], all[1], all[2]
	if w.State != history.RequestWithdrawn || w.By != "alice" || len(w.Users) != 6 || w.Reason != "by its starter" {
		t.Errorf("withdrawn: %+v", w)
	}
	if s.State != history.RequestStarted || s.Approver != "bob" || s.Decided.IsZero() || s.HistoryRun != started.Info().HistoryID {
		t.Errorf("approved: %+v", s)
	}
	if d.State != history.RequestDeclined || d.Approver != "bob" || d.Reason != "too many at once" || d.Why != "4 users, more than approval_over = 3" {
		t.Errorf("declined: %+v", d)
	}
	fifth := srv.Users()[4]
	if named, err := bob.Approvals(ctx, history.Filter{User: fifth}); err != nil || len(named) != 2 || named[0].ID != w.ID || named[1].ID != s.ID {
		t.Errorf("the requests that name %s: %+v, %v", fifth, named, err)
	}
	if mine, err := bob.Approvals(ctx, history.Filter{By: "bob"}); err != nil || len(mine) != 0 {
		t.Errorf("the requests bob filed: %+v, %v", mine, err)
	}
	if theirs, err := erin.Approvals(ctx, history.Filter{}); err != nil || len(theirs) != 0 {
		t.Errorf("erin, who may not use lab, reads %+v, %v", theirs, err)
	}
}
