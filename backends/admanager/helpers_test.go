package admanager_test

import (
	"fmt"
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

// setup starts a fake with n users and a client built through the registry, as the
// product does.
func setup(t testing.TB, n int, opts ...admanagertest.Option) (*admanagertest.Server, backends.Backend) {
	t.Helper()
	s := admanagertest.New(n, opts...)
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

// harness is ADManager for the tests every kind shares: set resets.
func harness() backendtest.Harness[*admanagertest.Server] {
	return backendtest.Harness[*admanagertest.Server]{
		Kind: "admanager", Mode: "set", ResetCall: "ResetPwd", LoginCall: "SearchUser",
		Start:   func(n int) *admanagertest.Server { return admanagertest.New(n) },
		Profile: profile, Secret: admanagertest.Token,
		Held: (*admanagertest.Server).Password,
		// The request target holds the AuthToken, and a reset's new password.
		Echoes:        []backendtest.Echo{{Call: "ResetPwd", Status: 200}, {Call: "SearchUser", Status: 200}},
		EchoMark:      "Invalid request: ",
		Password:      "Echo~Pass 1+/é",
		SecretForms:   func(_ backends.Profile, secret string) []string { return []string{strictEscape(secret)} },
		PasswordForms: func(pw string) []string { return []string{strictEscape(pw)} },
	}
}

// strictEscape is a value as the contract wants it in the query: every byte but ASCII
// letters, digits, '-', '_' and '.' percent-encoded (url.QueryEscape leaves '~' and
// writes '+' for a space).
func strictEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// resets returns the ResetPwd requests the fake received.
func resets(s *admanagertest.Server) []admanagertest.Request {
	return s.Calls(admanagertest.PathResetPwd)
}
