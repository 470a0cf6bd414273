package webadm_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
	"resetdesk/backends/webadm/webadmtest"
)

func profile(s *webadmtest.Server) backends.Profile {
	return backends.Profile{
		Name: "lab", Kind: "webadm", URL: s.URL,
		Username: webadmtest.Username, Domain: webadmtest.Domain, BaseDN: webadmtest.BaseDN,
	}
}

// setup starts a fake and a client built through the registry, as the product does.
func setup(t testing.TB, opts ...webadmtest.Option) (*webadmtest.Server, backends.Backend) {
	t.Helper()
	s := webadmtest.New(opts...)
	t.Cleanup(s.Close)
	return s, client(t, profile(s), webadmtest.Password)
}

func client(t testing.TB, p backends.Profile, secret string) backends.Backend {
	t.Helper()
	k, ok := backends.Lookup("webadm")
	if !ok {
		t.Fatal("kind webadm is not registered")
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
	k, _ := backends.Lookup("webadm")
	m, err := backends.FindMode(k.Modes, name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runJob runs users through the real runner and returns the final outcomes.
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
		noSecret(t, o.Message)
	}
	return out
}

// noSecret fails when text holds the administrator's password in any form.
func noSecret(t testing.TB, text string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(webadmtest.Username + ":" + webadmtest.Password))
	for _, s := range []string{webadmtest.Password, basic} {
		if strings.Contains(text, s) {
			t.Errorf("a secret leaked into %q", text)
		}
	}
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
