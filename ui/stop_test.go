package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"resetdesk/backends"
)

// While "Stop the run?" is on screen nothing more goes out: the run is paused when the
// question is asked; n goes on; y stops, and the users never sent are skipped.
func TestRunStopQuestionHoldsEveryRequestNotYetSent(t *testing.T) {
	d := newDriver(t, New(context.Background(), &testDesk{}), 80, 24)
	be := newGate(true)
	rp := startedRun(t, d, be, userIDs(20))
	be.waitEntered(t, 2) // two in flight
	d.keys("ctrl+c")
	if d.c.question == nil || !rp.h.Paused() {
		t.Fatalf("ctrl+c: question %v, paused %v", d.c.question != nil, rp.h.Paused())
	}
	be.release <- struct{}{}
	be.release <- struct{}{}
	d.until("the two in flight to finish", func() bool { return rp.tally.OK == 2 })
	d.keys("n")
	if rp.h.Paused() || d.c.question != nil {
		t.Fatal("n did not let the run go on")
	}
	be.waitEntered(t, 2) // it goes on
	d.keys("esc")
	if !rp.h.Paused() {
		t.Fatal("esc did not ask and pause")
	}
	be.release <- struct{}{}
	be.release <- struct{}{}
	d.until("those two to finish", func() bool { return rp.tally.OK == 4 })
	d.keys("y")
	res := resultsOf(t, d)
	if n := be.calls.Load(); n != 4 {
		t.Fatalf("%d resets went out; 4 were sent before each question", n)
	}
	if res.tally.OK != 4 || res.tally.Skipped != 16 {
		t.Fatalf("tally %+v", res.tally)
	}
}

// A second ctrl+c aborts, as in `run`: the requests in flight are cancelled and the
// rest is skipped; the run ends on its results.
func TestRunSecondCtrlCAborts(t *testing.T) {
	d := newDriver(t, New(context.Background(), &testDesk{}), 80, 24)
	be := newGate(false) // requests hang until cancelled
	rp := startedRun(t, d, be, userIDs(20))
	be.waitEntered(t, 2)
	d.keys("ctrl+c")
	if !strings.Contains(d.screen(), "ctrl+c aborts") {
		t.Fatalf("the question does not say a second ctrl+c aborts:\n%s", d.screen())
	}
	d.keys("ctrl+c")
	res := resultsOf(t, d)
	if res.tally.Skipped != 18 || res.tally.Unknown+res.tally.Failed != 2 || be.calls.Load() != 2 {
		t.Fatalf("after the abort: %+v, %d sent", res.tally, be.calls.Load())
	}
	_ = rp
}

// After y, a ctrl+c no longer waits for the requests in flight: it aborts them.
func TestRunCtrlCWhileStoppingAborts(t *testing.T) {
	d := newDriver(t, New(context.Background(), &testDesk{}), 80, 24)
	be := newGate(false)
	startedRun(t, d, be, userIDs(20))
	be.waitEntered(t, 2)
	d.keys("ctrl+c", "y")
	if !strings.Contains(d.screen(), "stopping") {
		t.Fatalf("no stopping state:\n%s", d.screen())
	}
	d.keys("ctrl+c")
	res := resultsOf(t, d)
	if res.tally.Skipped != 18 {
		t.Fatalf("tally %+v", res.tally)
	}
}

// A run whose first outcomes all fail for the same reason pauses and asks before it
// sends more: no goes back with the rest skipped.
func TestRunPausesWhenTheFirstOutcomesAllFailAlike(t *testing.T) {
	d := newDriver(t, New(context.Background(), &testDesk{}), 80, 24)
	be := newGate(true)
	be.fail = "account policy refused the password"
	rp := startedRun(t, d, be, userIDs(50))
	for range failFastSample {
		be.release <- struct{}{}
	}
	d.until("the question", func() bool { return d.c.question != nil })
	if !rp.h.Paused() || !strings.Contains(d.screen(), "account policy refused the password") {
		t.Fatalf("not paused with the reason (paused %v):\n%s", rp.h.Paused(), d.screen())
	}
	// What is true as it asks: answered, in flight (they finish either way), not sent.
	// A request the runner let go reaches the back end a moment later (later still on a
	// loaded machine): the question, live, settles on what the back end got.
	var sent int32
	want := func() string {
		sent = be.calls.Load()
		return fmt.Sprintf("%d answered · %d in flight (they finish either way) · %d not sent yet. Send the %d not sent yet?",
			failFastSample, int(sent)-failFastSample, 50-int(sent), 50-int(sent))
	}
	d.until("the question to count what went out", func() bool {
		return d.c.question != nil && strings.Contains(d.c.question.text, want())
	})
	for range sent - failFastSample {
		be.release <- struct{}{} // those already in flight finish
	}
	d.until("the question to follow the run", func() bool {
		return d.c.question != nil && strings.Contains(d.c.question.text, fmt.Sprintf("%d answered · 0 in flight", sent))
	})
	d.keys("n")
	res := resultsOf(t, d)
	if be.calls.Load() != sent || res.tally.Skipped != 50-int(sent) || res.tally.Failed != int(sent) {
		t.Fatalf("after no: %d sent (%d when asked), %+v", be.calls.Load(), sent, res.tally)
	}
}

// Failures that differ, or a success among them, do not stop the run.
func TestRunGoesOnWhenTheFirstFailuresDiffer(t *testing.T) {
	d := newDriver(t, New(context.Background(), &testDesk{}), 80, 24)
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := sized(runPageOf(t, d.c.sh, p, fakeRequest(t, &fakeBackend{}, p, []string{"bad", "a", "b", "c", "d", "e", "f"})), 80, 20)
	d.run(d.c.apply(startRun{rp}))
	res := resultsOf(t, d)
	if d.c.question != nil || res.tally.OK != 6 {
		t.Fatalf("question %v, tally %+v", d.c.question, res.tally)
	}
}

// resultsOf waits for the run to end on its results page.
func resultsOf(t *testing.T, d *driver) *resultsPage {
	t.Helper()
	var res *resultsPage
	d.until("the results", func() bool {
		res, _ = d.c.top().(*resultsPage)
		return res != nil
	})
	return res
}
