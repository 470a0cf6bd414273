package backends_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"resetdesk/backends"
)

// Intend sees a pre-made secret before the request that sets it goes out.
func TestIntendRunsBeforeTheRequest(t *testing.T) {
	g := newGate(backends.FromPolicy)
	var mu sync.Mutex
	intended := map[string]string{}
	job := backends.Job{Backend: g, Mode: g.mode, Users: users(10), Concurrency: 3,
		Intend: func(o backends.Outcome) error {
			mu.Lock()
			defer mu.Unlock()
			intended[o.User] = o.Secret
			return nil
		}}
	r, err := backends.Start(context.Background(), job)
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
	job := backends.Job{Backend: g, Mode: g.mode, Users: users(2),
		Intend: func(backends.Outcome) error { return errors.New("disk full") }}
	r, err := backends.Start(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Wait() {
		if o.Status != backends.StatusFailed || !strings.Contains(o.Message, "not sent: the journal could not keep the new secret: disk full") {
			t.Fatalf("%+v", o)
		}
	}
	if len(g.started) != 0 {
		t.Fatal("a request went out without its secret journaled")
	}
}
