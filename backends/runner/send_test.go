package runner_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
)

// A request that never reached the system is skipped, with why — never failed.
func TestNotSentIsSkippedWithTheReason(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(tg backends.Target) (backends.Result, error) {
		if tg.User == "user001" {
			return backends.Result{}, backends.NewError(backends.NotSent, "password reset not sent: cannot connect to host:1")
		}
		return backends.Result{Message: "done"}, nil
	}
	r, err := g.start(t, runner.Spec{Users: users(3), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Wait()
	if o := out[1]; o.Status != backends.StatusSkipped || o.Message != "password reset not sent: cannot connect to host:1" || o.Secret != "" {
		t.Fatalf("%+v", o)
	}
	if out[0].Status != backends.StatusOK || out[2].Status != backends.StatusOK {
		t.Fatalf("the others: %+v", out)
	}
}

// The system's own "limit spent" (ADManager's daily quota): the user it refused has
// failed, and nothing more is sent — the rest is skipped with the reason.
func TestExhaustedFailsThatUserAndSendsNoMore(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(backends.Target) (backends.Result, error) {
		return backends.Result{}, backends.NewError(backends.Exhausted, "ADManager's daily quota is spent: Daily limit reached")
	}
	r, err := g.start(t, runner.Spec{Users: users(5), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Wait()
	if o := out[0]; o.Status != backends.StatusFailed || !strings.Contains(o.Message, "daily quota is spent") {
		t.Fatalf("the refused user: %+v", o)
	}
	for _, o := range out[1:] {
		if o.Status != backends.StatusSkipped || !strings.Contains(o.Message, "not sent: ADManager's daily quota is spent") {
			t.Fatalf("after the refusal: %+v", o)
		}
	}
	if n := len(g.started); n != 1 {
		t.Fatalf("%d requests sent, want 1", n)
	}
}

// A 429 asking for a day under a 2 s timeout is not waited: that user is skipped with
// what the server asked and when to try again, nothing more is sent, and the run ends
// at once. (Before, it waited a minute five times per user.)
func TestAWaitLongerThanTheTimeoutIsNotWaited(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(backends.Target) (backends.Result, error) {
		return backends.Result{}, &backends.Error{Kind: backends.Throttled, Msg: "HTTP 429 Too Many Requests", RetryAfter: 24 * time.Hour}
	}
	req, err := runner.NewRequest(g, g.profile, runner.Spec{Mode: "set", Users: users(4), Concurrency: 1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Generous: the run must end long before; before the fix it took 5 minutes a user.
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	asked := time.Now().Add(24 * time.Hour)
	r, err := runner.Start(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := r.Wait()
	if ctx.Err() != nil {
		t.Fatal("the run waited for the server's 24 hours")
	}
	const said = "the server asked to wait 24h: rate limited; try again after "
	for i, o := range out {
		if o.Status != backends.StatusSkipped || !strings.Contains(o.Message, said) {
			t.Fatalf("user %d: %+v", i, o)
		}
	}
	// The time to try again is tomorrow's, dated, and never before the wait is over.
	_, when, _ := strings.Cut(out[0].Message, said)
	at, err := time.ParseInLocation("2006-01-02 15:04", when, time.Local)
	if err != nil || at.Before(asked.Truncate(time.Second)) {
		t.Fatalf("try again after %q (%v), the server asked until %v", when, err, asked)
	}
	if n := len(g.started); n != 1 {
		t.Fatalf("%d requests sent, want 1: the server would refuse the rest alike", n)
	}
	if !strings.Contains(r.Halted(), "try again after") {
		t.Fatalf("the run does not say when to try again: %q", r.Halted())
	}
}

// A wait the server asks for within the timeout is waited, then the request is sent
// again.
func TestAShortWaitIsWaited(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var calls atomic.Int64
	g.reply = func(backends.Target) (backends.Result, error) {
		if calls.Add(1) == 1 {
			return backends.Result{}, &backends.Error{Kind: backends.Throttled, Msg: "HTTP 429", RetryAfter: 200 * time.Millisecond}
		}
		return backends.Result{Message: "done"}, nil
	}
	r, err := g.start(t, runner.Spec{Users: users(1), Concurrency: 1, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Wait()[0]; o.Status != backends.StatusOK {
		t.Fatalf("%+v", o)
	}
	if n := len(g.started); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// A server that echoes what it was sent before (its log, a batch) into another user's
// answer: no secret of the run is kept in any message, in any escaping.
func TestEverySecretOfTheRunIsRemovedFromEveryMessage(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(tg backends.Target) (backends.Result, error) {
		if tg.User == "user000" {
			return backends.Result{Message: "done"}, nil
		}
		first, _ := g.sent.Load("user000")
		return backends.Result{}, backends.NewError(backends.Refused, fmt.Sprintf("recent requests: %q", `{"newPassword":"`+first.(string)+`"}`))
	}
	r, err := g.start(t, runner.Spec{Users: users(2), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Wait()
	first, _ := g.sent.Load("user000")
	if o := out[1]; o.Status != backends.StatusFailed || !strings.Contains(o.Message, "[secret]") {
		t.Fatalf("%+v", o)
	}
	backendtest.NoSecretRun(t, []string{out[1].Message}, first.(string))
}

// A system that asks to slow down without naming a wait is waited a moment of the
// runner's own, within the timeout: no wait it asked for is past the timeout.
func TestAThrottleWithNoWaitNamedIsWaited(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var calls atomic.Int64
	g.reply = func(backends.Target) (backends.Result, error) {
		if calls.Add(1) == 1 {
			return backends.Result{}, &backends.Error{Kind: backends.Throttled, Msg: "HTTP 429"}
		}
		return backends.Result{Message: "done"}, nil
	}
	r, err := g.start(t, runner.Spec{Users: users(1), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Wait()[0]; o.Status != backends.StatusOK || calls.Load() != 2 {
		t.Fatalf("%+v after %d requests", o, calls.Load())
	}
}
