package runner_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

// Intend sees a pre-made secret before the request that sets it goes out.
func TestIntendRunsBeforeTheRequest(t *testing.T) {
	g := newGate(backends.FromPolicy)
	var mu sync.Mutex
	intended := map[string]string{}
	spec := runner.Spec{Users: users(10), Concurrency: 3}
	rec := &hooks{intend: func(o backends.Outcome) error {
		mu.Lock()
		defer mu.Unlock()
		intended[o.User] = o.Secret
		return nil
	}}
	r, err := g.start(t, spec, rec)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for u := range g.started {
			mu.Lock()
			_, ok := intended[u]
			mu.Unlock()
			if !ok {
				t.Errorf("%s was sent before its secret was journaled", u)
			}
			g.release <- struct{}{}
		}
	}()
	for _, o := range r.Wait() {
		mu.Lock()
		want := intended[o.User]
		mu.Unlock()
		if o.Status != backends.StatusOK || o.Secret == "" || o.Secret != want {
			t.Fatalf("%+v: journaled ahead %q", o, want)
		}
	}
	close(g.started)
}

// When the journal cannot keep the secret, the request is not sent.
func TestIntendFailureSendsNothing(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	r, err := g.start(t, runner.Spec{Users: users(2), Concurrency: 1},
		&hooks{intend: func(backends.Outcome) error { return errors.New("disk full") }})
	if err != nil {
		t.Fatal(err)
	}
	// The first user is skipped with the journal's reason (never sent); the journal
	// failing stops the run, so the rest is skipped too.
	out := r.Wait()
	if o := out[0]; o.Status != backends.StatusSkipped || !strings.Contains(o.Message, "not sent: disk full") {
		t.Fatalf("%+v", o)
	}
	if o := out[1]; o.Status != backends.StatusSkipped || !strings.Contains(o.Message, "journal failed") {
		t.Fatalf("%+v", o)
	}
	if len(g.started) != 0 {
		t.Fatal("a request went out without its secret journaled")
	}
}

// Intend and Record see every request, with or without a secret made ahead (the history
// counts them against a quota), and never a user that was not sent (past the quota).
func TestHooksSeeEveryDispatchedUser(t *testing.T) {
	g := newGate(backends.FromServer)
	close(g.release)
	g.reply = func(t backends.Target) (backends.Result, error) {
		if t.User == "user001" {
			return backends.Result{}, &backends.Error{Kind: backends.Refused, Msg: "no such user"}
		}
		return backends.Result{Secret: "made-by-" + t.User}, nil
	}
	var mu sync.Mutex
	intended, recorded := map[string]bool{}, map[string]backends.Status{}
	left := 3
	spec := runner.Spec{Users: users(5), Concurrency: 1}
	rec := &hooks{quota: &left, intend: func(o backends.Outcome) error {
		mu.Lock()
		defer mu.Unlock()
		if o.Secret != "" {
			t.Errorf("%s: a server-made secret intended ahead: %q", o.User, o.Secret)
		}
		intended[o.User] = true
		return nil
	},
		record: func(o backends.Outcome) error {
			mu.Lock()
			defer mu.Unlock()
			if !intended[o.User] {
				t.Errorf("%s recorded without an intent", o.User)
			}
			recorded[o.User] = o.Status
			return nil
		}}
	r, err := g.start(t, spec, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Wait() {
		mu.Lock()
		st, seen := recorded[o.User]
		mu.Unlock()
		if o.Status == backends.StatusSkipped {
			if seen || intended[o.User] {
				t.Errorf("%s was skipped but reached the hooks", o.User)
			}
			continue
		}
		if !seen || st != o.Status {
			t.Errorf("%s: outcome %s, recorded %q (seen %v)", o.User, o.Status, st, seen)
		}
	}
	// user001 is refused, so the quota of 3 covers users 0, 2 and 3; user004 is skipped.
	if len(recorded) != 4 {
		t.Fatalf("recorded %v, want four users", recorded)
	}
}
