// Package backendtest is what every back end's tests use to drive a client the way the
// product does: built through the registry with the product's HTTP client, a mode found
// by name, and a job run through the real runner.
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

// profiles remembers the profile each Client was built from, so that a test runs a
// back end by its spec alone, as the product runs a request on the profile it opened.
var profiles sync.Map // backends.Backend -> backends.Profile

// Client builds p's client with backends.Open, as the product does.
func Client(t testing.TB, p backends.Profile, secret string) backends.Backend {
	t.Helper()
	b, err := backends.Open(p, secret)
	if err != nil {
		t.Fatal(err)
	}
	profiles.Store(b, p)
	return b
}

// ProfileOf is the profile b was built from by Client.
func ProfileOf(b backends.Backend) (backends.Profile, error) {
	p, ok := profiles.Load(b)
	if !ok {
		return backends.Profile{}, errors.New("backendtest: build the back end with backendtest.Client")
	}
	return p.(backends.Profile), nil
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

// Run runs spec on b through the real runner (5 s per request unless the
// spec says otherwise, 30 s in all) and returns the final outcomes in input order. No
// outcome's message may hold its own secret, the typed password, or any of secrets (the
// profile's).
func Run(t testing.TB, b backends.Backend, spec runner.Spec, secrets ...string) []backends.Outcome {
	t.Helper()
	return RunWith(t, b, spec, nil, secrets...)
}

// RunWith is Run with a recorder (a quota, say).
func RunWith(t testing.TB, b backends.Backend, spec runner.Spec, rec runner.Recorder, secrets ...string) []backends.Outcome {
	t.Helper()
	out, err := TryRunWith(b, spec, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		NoSecret(t, o.Message, append([]string{o.Secret, spec.Password}, secrets...)...)
	}
	return out
}

// TryRun is Run for tests that expect the run not to start: the error of NewRequest or
// of Start (a refused login).
func TryRun(b backends.Backend, spec runner.Spec) ([]backends.Outcome, error) {
	return TryRunWith(b, spec, nil)
}

// TryRunWith is TryRun with a recorder.
func TryRunWith(b backends.Backend, spec runner.Spec, rec runner.Recorder) ([]backends.Outcome, error) {
	p, err := ProfileOf(b)
	if err != nil {
		return nil, err
	}
	if spec.Timeout == 0 {
		spec.Timeout = 5 * time.Second
	}
	req, err := runner.NewRequest(b, p, spec)
	if err != nil {
		return nil, fmt.Errorf("NewRequest: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := runner.Start(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return run.Wait(), nil
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

// Quota is a recorder that only holds a quota of left successful resets.
type Quota int

func (Quota) Intend(backends.Outcome) error        { return nil }
func (Quota) IntendBatch([]backends.Outcome) error { return nil }
func (Quota) Record(backends.Outcome) error        { return nil }
func (q Quota) QuotaLeft() (int, bool)             { return int(q), true }
func (Quota) Finish([]backends.Outcome)            {}

// Start starts spec on b and returns the run, for tests that read its stream.
func Start(t testing.TB, b backends.Backend, spec runner.Spec) *runner.Run {
	t.Helper()
	return StartWith(t, b, spec, nil)
}

// StartWith is Start with a recorder.
func StartWith(t testing.TB, b backends.Backend, spec runner.Spec, rec runner.Recorder) *runner.Run {
	t.Helper()
	p, err := ProfileOf(b)
	if err != nil {
		t.Fatal(err)
	}
	req, err := runner.NewRequest(b, p, spec)
	if err != nil {
		t.Fatal(err)
	}
	run, err := runner.Start(context.Background(), req, rec)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Prepared runs spec on b the way the front ends do — runner.Prepare (the lookups), then
// the run — and returns the request and the final outcomes in input order. No outcome's
// message may hold its own secret or any of secrets.
func Prepared(t testing.TB, b backends.Backend, spec runner.Spec, secrets ...string) (runner.Request, []backends.Outcome) {
	t.Helper()
	p, err := ProfileOf(b)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Timeout == 0 {
		spec.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := runner.Prepare(ctx, b, p, spec)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	run, err := runner.Start(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := run.Wait()
	for _, o := range out {
		NoSecret(t, o.Message, append([]string{o.Secret, spec.Password}, secrets...)...)
	}
	return req, out
}
