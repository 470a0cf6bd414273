package emm_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/emm"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/runner"
)

func profileOn(srv *emmtest.Server) backends.Profile {
	return backends.Profile{Name: "t", Kind: "emm", URL: srv.URL + "/", Username: emmtest.Username}
}

func newClient(t *testing.T, srv *emmtest.Server, password string) backends.Backend {
	t.Helper()
	return backendtest.Client(t, profileOn(srv), password)
}

// harness is EMM for the tests every kind shares.
func harness() backendtest.Harness[*emmtest.Server] {
	return backendtest.Harness[*emmtest.Server]{
		Kind: "emm", Mode: "set", ResetCall: "/reset-password", LoginCall: "/oauth2/token",
		Start:   func(n int) *emmtest.Server { return emmtest.New(n) },
		Profile: profileOn, Secret: emmtest.Password,
		Held: (*emmtest.Server).Password,
		// The token form holds the admin's password; a reset the base64 of the new one.
		Echoes:   []backendtest.Echo{{Call: "/oauth2/token", Status: 400}, {Call: "/reset-password", Status: 502}},
		EchoMark: "Could not process the request",
		Password: "Echo~Pass1+/é",
	}
}

func TestConformance(t *testing.T) { backendtest.Conformance(t, harness()) }

func requestsTo(srv *emmtest.Server, method, path string) []emmtest.Request {
	var out []emmtest.Request
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// grants counts token requests by grant_type.
func grants(srv *emmtest.Server, grant string) int {
	n := 0
	for _, r := range requestsTo(srv, "POST", "/oauth2/token") {
		if q, _ := url.ParseQuery(r.Body); q.Get("grant_type") == grant {
			n++
		}
	}
	return n
}

func TestRunSendsExactRequests(t *testing.T) {
	srv := emmtest.New(6)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	users := srv.Users()[:4]
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: users, Concurrency: 2})

	regs := requestsTo(srv, "POST", "/dynamic-client-web/register")
	if len(regs) != 1 || regs[0].Auth != "" || regs[0].ContentType != "application/json" {
		t.Fatalf("registrations = %+v", regs)
	}
	var reg map[string]any
	if err := json.Unmarshal([]byte(regs[0].Body), &reg); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"owner": "admin", "clientName": "resetdesk", "grantType": "password refresh_token", "tokenScope": "prod", "saasApp": true}
	if len(reg) != len(want) {
		t.Fatalf("registration body = %s", regs[0].Body)
	}
	for k, v := range want {
		if reg[k] != v {
			t.Fatalf("registration %s = %v, want %v", k, reg[k], v)
		}
	}

	toks := requestsTo(srv, "POST", "/oauth2/token")
	if len(toks) != 1 {
		t.Fatalf("token requests = %d, want 1", len(toks))
	}
	if toks[0].ContentType != "application/x-www-form-urlencoded" {
		t.Fatalf("token Content-Type = %q", toks[0].ContentType)
	}
	basic, ok := strings.CutPrefix(toks[0].Auth, "Basic ")
	cred, _ := base64.StdEncoding.DecodeString(basic)
	if id, secret, found := strings.Cut(string(cred), ":"); !ok || !found || id == "" || secret == "" {
		t.Fatalf("token Authorization = %q", toks[0].Auth)
	}
	form, _ := url.ParseQuery(toks[0].Body)
	if form.Encode() != (url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {emmtest.Password}, "scope": {"prod"}}).Encode() {
		t.Fatalf("token form = %s", toks[0].Body)
	}

	resets := requestsTo(srv, "POST", "/mdm-admin/users/reset-password")
	if len(resets) != len(users) {
		t.Fatalf("resets = %d, want %d", len(resets), len(users))
	}
	sent := map[string]string{}
	for _, r := range resets {
		if !strings.HasPrefix(r.Auth, "Bearer ") || r.ContentType != "application/json" {
			t.Fatalf("reset headers: auth %q, type %q", r.Auth, r.ContentType)
		}
		var body map[string]string
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil || len(body) != 3 {
			t.Fatalf("reset body = %s", r.Body)
		}
		if v, has := body["oldPassword"]; !has || v != "" {
			t.Fatalf("oldPassword = %q, want present and empty", v)
		}
		pw, err := base64.StdEncoding.DecodeString(body["newPassword"])
		if err != nil {
			t.Fatalf("newPassword %q is not base64: %v", body["newPassword"], err)
		}
		sent[body["username"]] = string(pw)
	}
	seen := map[string]bool{}
	for i, o := range out {
		if o.Status != backends.StatusOK || o.User != users[i] {
			t.Fatalf("outcome %d = %+v", i, o)
		}
		if !strings.Contains(o.Message, "was successfully changed") {
			t.Fatalf("message = %q", o.Message)
		}
		if held := srv.Password(o.User); held == "" || held != o.Secret || sent[o.User] != o.Secret {
			t.Fatalf("%s: shown %q, sent %q, server holds %q", o.User, o.Secret, sent[o.User], held)
		}
		if err := emm.CheckPassword(o.Secret); err != nil || seen[o.Secret] {
			t.Fatalf("generated %q: %v (duplicate %v)", o.Secret, err, seen[o.Secret])
		}
		seen[o.Secret] = true
	}
}

func TestTypedPasswordIsBase64OfUTF8(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	user := srv.Users()[0]
	const typed = "Pässwörd€9"
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: []string{user}, Password: typed})
	if out[0].Status != backends.StatusOK || out[0].Secret != typed || srv.Password(user) != typed {
		t.Fatalf("outcome %+v, server holds %q", out[0], srv.Password(user))
	}
	r := requestsTo(srv, "POST", "/mdm-admin/users/reset-password")[0]
	if !strings.Contains(r.Body, base64.StdEncoding.EncodeToString([]byte(typed))) {
		t.Fatalf("body %s does not carry the base64 of the UTF-8 password", r.Body)
	}
}

// The fake decodes leniently, as EMM does: a password sent in the clear is stored as
// garbage. This guards the fake's fidelity, on which the encoding test above relies.
func TestFakeDecodesLeniently(t *testing.T) {
	srv := emmtest.New(1)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Borrow the client's token from the header of a search it makes.
	if _, err := b.Search(context.Background(), "*", 1); err != nil {
		t.Fatal(err)
	}
	auth := requestsTo(srv, "GET", "/mdm-admin/users")[0].Auth
	user := srv.Users()[0]
	req, _ := http.NewRequest("POST", srv.URL+"/mdm-admin/users/reset-password",
		strings.NewReader(`{"username":"`+user+`","oldPassword":"","newPassword":"Secret12345"}`))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := srv.Password(user); got == "Secret12345" {
		t.Fatalf("an unencoded password was stored as typed (%q): the fake is not lenient like EMM", got)
	}
}

func TestConsoleRuleRefusesBeforeSending(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	cases := map[string]string{
		"has space1":            "whitespace",
		"tab\there1":            "whitespace",
		"abcd":                  "5 to 30",
		strings.Repeat("x", 31): "5 to 30",
		"":                      "", // no typed password: generated, fine
		strings.Repeat("é", 30): "", // 30 characters, 60 bytes: allowed
		"ok-pass":               "",
		"line\nbreak1":          "whitespace",
		"no\u00a0break1":        "whitespace", // JavaScript's \s covers it; Go's \s does not
		"bom\ufeffmark1":        "whitespace",
	}
	for pw, want := range cases {
		err := backendtest.Mode(t, "emm", "set").CheckPassword(pw)
		if pw == "" {
			continue
		}
		if want == "" {
			if err != nil {
				t.Errorf("%q refused: %v", pw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", pw, err, want)
		}
		_, serr := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: srv.Users()[:1], Password: pw})
		if serr == nil || strings.Contains(serr.Error(), pw) && len(pw) > 3 {
			t.Errorf("Start with %q: %v", pw, serr)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests went out for refused passwords", n)
	}
}

func TestPolicyPasswordsPassTheConsoleRule(t *testing.T) {
	mode := backendtest.Mode(t, "emm", "set")
	for range 300 {
		pw, err := mode.Policy.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := mode.CheckPassword(pw); err != nil {
			t.Fatalf("policy made %q: %v", pw, err)
		}
	}
}

func TestNewRefusesBadProfiles(t *testing.T) {
	if _, err := emm.New(backends.Profile{Name: "t", URL: "emm.example.com", Username: "admin"}, "x", nil); err == nil {
		t.Fatal("a URL without scheme was accepted")
	}
	if _, err := emm.New(backends.Profile{Name: "t", URL: "https://emm.example.com"}, "x", nil); err == nil || !strings.Contains(err.Error(), "username") {
		t.Fatalf("missing username: %v", err)
	}
	k, ok := backends.Lookup("emm")
	if !ok || len(k.Required) != 1 || k.Required[0] != "username" || k.SecretLabel != "password" {
		t.Fatalf("kind = %+v", k)
	}
}

func TestBadLoginSendsNoReset(t *testing.T) {
	srv := emmtest.New(3)
	defer srv.Close()
	b := newClient(t, srv, "wrong-secret")
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: srv.Users()})
	if err == nil || backends.KindOf(err) != backends.BadLogin || !strings.Contains(err.Error(), `EMM refused the login of "admin"`) ||
		!strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatal("the password leaked into the error")
	}
	if srv.Resets() != 0 {
		t.Fatal("a reset went out after a bad login")
	}
}

func TestExpiredTokenMidRunIsRefreshed(t *testing.T) {
	srv := emmtest.New(30)
	defer srv.Close()
	// A little latency paces the workers as a real server does: with none, three
	// workers can use up a renewed token before the fourth retries with it.
	srv.SetQuirks(emmtest.Quirks{ExpireAfter: 8})
	srv.SetFaults(emmtest.Faults{Latency: 2 * time.Millisecond})
	b := newClient(t, srv, emmtest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users(), Concurrency: 4})
	for _, o := range out {
		if o.Status != backends.StatusOK || srv.Password(o.User) != o.Secret {
			t.Fatalf("%s: %+v (server holds %q)", o.User, o, srv.Password(o.User))
		}
	}
	if n := grants(srv, "refresh_token"); n < 30/8 {
		t.Fatalf("refresh grants = %d, want one per expiry", n)
	}
	if n := grants(srv, "refresh_token"); n > 30/8+2 {
		t.Fatalf("refresh grants = %d: workers refreshed separately", n)
	}
	if n := grants(srv, "password"); n != 1 {
		t.Fatalf("password grants = %d: the refresh token should have been used", n)
	}
	if len(requestsTo(srv, "POST", "/mdm-admin/users/reset-password")) <= 30 {
		t.Fatal("no reset was refused for an expired token: the test proves nothing")
	}
}

func TestRefusedRefreshFallsBackToPassword(t *testing.T) {
	srv := emmtest.New(3)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	srv.SetQuirks(emmtest.Quirks{RefuseRefresh: true})
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users()[:1]})
	if out[0].Status != backends.StatusOK {
		t.Fatalf("%+v", out[0])
	}
	if grants(srv, "refresh_token") != 1 || grants(srv, "password") != 2 {
		t.Fatalf("grants: refresh %d, password %d", grants(srv, "refresh_token"), grants(srv, "password"))
	}
}

func TestForgottenClientIsRegisteredAgain(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ForgetClients()
	if err := b.Login(ctx); err != nil {
		t.Fatalf("login after the server forgot the client: %v", err)
	}
	if n := len(requestsTo(srv, "POST", "/dynamic-client-web/register")); n != 2 {
		t.Fatalf("registrations = %d, want 2", n)
	}
}

func TestTokenRefusedEvenAfterReloginFails(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	srv.SetFaults(emmtest.Faults{Fail: "/reset-password", FailStatus: 401})
	b := newClient(t, srv, emmtest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users()[:1]})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "session expired again") {
		t.Fatalf("%+v", out[0])
	}
	if n := srv.Resets(); n != 0 {
		t.Fatalf("the fake counted %d resets it refused", n)
	}
	if n := len(requestsTo(srv, "POST", "/mdm-admin/users/reset-password")); n != 2 {
		t.Fatalf("reset attempts = %d, want 2 (one retry after the re-login)", n)
	}
}

func TestRefusalsShowTheServersText(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: []string{"ghost", srv.Users()[0]}})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "HTTP 400") ||
		!strings.Contains(out[0].Message, "Could not change the password.") || !strings.Contains(out[0].Message, "unknown user") {
		t.Fatalf("unknown user: %+v", out[0])
	}
	if out[1].Status != backends.StatusOK {
		t.Fatalf("the next user must still be reset: %+v", out[1])
	}

	srv.SetQuirks(emmtest.Quirks{ReadOnly: true})
	out = backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users()[1:2]})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "read-only user store") {
		t.Fatalf("read-only store: %+v", out[0])
	}

	srv.SetQuirks(emmtest.Quirks{})
	srv.SetFaults(emmtest.Faults{Fail: "/reset-password", FailStatus: 500, FailBody: emmtest.BodyEncoding})
	out = backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users()[1:2]})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "The Character Encoding is not supported.") {
		t.Fatalf("encoding error: %+v", out[0])
	}
}

// A 201 whose body is cut off: the password was most likely set, the answer is lost.
func TestCutOffSuccessIsUnknown(t *testing.T) {
	srv := emmtest.New(2)
	defer srv.Close()
	srv.SetFaults(emmtest.Faults{Fail: "/reset-password", FailStatus: 201, FailBody: fakekit.BodyTruncated})
	b := newClient(t, srv, emmtest.Password)
	o := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: srv.Users()[:1]})[0]
	backendtest.Expect(t, o, backends.StatusUnknown, []string{"cut off", "may have changed"}, []string{"unexpected end"})
	if o.Secret == "" {
		t.Fatal("the outcome lost the password that may be in effect")
	}
}

func TestLoginFaults(t *testing.T) {
	cases := []struct {
		name   string
		faults emmtest.Faults
		kind   backends.ErrorKind
		want   string
	}{
		{"token endpoint html", emmtest.Faults{Fail: "/oauth2/token", FailStatus: 503, FailBody: fakekit.BodyHTML}, backends.Refused, "HTML page"},
		{"registration truncated", emmtest.Faults{Fail: "/register", FailStatus: 201, FailBody: fakekit.BodyTruncated}, backends.Refused, "cut off"},
		// The time named is what the request was left of the run's 300 ms when it began:
		// a loaded machine starts it later.
		{"token hung", emmtest.Faults{Hang: "/oauth2/token"}, backends.Unanswered, "no answer within "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := emmtest.New(1)
			defer srv.Close()
			srv.SetFaults(c.faults)
			b := newClient(t, srv, emmtest.Password)
			_, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: srv.Users(), Timeout: 300 * time.Millisecond})
			if err == nil || backends.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing sent") {
				t.Fatalf("err = %v (kind %v)", err, backends.KindOf(err))
			}
			if strings.Contains(err.Error(), emmtest.Password) {
				t.Fatal("the password leaked into the error")
			}
			if srv.Resets() != 0 {
				t.Fatal("a reset went out")
			}
		})
	}
}

func TestSearch(t *testing.T) {
	srv := emmtest.New(60)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	hits, err := b.Search(ctx, "smi", 50)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v %v", hits, err)
	}
	for _, h := range hits {
		if !strings.Contains(h.ID, "smi") || !strings.Contains(h.Name, "Smith") || h.Detail != h.ID+"@example.com" {
			t.Fatalf("hit %+v", h)
		}
	}
	s := requestsTo(srv, "GET", "/mdm-admin/users/view-users")
	if len(s) != 1 || s[0].Query != "username=smi" || !strings.HasPrefix(s[0].Auth, "Bearer ") {
		t.Fatalf("search requests = %+v", s)
	}

	all, err := b.Search(ctx, "*", 10)
	if err != nil || len(all) != 10 || len(requestsTo(srv, "GET", "/mdm-admin/users")) != 1 {
		t.Fatalf("list all: %d hits, %v", len(all), err)
	}
	none, err := b.Search(ctx, "nobody-here", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("no hits: %v %v", none, err)
	}

	srv.ExpireTokens()
	again, err := b.Search(ctx, "smi", 50)
	if err != nil || len(again) != len(hits) {
		t.Fatalf("search after expiry: %v %v", again, err)
	}
	if grants(srv, "refresh_token") != 1 {
		t.Fatal("search did not renew the expired token")
	}

	srv.SetFaults(emmtest.Faults{Fail: "/view-users", FailBody: fakekit.BodyHTML})
	if _, err := b.Search(ctx, "smi", 5); err == nil || !strings.Contains(err.Error(), "HTML page") {
		t.Fatalf("html search answer: %v", err)
	}
}

func TestUserStorePrefixAndValidation(t *testing.T) {
	srv := emmtest.New(1)
	defer srv.Close()
	srv.AddUser("PRIMARY/kim", "Kim", "Lee")
	b := newClient(t, srv, emmtest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "set", Users: []string{"PRIMARY/kim"}})
	if out[0].Status != backends.StatusOK || srv.Password("PRIMARY/kim") != out[0].Secret {
		t.Fatalf("%+v", out[0])
	}
	n := len(srv.Requests())
	for _, bad := range []string{"john smith", "PRIMARY/", "/kim"} {
		if _, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: []string{bad}}); err == nil || !strings.Contains(err.Error(), "invalid user") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	if len(srv.Requests()) != n {
		t.Fatal("requests went out for invalid ids")
	}
}

func TestCheck(t *testing.T) {
	srv := emmtest.New(7)
	defer srv.Close()
	msg, err := newClient(t, srv, emmtest.Password).Check(context.Background())
	if err != nil || !strings.Contains(msg, "logged in as admin") || !strings.Contains(msg, "8 user(s)") {
		t.Fatalf("check: %q %v", msg, err)
	}
	if _, err := newClient(t, srv, "nope").Check(context.Background()); backends.KindOf(err) != backends.BadLogin {
		t.Fatalf("check with a bad password: %v", err)
	}
}

func TestPlainText401IsExpired(t *testing.T) {
	srv := emmtest.New(1)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	_, err := b.Reset(ctx, backends.Target{User: srv.Users()[0], Mode: emm.ModeSet, Secret: "Good-pass1"})
	if backends.KindOf(err) != backends.Expired || !strings.Contains(err.Error(), "Failed to authorize incoming request") {
		t.Fatalf("err = %v", err)
	}
	if srv.Password(srv.Users()[0]) != "" {
		t.Fatal("the password changed on a refused request")
	}
}
