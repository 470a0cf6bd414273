package ui

import (
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/desk"
)

// lab3 is a profile whose runs of more than 3 users need a second technician.
var lab3 = backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com", ApprovalOver: 3}

// waitingRun plans alice's 5-user run at d and confirms it: it waits for approval, and
// her run page says so.
func waitingRun(t *testing.T, d *driver, p backends.Profile) *runPage {
	t.Helper()
	rp := confirm(t, d, p, &fakeBackend{}, userIDs(5))
	d.until("waiting for approval", func() bool { return strings.Contains(d.screen(), "waiting for approval") })
	if rp.h == nil || rp.info.State != desk.StateWaiting {
		t.Fatalf("the run is not waiting: %+v\n%s", rp.info, d.screen())
	}
	return rp
}

// Alice's 5-user run on a profile with approval_over = 3 waits; bob's console says
// "1 waiting for approval" in its header; bob presses a, then enter; alice's screen
// shows the run and then its results with 5 ok.
func TestApprovalByAnotherTechnicianStartsTheStartersRun(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	waitingRun(t, alice, lab3)
	if v := flat(alice.screen()); !strings.Contains(v, "w withdraws the request") || !strings.Contains(v, "5 users, more than approval_over = 3") ||
		!strings.Contains(v, "who may approve it: bob") {
		t.Fatalf("the starter's run page does not say why it waits and what she may do:\n%s", alice.screen())
	}
	bob, _ := console(t, team[1], 80, 24)
	bob.until("the header's count", func() bool { return strings.Contains(bob.screen(), "1 waiting for approval") })
	bob.keys("a")
	bob.until("the request's plan", func() bool { return strings.Contains(flat(bob.screen()), "needs a second technician") })
	v := flat(bob.screen())
	for _, want := range []string{"from alice at", "lab (fake)", "gen", "user000", "5 users, more than approval_over = 3", "Press enter to approve alice's run"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the request does not show %q:\n%s", want, bob.screen())
		}
	}
	bob.keys("enter")
	bob.until("the approval", func() bool { return strings.Contains(bob.screen(), "approved: alice's run") })
	res := resultsOf(t, alice)
	if res.tally.OK != 5 {
		t.Fatalf("alice's results: %+v", res.tally)
	}
	bob.until("the header's count to go", func() bool { return !strings.Contains(bob.screen(), "waiting for approval") })
}

// Nobody approves their own request: an approver who asked sees it among the
// requests, saying so, and enter does not approve it.
func TestNobodyApprovesTheirOwnRequest(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "carol", "alice", "bob")
	alice, _ := console(t, team[1], 80, 24)
	rp := waitingRun(t, alice, lab3)
	alice.keys("a")
	alice.until("her request", func() bool { return strings.Contains(flat(alice.screen()), "nobody approves their own") })
	alice.keys("enter")
	alice.until("the refusal", func() bool {
		return strings.Contains(flat(alice.screen()), "nobody approves their own request: another approver must")
	})
	if rp.h.Info().State != desk.StateWaiting {
		t.Fatal("her own request was approved")
	}
	if strings.Contains(alice.screen(), "1 waiting for approval") {
		t.Fatal("her own request counts in her header")
	}
}

// Bob declines with a reason: alice's run page says who declined it and why.
func TestDeclineWithAReasonReachesTheStarter(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	waitingRun(t, alice, lab3)
	bob, _ := console(t, team[1], 80, 24)
	bob.until("the header's count", func() bool { return strings.Contains(bob.screen(), "1 waiting for approval") })
	bob.keys("a", "d")
	bob.keys("enter")
	bob.until("a reason asked for", func() bool { return strings.Contains(bob.screen(), "say why") })
	bob.typed("wrong list")
	bob.keys("enter")
	alice.until("the decline", func() bool { return strings.Contains(flat(alice.screen()), "declined by bob: wrong list") })
	if title := strings.SplitN(alice.screen(), "\n", 2)[0]; !strings.Contains(title, "not started") {
		t.Fatalf("a declined run's page is titled as running: %q", title)
	}
	// Bob's runs list what he decided, whose it was, and the reason said once.
	bob.until("his decision said", func() bool { return strings.Contains(bob.screen(), "declined alice's run") })
	if strings.Contains(bob.screen(), "next request") {
		t.Fatalf("with no request left the footer offers the next one:\n%s", bob.screen())
	}
	bob.keys("esc", "l")
	bob.until("his runs", func() bool { return strings.Contains(bob.screen(), "of yours at this host") })
	if v := flat(bob.screen()); !strings.Contains(v, "alice's, decided by you") || !strings.Contains(v, "declined by bob: wrong list") ||
		strings.Contains(v, "declined: declined") {
		t.Fatalf("bob's runs page:\n%s", bob.screen())
	}
}

// The starter withdraws a run that waits (w): it ends, and no approver sees it.
func TestStarterWithdrawsAWaitingRun(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	rp := waitingRun(t, alice, lab3)
	alice.keys("w")
	alice.until("the withdrawal", func() bool { return strings.Contains(flat(alice.screen()), "withdrawn by its starter") })
	if rp.h.Info().State != desk.StateWithdrawn {
		t.Fatalf("state %s", rp.h.Info().State)
	}
	if reqs, _ := team[1].Pending(t.Context()); len(reqs) != 0 {
		t.Fatalf("bob still sees %d requests", len(reqs))
	}
}

// A request nobody decides expires: the starter's page says so, with the time.
func TestUndecidedRequestExpires(t *testing.T) {
	p := lab3
	p.ApprovalTTL = 300 * time.Millisecond
	team := teamDesks([]backends.Profile{p}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	rp := waitingRun(t, alice, p)
	if v := flat(alice.screen()); !strings.Contains(v, "expires at "+rp.info.Approval.Expires.Format("15:04")) {
		t.Fatalf("the expiry is not shown:\n%s", alice.screen())
	}
	alice.until("the expiry", func() bool { return strings.Contains(flat(alice.screen()), "expired: nobody approved it") })
}

// A request survives a restart of serve: the next host takes it over, bob approves it
// there, and alice's next console opens on her run, which runs to its results.
func TestRequestSurvivesARestartOfServe(t *testing.T) {
	home := t.TempDir()
	cfg := func() *desk.Host {
		return newTestHostAt(teamConfig([]backends.Profile{lab3}, "alice", []string{"bob"}), home)
	}
	first := teamDesksAt(cfg())
	alice, hangUp := console(t, first[0], 80, 24)
	waitingRun(t, alice, lab3)
	hangUp()
	first[0].real.Host.Close() // serve stops: the request goes back to the history

	second := teamDesksAt(cfg())
	bob, _ := console(t, second[1], 80, 24)
	bob.until("the header's count", func() bool { return strings.Contains(bob.screen(), "1 waiting for approval") })
	again, _ := console(t, second[0], 80, 24)
	again.until("her waiting run", func() bool { return strings.Contains(flat(again.screen()), "still waits for a second technician") })
	bob.keys("a")
	bob.until("the request's plan", func() bool { return strings.Contains(flat(bob.screen()), "Press enter to approve") })
	bob.keys("enter")
	if res := resultsOf(t, again); res.tally.OK != 5 {
		t.Fatalf("alice's results after the restart: %+v", res.tally)
	}

}

// At a console no other technician reaches (the local one), a run that needs approval
// is refused in the review, with the way to ask for one.
func TestLocalConsoleRefusesARunThatNeedsApproval(t *testing.T) {
	sh := testShared()
	r := newTestReviewOf(t, sh, lab3, nil, userIDs(5)...)
	if v := flat(r.View()); !strings.Contains(v, "start it from the team console") || !strings.Contains(v, "--wait-approval") {
		t.Fatalf("the local review does not refuse it:\n%s", r.View())
	}
	if n := navOf(r.Update(press("enter"))); n != nil {
		t.Fatal("the local console confirmed a run that needs approval")
	}
}

// A refresh never turns enter into the approval of a request not read: the decline's
// reason field stays open through a refresh, and when the request shown is decided
// elsewhere, the next one shown must be read first.
func TestEnterNeverApprovesARequestNotRead(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	first := waitingRun(t, alice, lab3)
	alice.keys("esc")
	second := waitingRun(t, alice, lab3)
	bob, _ := console(t, team[1], 80, 24)
	bob.until("the header's count", func() bool { return strings.Contains(bob.screen(), "2 waiting for approval") })
	bob.keys("a")
	ap := bob.c.top().(*approvalsPage)
	shown, _ := ap.current()
	gone, other := first, second
	if shown.id != first.info.Approval.Request {
		gone, other = second, first
	}
	if err := gone.h.Withdraw(t.Context()); err != nil {
		t.Fatal(err)
	}
	bob.until("the page to follow", func() bool { it, _ := ap.current(); return it.id == other.info.Approval.Request })
	bob.until("its plan", func() bool { return strings.Contains(flat(bob.screen()), "Press enter to approve") })
	bob.keys("enter")
	bob.until("the warning", func() bool { return strings.Contains(flat(bob.screen()), "read it, then enter approves it") })
	if other.h.Info().State != desk.StateWaiting {
		t.Fatal("enter approved a request that replaced the one read")
	}
	bob.keys("enter")
	bob.until("the approval", func() bool { return strings.Contains(bob.screen(), "approved: alice's run") })
}

// A page opened over the run page (the approvals, the runs) does not stop its watch:
// approved meanwhile, the run's results take its place under it.
func TestRunPageCoveredByAnotherPageGoesOnWatching(t *testing.T) {
	team := teamDesks([]backends.Profile{lab3}, "alice", "bob")
	alice, _ := console(t, team[0], 80, 24)
	rp := waitingRun(t, alice, lab3)
	alice.keys("a")
	if _, ok := alice.c.top().(*approvalsPage); !ok {
		t.Fatalf("a opened %T", alice.c.top())
	}
	if _, err := team[1].Approve(t.Context(), rp.info.Approval.Request); err != nil {
		t.Fatal(err)
	}
	alice.until("the results under the approvals", func() bool {
		_, ok := alice.c.stack[len(alice.c.stack)-2].(*resultsPage)
		return ok
	})
	alice.keys("esc")
	if res, ok := alice.c.top().(*resultsPage); !ok || res.tally.OK != 5 {
		t.Fatalf("esc from the approvals went to %T", alice.c.top())
	}
}
