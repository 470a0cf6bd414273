package odin_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
)

func profileOn(srv *odintest.Server) backends.Profile {
	return backends.Profile{Name: "t", Kind: "odin", URL: srv.BaseURL() + "/", Username: odintest.Username,
		ServiceProvider: odintest.ServiceProvider, Group: odintest.Group}
}

func newClient(t *testing.T, srv *odintest.Server, password string) backends.Backend {
	t.Helper()
	return backendtest.Client(t, profileOn(srv), password)
}

// harness is Odin for the tests every kind shares: SIP resets, whose changing call is
// PUT /users/authentication.
func harness() backendtest.Harness[*odintest.Server] {
	return backendtest.Harness[*odintest.Server]{
		Kind: "odin", Mode: "sip", ResetCall: "/users/authentication", LoginCall: "/auth/token",
		Start:   func(n int) *odintest.Server { return odintest.New(n) },
		Profile: profileOn, Secret: odintest.Password,
		Held: (*odintest.Server).SIPPassword,
		// The login body holds the password; a reset's the new SIP password.
		Echoes:   []backendtest.Echo{{Call: "/auth/token", Status: 400}, {Call: "/users/authentication", Status: 400}},
		EchoMark: "Could not process the request body",
		Issued:   (*odintest.Server).Generated,
	}
}

func TestConformance(t *testing.T) { backendtest.Conformance(t, harness()) }

func requestsTo(srv *odintest.Server, method, path string) []odintest.Request {
	var out []odintest.Request
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestModesSendExactRequests(t *testing.T) {
	cases := []struct {
		mode, genPath, putPath, field string
		genQuery                      url.Values
		held                          func(*odintest.Server, string) string
	}{
		{"sip", "/password/generate", "/users/authentication", "newPassword", url.Values{"limit": {"3"}}, (*odintest.Server).SIPPassword},
		{"vm", "/passcode/generate", "/users/portal-passcode", "newPasscode",
			url.Values{"limit": {"3"}, "serviceProviderId": {odintest.ServiceProvider}, "groupId": {odintest.Group}}, (*odintest.Server).Passcode},
		{"web", "/password/generate", "/users/passwords", "newPassword",
			url.Values{"limit": {"3"}, "serviceProviderId": {odintest.ServiceProvider}, "groupId": {odintest.Group}}, (*odintest.Server).WebPassword},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			srv := odintest.New(5)
			defer srv.Close()
			b := newClient(t, srv, odintest.Password)
			users := srv.Users()[:3]
			out := backendtest.Run(t, b, runner.Spec{Mode: c.mode, Users: users, Concurrency: 2})

			logins := requestsTo(srv, "POST", "/auth/token")
			if len(logins) != 1 {
				t.Fatalf("logins = %d, want 1", len(logins))
			}
			var cred map[string]string
			if err := json.Unmarshal([]byte(logins[0].Body), &cred); err != nil || cred["username"] != odintest.Username || cred["password"] != odintest.Password {
				t.Fatalf("login body = %s", logins[0].Body)
			}
			gens := requestsTo(srv, "GET", c.genPath)
			if len(gens) != 1 {
				t.Fatalf("generate calls = %d, want one for the batch", len(gens))
			}
			if q, _ := url.ParseQuery(gens[0].Query); q.Encode() != c.genQuery.Encode() {
				t.Fatalf("generate query = %s, want %s", gens[0].Query, c.genQuery.Encode())
			}
			puts := requestsTo(srv, "PUT", c.putPath)
			if len(puts) != 3 {
				t.Fatalf("PUT %s = %d requests, want 3", c.putPath, len(puts))
			}
			for _, p := range puts {
				if !strings.HasPrefix(p.Auth, "Bearer eyJ") {
					t.Fatalf("Authorization = %q", p.Auth)
				}
				var body map[string]string
				if err := json.Unmarshal([]byte(p.Body), &body); err != nil || len(body) != 2 || body["userId"] == "" || body[c.field] == "" {
					t.Fatalf("PUT body = %s", p.Body)
				}
			}
			for i, o := range out {
				if o.Status != backends.StatusOK || o.User != users[i] {
					t.Fatalf("outcome %d = %+v", i, o)
				}
				if held := c.held(srv, users[i]); held == "" || held != o.Secret {
					t.Fatalf("%s: secret shown %q, server holds %q", users[i], o.Secret, held)
				}
			}
			if c.mode == "vm" && strings.Trim(out[0].Secret, "0123456789") != "" {
				t.Fatalf("passcode %q is not digits", out[0].Secret)
			}
		})
	}
}

func TestUnknownUserShowsDetails(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "sip", Users: []string{"ghost@odinapi.net", srv.Users()[0]}})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "[Error 4008] User not found: ghost@odinapi.net") {
		t.Fatalf("unknown user: %+v", out[0])
	}
	if out[1].Status != backends.StatusOK {
		t.Fatalf("the next user must still be reset: %+v", out[1])
	}
}

func TestAuthServiceMissingIsShown(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	srv.RemoveAuthService(srv.Users()[0])
	b := newClient(t, srv, odintest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "sip", Users: srv.Users()[:1]})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "Authentication service not assigned") {
		t.Fatalf("got %+v", out[0])
	}
}

func TestTokenExpiringMidRunIsRenewedOnce(t *testing.T) {
	srv := odintest.New(40)
	defer srv.Close()
	srv.SetQuirks(odintest.Quirks{ExpireAfter: 15})
	srv.SetFaults(odintest.Faults{Latency: 2 * time.Millisecond}) // paced like a real server
	b := newClient(t, srv, odintest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "sip", Users: srv.Users(), Concurrency: 4})
	for _, o := range out {
		if o.Status != backends.StatusOK || srv.SIPPassword(o.User) != o.Secret {
			t.Fatalf("%s: %+v (server holds %q)", o.User, o, srv.SIPPassword(o.User))
		}
	}
	renewals := len(requestsTo(srv, "PUT", "/auth/token")) + len(requestsTo(srv, "POST", "/auth/token")) - 1
	if renewals < 1 {
		t.Fatal("the token was never renewed")
	}
	// one renewal per expiry, not one per waiting worker: 40 resets + 1 generate at 15 calls a token
	if renewals > 41/15+2 {
		t.Fatalf("%d renewals for %d expiries: workers renewed separately", renewals, 41/15)
	}
}

func TestExpiredTokenRenewsByLoginWhenRefreshRefused(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // the refresh with the dead token is refused too
	if err := b.Login(context.Background()); err != nil {
		t.Fatalf("login after expiry: %v", err)
	}
	if n := len(requestsTo(srv, "POST", "/auth/token")); n != 2 {
		t.Fatalf("POST /auth/token = %d, want a fresh login after the refused renewal", n)
	}
}

func TestBadLoginSendsNoReset(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	b := newClient(t, srv, "wrong")
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "sip", Users: srv.Users()})
	if err == nil || backends.KindOf(err) != backends.BadLogin || !strings.Contains(err.Error(), "Invalid username or password") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the password leaked into the error")
	}
	if srv.Resets() != 0 || len(requestsTo(srv, "GET", "/password/generate")) != 0 {
		t.Fatal("requests went out after a bad login")
	}
}

func TestShortGeneratorAnswerStillResetsEveryone(t *testing.T) {
	srv := odintest.New(25)
	defer srv.Close()
	srv.SetQuirks(odintest.Quirks{ShortBy: 7})
	b := newClient(t, srv, odintest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "vm", Users: srv.Users(), BatchSize: 10})
	seen := map[string]bool{}
	for _, o := range out {
		if o.Status != backends.StatusOK || srv.Passcode(o.User) != o.Secret {
			t.Fatalf("%+v", o)
		}
		seen[o.User] = true
	}
	if len(seen) != 25 {
		t.Fatalf("reset %d users, want 25", len(seen))
	}
	if n := len(requestsTo(srv, "GET", "/passcode/generate")); n <= 3 {
		t.Fatalf("only %d generator calls: short answers were not asked again", n)
	}
}

// A generator that fails skips the users it was to make secrets for, with why: nothing
// is sent for them.
func TestGeneratorDownSendsNothing(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Fail: "/password/generate", FailStatus: 503, FailBody: fakekit.BodyHTML})
	b := newClient(t, srv, odintest.Password)
	out := backendtest.Run(t, b, runner.Spec{Mode: "sip", Users: srv.Users()})
	for _, o := range out {
		backendtest.Expect(t, o, backends.StatusSkipped, []string{"not sent", "could not generate", "HTML page"}, nil)
	}
	if srv.Resets() != 0 {
		t.Fatalf("%d resets sent without a generated secret", srv.Resets())
	}
}

func TestCheckProvesServiceProviderAndGroup(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	msg, err := newClient(t, srv, odintest.Password).Check(context.Background())
	if err != nil || !strings.Contains(msg, "service provider ent.odin and group grp.odin found") {
		t.Fatalf("check: %q %v", msg, err)
	}
	if q, _ := url.ParseQuery(requestsTo(srv, "GET", "/groups")[0].Query); q.Get("serviceProviderId") != odintest.ServiceProvider {
		t.Errorf("groups asked for %v", q)
	}
	for _, c := range []struct {
		sp, group, want string
	}{
		{"ent.nowhere", odintest.Group, `service provider "ent.nowhere" (the profile's service_provider) is not among the 1 this account sees: ent.odin`},
		{odintest.ServiceProvider, "grp.nowhere", `group "grp.nowhere" (the profile's group) is not in service provider ent.odin, which has 1: grp.odin`},
	} {
		p := profileOn(srv)
		p.ServiceProvider, p.Group = c.sp, c.group
		if msg, err := backendtest.Client(t, p, odintest.Password).Check(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s/%s: %q, %v; want %q", c.sp, c.group, msg, err, c.want)
		}
	}
}

func TestSearch(t *testing.T) {
	srv := odintest.New(60)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	hits, err := b.Search(ctx, "smith", 50)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search smith: %v %v", hits, err)
	}
	for _, h := range hits {
		if !strings.Contains(strings.ToLower(h.Name), "smith") || !strings.HasSuffix(h.ID, "@"+odintest.Domain) {
			t.Fatalf("hit %+v", h)
		}
	}
	last := requestsTo(srv, "GET", "/users")
	q, _ := url.ParseQuery(last[0].Query)
	if q.Get("lastName") != "*smith*" || q.Get("serviceProviderId") != odintest.ServiceProvider || q.Get("groupId") != odintest.Group || q.Get("limit") != "50" {
		t.Fatalf("search query = %s", last[0].Query)
	}

	id := srv.Users()[3]
	one, err := b.Search(ctx, id, 10)
	if err != nil || len(one) != 1 || one[0].ID != id {
		t.Fatalf("exact id (an object answer): %v %v", one, err)
	}
	ext, err := b.Search(ctx, "ext:5003", 10)
	if err != nil || len(ext) != 1 || ext[0].ID != id {
		t.Fatalf("extension: %v %v", ext, err)
	}
	num, err := b.Search(ctx, id[:10], 10)
	if err != nil || len(num) != 1 || num[0].ID != id {
		t.Fatalf("phone number: %v %v", num, err)
	}
	none, err := b.Search(ctx, "ghost@odinapi.net", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown exact id: %v %v", none, err)
	}
}

func TestValidateUserRefusesSpaces(t *testing.T) {
	srv := odintest.New(1)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "sip", Users: []string{"john smith"}})
	if err == nil || !strings.Contains(err.Error(), "contains a space") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Fatal("requests went out for an invalid id")
	}
}
