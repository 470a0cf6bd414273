package admanager_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/httpx"
)

func profile(s *admanagertest.Server) backends.Profile {
	return backends.Profile{Name: "lab", Kind: "admanager", URL: s.URL + "/", Domain: admanagertest.Domain,
		ProductName: "resetdesk test", DailyQuota: 150}
}

// setup starts a fake and a client built through the registry, as the product does.
func setup(t testing.TB, opts ...admanagertest.Option) (*admanagertest.Server, backends.Backend) {
	t.Helper()
	s := admanagertest.New(opts...)
	t.Cleanup(s.Close)
	return s, client(t, profile(s), admanagertest.Token)
}

func client(t testing.TB, p backends.Profile, secret string) backends.Backend {
	t.Helper()
	k, ok := backends.Lookup("admanager")
	if !ok {
		t.Fatal("kind admanager is not registered")
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

func mode(t testing.TB, name string) backends.Mode {
	t.Helper()
	k, _ := backends.Lookup("admanager")
	m, err := backends.FindMode(k.Modes, name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runJob runs users through the real runner and returns the final outcomes; no message
// may carry the token or a password.
func runJob(t testing.TB, job backends.Job) []backends.Outcome {
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
		noSecret(t, o.Message, o.Secret, job.Password)
	}
	return out
}

// noSecret fails when text holds the AuthToken or one of the given passwords.
func noSecret(t testing.TB, text string, passwords ...string) {
	t.Helper()
	for _, s := range append(passwords, admanagertest.Token) {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret leaked into %q", text)
		}
	}
}

func wantContains(t testing.TB, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("message %q does not contain %q", got, w)
		}
	}
}

// resets returns the ResetPwd requests the fake received.
func resets(s *admanagertest.Server) []admanagertest.Request {
	return s.Calls(admanagertest.PathResetPwd)
}
