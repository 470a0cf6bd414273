package admanager_test

import (
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
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
	return s, backendtest.Client(t, profile(s), admanagertest.Token)
}

// runJob runs users through the real runner; no message may carry the AuthToken or a
// password.
func runJob(t testing.TB, b backends.Backend, spec runner.Spec) []backends.Outcome {
	t.Helper()
	return backendtest.Run(t, b, spec, admanagertest.Token)
}

// noSecret fails when text holds the AuthToken or one of the given passwords.
func noSecret(t testing.TB, text string, passwords ...string) {
	t.Helper()
	backendtest.NoSecret(t, text, append(passwords, admanagertest.Token)...)
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
