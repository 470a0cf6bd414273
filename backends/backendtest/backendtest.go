// Package backendtest is what every back end's tests use to drive a client the way the
// product does: built through the registry with the product's HTTP client, a mode found
// by name, and a job run through the real runner.
package backendtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// Client builds p.Kind's client for p through the registry, as a profile does.
func Client(t testing.TB, p backends.Profile, secret string) backends.Backend {
	t.Helper()
	k, ok := backends.Lookup(p.Kind)
	if !ok {
		t.Fatalf("kind %q is not registered", p.Kind)
	}
	hc, err := httpx.NewClient(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.New(p, secret, hc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Mode is kind's mode called name (any case).
func Mode(t testing.TB, kind, name string) backends.Mode {
	t.Helper()
	k, ok := backends.Lookup(kind)
	if !ok {
		t.Fatalf("kind %q is not registered", kind)
	}
	m, err := backends.FindMode(k.Modes, name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Run runs job through the real runner (5 s per request unless the job says otherwise,
// 30 s in all) and returns the final outcomes in input order. No outcome's message may
// hold its own secret, the job's typed password, or any of secrets (the profile's).
func Run(t testing.TB, job backends.Job, secrets ...string) []backends.Outcome {
	t.Helper()
	if job.Timeout == 0 {
		job.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := backends.Start(ctx, job)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	out := run.Wait()
	for _, o := range out {
		NoSecret(t, o.Message, append([]string{o.Secret, job.Password}, secrets...)...)
	}
	return out
}

// NoSecret fails the test when text holds any of secrets.
func NoSecret(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret leaked into %q", text)
		}
	}
}

// Expect fails the test unless o has status and its message holds every one of want
// and none of reject.
func Expect(t testing.TB, o backends.Outcome, status backends.Status, want, reject []string) {
	t.Helper()
	if o.Status != status {
		t.Fatalf("%s: status %s, want %s (%s)", o.User, o.Status, status, o.Message)
	}
	for _, w := range want {
		if !strings.Contains(o.Message, w) {
			t.Errorf("message %q lacks %q", o.Message, w)
		}
	}
	for _, r := range reject {
		if strings.Contains(o.Message, r) {
			t.Errorf("message %q has %q", o.Message, r)
		}
	}
}
