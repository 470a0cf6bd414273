package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// The console's runs are the host's: a console submits to the registry and watches, and
// what happens to the console does not happen to the run.

// console is a console at td, its commands run by a driver, opened as a program opens it
// (Init: the host's changes, the approval requests, what the last session left).
func console(t *testing.T, td *testDesk, w, h int) (*driver, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := newDriver(t, New(ctx, td), w, h)
	d.run(d.c.Init())
	return d, cancel
}

// confirm plans a run of users on profile p (mode gen) at d's console and confirms its
// review with enter: the run page that submitted it.
func confirm(t *testing.T, d *driver, p backends.Profile, be backends.Backend, users []string) *runPage {
	t.Helper()
	pr := fakeProfile(p)
	req, err := runner.NewRequest(be, pr.p, runner.Spec{Mode: "gen", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	d.run(d.c.apply(push{p: newReviewPage(d.c.sh, pr, planOf(t, d.c.sh, req))}))
	d.keys("enter")
	rp, ok := d.c.top().(*runPage)
	if !ok {
		t.Fatalf("enter on the review went to %T:\n%s", d.c.top(), d.screen())
	}
	d.until("the host to take the run", func() bool { return rp.h != nil || rp.startErr != "" })
	return rp
}

// A run goes on when the console that started it ends (a dropped session); the next
// console of the same technician opens with it: its results, what became of it said
// above them, its secrets there to reveal.
func TestRunOutlivesItsConsoleAndTheNextOneOpensWithIt(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com", Concurrency: 1}
	team := teamDesks([]backends.Profile{p}, "alice")
	d, hangUp := console(t, team[0], 80, 24)
	be := newGate(true)
	rp := confirm(t, d, p, be, []string{"u1", "u2", "u3"})
	be.waitEntered(t, 1)
	h := rp.h
	hangUp() // the session drops mid-run
	for range 3 {
		be.release <- struct{}{}
	}
	select {
	case <-h.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not go on to its end without its console")
	}
	if in := h.Info(); in.Tally.OK != 3 {
		t.Fatalf("the run without its console: %+v", in.Tally)
	}

	next, _ := console(t, team[0], 80, 24)
	res := resultsOf(t, next)
	if want := "finished while you were away — 3 ok"; !strings.Contains(flat(next.screen()), want) {
		t.Fatalf("the next console does not say %q:\n%s", want, next.screen())
	}
	next.keys("R")
	if !strings.Contains(next.screen(), "S-u1") {
		t.Fatalf("its secrets are not there to reveal:\n%s", next.screen())
	}
	if res.h.ID() != h.ID() {
		t.Fatal("another run opened")
	}
	// Shown once: a third console does not present it as news.
	third := New(context.Background(), team[0])
	third.Update(reattachCmd(third.sh)())
	if _, ok := third.top().(*profilesPage); !ok {
		t.Fatalf("a run already shown opened again: %T", third.top())
	}
}

// A console that opens while its technician's run still goes on opens on the run.
func TestConsoleOpensOnARunStillGoing(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com", Concurrency: 1}
	team := teamDesks([]backends.Profile{p}, "alice")
	d, hangUp := console(t, team[0], 80, 24)
	be := newGate(true)
	confirm(t, d, p, be, []string{"u1", "u2"})
	be.waitEntered(t, 1)
	hangUp()
	next, _ := console(t, team[0], 80, 24)
	next.until("the run page", func() bool { _, ok := next.c.top().(*runPage); return ok })
	if !strings.Contains(flat(next.screen()), "is still running — 0 of 2 done") {
		t.Fatalf("the run is not said to go on:\n%s", next.screen())
	}
	be.release <- struct{}{}
	be.release <- struct{}{}
	resultsOf(t, next)
}

// Only the technician who started a run (or approved it) sees its secrets: the runs
// page of another lists it not, and its results read by another have no secret column.
func TestOnlyTheStarterSeesTheSecrets(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com"}
	team := teamDesks([]backends.Profile{p}, "alice", "bob")
	d, _ := console(t, team[0], 80, 24)
	confirm(t, d, p, &fakeBackend{}, []string{"u1"})
	resultsOf(t, d)
	bob, _ := console(t, team[1], 80, 24)
	bob.keys("l")
	if v := bob.screen(); !strings.Contains(v, "no run of yours") {
		t.Fatalf("bob's runs page lists alice's run:\n%s", v)
	}
	h := team[1].Runs()[0] // bob may see it (his profile), not its secrets
	res := sized(resultsOfHandle(bob.c.sh, fakeProfile(p), h), 80, 20)
	res.Update(press("R"))
	if v := res.View(); strings.Contains(v, "S-u1") || strings.Contains(v, "secret") {
		t.Fatalf("bob's view of alice's results has a secret column:\n%s", v)
	}
}

// The runs page lists a run started in an earlier session of the technician, and opens
// its results.
func TestRunsPageListsRunsOfEarlierSessions(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com"}
	team := teamDesks([]backends.Profile{p}, "alice")
	d, _ := console(t, team[0], 80, 24)
	confirm(t, d, p, &fakeBackend{}, []string{"u1", "u2"})
	resultsOf(t, d)
	next, _ := console(t, team[0], 80, 24)
	next.keys("l")
	if v := flat(next.screen()); !strings.Contains(v, "1 run of yours") || !strings.Contains(v, "lab gen 2 users") {
		t.Fatalf("the runs page:\n%s", next.screen())
	}
	next.keys("enter")
	if res := resultsOf(t, next); res.tally.OK != 2 {
		t.Fatalf("the earlier run's results: %+v", res.tally)
	}
}

// A run of the technician's that a restart of the host cut off is said on the
// profiles page as the console opens: when, how far, and that recover has its secrets.
func TestConsoleSaysARunWasCutOff(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com"}
	team := teamDesks([]backends.Profile{p}, "alice")
	// The history of a run a killed process left: started, two answers, never finished.
	db, err := history.Open(historyPath(t, team[0]))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started := time.Now().Add(-time.Hour)
	id, err := db.StartRun(ctx, history.RunInfo{OSUser: "x", Technician: "alice", Started: started, Profile: "lab", Kind: "fake", Mode: "gen", Total: 240})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		o := backends.Outcome{Index: i, User: userIDs(240)[i], Status: backends.StatusOK}
		if err := db.Record(ctx, id, o, started.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	d, _ := console(t, team[0], 80, 24)
	d.until("the cut-off note", func() bool { return strings.Contains(flat(d.screen()), "was cut off") })
	want := "a run of yours on lab was cut off at " + runner.TimeText(started.Add(time.Minute)) + " — 2 of 240 done — see recover"
	if v := flat(d.screen()); !strings.Contains(v, want) {
		t.Fatalf("want %q on the profiles page:\n%s", want, d.screen())
	}
}

// Many runs cut off (a month of restarts) never push the profiles out of sight at
// 60x16: the page says the newest and how many more, and the history page has each.
func TestManyCutOffRunsLeaveTheProfilesInSight(t *testing.T) {
	p := backends.Profile{Name: "lab", Kind: "fake", URL: "https://fake.example.com"}
	team := teamDesks([]backends.Profile{p}, "alice")
	db, err := history.Open(historyPath(t, team[0]))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 6 {
		started := time.Now().Add(-time.Duration(i+1) * time.Hour)
		if _, err := db.StartRun(ctx, history.RunInfo{OSUser: "x", Technician: "alice", Started: started, Profile: "lab", Kind: "fake", Mode: "gen", Total: 240}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	d, _ := console(t, team[0], 60, 16)
	d.until("the cut-off notes", func() bool { return strings.Contains(flat(d.screen()), "was cut off") })
	v := flat(d.screen())
	if !strings.Contains(v, "1 lab") || !strings.Contains(v, "Choose the system") || !strings.Contains(v, "and 5 more") {
		t.Fatalf("six cut-off runs at 60x16:\n%s", d.screen())
	}
	d.keys("h")
	d.until("the history page", func() bool { return strings.Count(d.screen(), "notice") >= 2 })
}

// historyPath is the history database of td's host.
func historyPath(t *testing.T, td *testDesk) string {
	t.Helper()
	path, err := history.Path(td.at().Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return path
}
