package webadm_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm/webadmtest"
)

func profile(s *webadmtest.Server) backends.Profile {
	return backends.Profile{
		Name: "lab", Kind: "webadm", URL: s.URL,
		Username: webadmtest.Username, Domain: webadmtest.Domain, BaseDN: webadmtest.BaseDN,
	}
}

// setup starts a fake with n users and a client built through the registry, as the
// product does.
func setup(t testing.TB, n int, opts ...webadmtest.Option) (*webadmtest.Server, backends.Backend) {
	t.Helper()
	s := webadmtest.New(n, opts...)
	t.Cleanup(s.Close)
	return s, backendtest.Client(t, profile(s), webadmtest.Password)
}

func mode(t testing.TB, name string) backends.Mode { return backendtest.Mode(t, "webadm", name) }

// harness is WebADM for the tests every kind shares: set resets, whose changing call is
// Set_User_Password.
func harness() backendtest.Harness[*webadmtest.Server] {
	return backendtest.Harness[*webadmtest.Server]{
		Kind: "webadm", Mode: "set", ResetCall: "Set_User_Password", LoginCall: "Server_Status",
		Start:   func(n int) *webadmtest.Server { return webadmtest.New(n) },
		Profile: profile, Secret: webadmtest.Password,
		Held: (*webadmtest.Server).Password,
		// Every call carries the Basic credentials.
		Echoes:   []backendtest.Echo{{Call: "*", Status: 400}},
		EchoMark: "Request refused (Authorization",
		Password: "Echo~Pass 1+/é",
		SecretForms: func(p backends.Profile, secret string) []string {
			return []string{p.Username + ":" + secret} // base64-encoded in the header
		},
	}
}

// runJob runs users through the real runner; no message may carry the administrator's
// password in any form.
func runJob(t testing.TB, b backends.Backend, spec runner.Spec) []backends.Outcome {
	t.Helper()
	return backendtest.Run(t, b, spec, adminSecrets()...)
}

// noSecret fails when text holds the administrator's password in any form.
func noSecret(t testing.TB, text string) {
	t.Helper()
	backendtest.NoSecret(t, text, adminSecrets()...)
}

// adminSecrets is the administrator's password, plain and in its Basic header.
func adminSecrets() []string {
	basic := base64.StdEncoding.EncodeToString([]byte(webadmtest.Username + ":" + webadmtest.Password))
	return []string{webadmtest.Password, basic}
}

// param decodes one JSON-RPC parameter of a logged request.
func param[T any](t testing.TB, r webadmtest.Request, key string) T {
	t.Helper()
	var v T
	raw, ok := r.Params[key]
	if !ok {
		t.Fatalf("%s: parameter %q missing in %s", r.RPCMethod, key, r.Body)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: parameter %q = %s: %v", r.RPCMethod, key, raw, err)
	}
	return v
}

func keys(r webadmtest.Request) []string {
	var out []string
	for k := range r.Params {
		out = append(out, k)
	}
	return out
}

func wantKeys(t testing.TB, r webadmtest.Request, want ...string) {
	t.Helper()
	got := keys(r)
	if len(got) != len(want) {
		t.Fatalf("%s params = %v, want exactly %v", r.RPCMethod, got, want)
	}
	for _, k := range want {
		if _, ok := r.Params[k]; !ok {
			t.Fatalf("%s params = %v, want exactly %v", r.RPCMethod, got, want)
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

func kindOf(t testing.TB, err error) backends.ErrorKind {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	noSecret(t, err.Error())
	return backends.KindOf(err)
}
