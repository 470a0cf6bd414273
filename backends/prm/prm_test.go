package prm_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/prm"
	"resetdesk/backends/prm/prmtest"
	"resetdesk/backends/runner"
)

func newClient(t *testing.T, srv *prmtest.Server, token string, timeBased bool) backends.Backend {
	t.Helper()
	p := backends.Profile{Name: "t", Kind: "prm", URL: srv.URL + "/", TimeBasedToken: timeBased}
	return backendtest.Client(t, p, token)
}

// harness is PRM for the tests every kind shares, with a static token or a time-based one.
func harness(timeBased bool) backendtest.Harness[*prmtest.Server] {
	var opts []prmtest.Option
	if timeBased {
		opts = append(opts, prmtest.WithTimeBased())
	}
	return backendtest.Harness[*prmtest.Server]{
		Kind: "prm", Mode: "generate", ResetCall: "/api/users",
		Start: func(n int) *prmtest.Server { return prmtest.New(n, opts...) },
		Profile: func(s *prmtest.Server) backends.Profile {
			return backends.Profile{Name: "t", Kind: "prm", URL: s.URL + "/", TimeBasedToken: timeBased}
		},
		Secret: prmtest.Token,
		Held:   (*prmtest.Server).Password,
		// No session: a token refused mid-run is a refused login.
		NoSession: true,
		// An unhandled exception's page echoes the Authorization header.
		Echoes:   []backendtest.Echo{{Call: "/api/users", Status: 500}},
		EchoMark: "Unhandled exception",
		// A time-based token is the shared one's equal for its window (±1 accepted).
		SecretForms: func(p backends.Profile, secret string) []string {
			now := time.Now()
			return []string{prm.TimeToken(secret, now.Add(-prm.Window)), prm.TimeToken(secret, now), prm.TimeToken(secret, now.Add(prm.Window))}
		},
	}
}

// The shared tests run with the time-based token, the demo's; the echo test runs with
// the static one too, which travels as it is stored.
func TestConformance(t *testing.T) { backendtest.Conformance(t, harness(true)) }

func TestEchoedStaticTokenNeverShown(t *testing.T) {
	backendtest.EchoedSecretsNeverShown(t, harness(false))
}

func TestTimeTokenWorkedExample(t *testing.T) {
	// The vendor's example: SHA1("secret_token5373119"); window 5373119 starts at 5373119*300.
	start := time.Unix(5373119*300, 0)
	const want = "a930a186df2a671ff66c6144ee4878422dde80f5"
	for _, at := range []time.Time{start, start.Add(299 * time.Second), start.In(time.FixedZone("UTC+5", 5*3600))} {
		if got := prm.TimeToken("secret_token", at); got != want {
			t.Fatalf("TimeToken at %v = %s, want %s", at, got, want)
		}
	}
	if prm.TimeToken("secret_token", start.Add(300*time.Second)) == want || prm.TimeToken("secret_token", start.Add(-time.Second)) == want {
		t.Fatal("the token did not change with the window")
	}
}

func TestResetSendsExactRequest(t *testing.T) {
	srv := prmtest.New(5)
	defer srv.Close()
	b := newClient(t, srv, prmtest.Token, false)
	users := srv.Users()[:3]
	out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: users, Concurrency: 2})
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests = %d, want 3 (no login call)", len(reqs))
	}
	bodies := map[string]bool{}
	for _, r := range reqs {
		if r.Method != "POST" || r.Path != "/api/users" || r.ContentType != "application/json" || r.Auth != "Bearer "+prmtest.Token {
			t.Fatalf("request %+v", r)
		}
		bodies[r.Body] = true
	}
	for i, o := range out {
		want := fmt.Sprintf(`{"type":"request","request":{"action":"generate_password","user":"%s"}}`, users[i])
		if !bodies[want] {
			t.Fatalf("no request body %s among %v", want, bodies)
		}
		if o.Status != backends.StatusOK || o.User != users[i] || o.Secret == "" || o.Secret != srv.Password(users[i]) {
			t.Fatalf("outcome %+v, server holds %q", o, srv.Password(users[i]))
		}
		if !strings.Contains(o.Message, srv.DN(users[i])) {
			t.Fatalf("message %q lacks the DN", o.Message)
		}
	}
}

func TestEveryUserIDForm(t *testing.T) {
	srv := prmtest.New(4)
	defer srv.Close()
	b := newClient(t, srv, prmtest.Token, false)
	u := srv.Users()
	ids := []string{u[0], prmtest.NetBIOS + `\` + u[1], u[2] + "@" + prmtest.Domain, "LDAP://" + srv.DN(u[3])}
	out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: ids})
	for i, o := range out {
		if o.Status != backends.StatusOK || o.Secret != srv.Password(u[i]) {
			t.Fatalf("%s: %+v", ids[i], o)
		}
	}
	for _, bad := range []string{`\jdoe`, `CORP\`, "jdoe@", "@corp", "LDAP://nothing", "john doe"} {
		if err := b.(backends.UserValidator).ValidateUser(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if len(srv.Requests()) != len(ids) {
		t.Fatal("extra requests went out")
	}
}

// clock is a settable clock shared by the client and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestTimeBasedTokenIsComputedPerRequest(t *testing.T) {
	srv := prmtest.New(3)
	defer srv.Close()
	srv.SetTimeBased(true)
	clk := &clock{t: time.Unix(5373119*300+10, 0)}
	srv.SetClock(clk.now)
	b := newClient(t, srv, prmtest.Token, true)
	backends.Unwrap(b).(*prm.Client).SetClock(clk.now)
	ctx := context.Background()
	if err := b.Login(ctx); err != nil {
		t.Fatal(err)
	}
	for i, user := range srv.Users() {
		if _, err := b.Reset(ctx, backends.Target{User: user, Mode: prm.ModeGenerate}); err != nil {
			t.Fatalf("reset %d: %v", i, err)
		}
		clk.set(clk.now().Add(10 * time.Minute)) // two windows on: the old token no longer passes
	}
	reqs := srv.Requests()
	for i, r := range reqs {
		window := 5373119 + int64(2*i)
		if want := "Bearer " + sha1Hex(prmtest.Token+fmt.Sprint(window)); r.Auth != want {
			t.Fatalf("request %d: Authorization %q, want %q", i, r.Auth, want)
		}
	}
	if strings.Contains(reqs[0].Auth, prmtest.Token) {
		t.Fatal("the shared token itself was sent in time-based mode")
	}
}

func TestSkewedClockIsABadLogin(t *testing.T) {
	srv := prmtest.New(2)
	defer srv.Close()
	srv.SetTimeBased(true)
	b := newClient(t, srv, prmtest.Token, true)
	backends.Unwrap(b).(*prm.Client).SetClock(func() time.Time { return time.Now().Add(-20 * time.Minute) })
	out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: srv.Users()[:1]})
	o := out[0]
	if o.Status != backends.StatusFailed || !strings.Contains(o.Message, "login refused") || !strings.Contains(o.Message, "HTTP 401") ||
		!strings.Contains(o.Message, "clocks") {
		t.Fatalf("%+v", o)
	}
	if srv.Password(srv.Users()[0]) != "" {
		t.Fatal("a password changed with a refused token")
	}
	// One window of skew is tolerated.
	backends.Unwrap(b).(*prm.Client).SetClock(func() time.Time { return time.Now().Add(-4 * time.Minute) })
	if out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: srv.Users()[:1]}); out[0].Status != backends.StatusOK {
		t.Fatalf("4 minutes of skew: %+v", out[0])
	}
}

func TestWrongStaticToken(t *testing.T) {
	for _, status := range []int{401, 403} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := prmtest.New(2)
			defer srv.Close()
			srv.SetQuirks(prmtest.Quirks{BadTokenStatus: status})
			b := newClient(t, srv, "not-the-token", false)
			out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: srv.Users()[:1]})
			o := out[0]
			if o.Status != backends.StatusFailed || !strings.Contains(o.Message, fmt.Sprintf("refused the token (HTTP %d)", status)) ||
				!strings.Contains(o.Message, "time_based_token") {
				t.Fatalf("%+v", o)
			}
			if strings.Contains(o.Message, "not-the-token") {
				t.Fatal("the token leaked into the message")
			}
			_, err := b.Reset(context.Background(), backends.Target{User: srv.Users()[0], Mode: prm.ModeGenerate})
			if backends.KindOf(err) != backends.BadLogin {
				t.Fatalf("kind of %v = %v, want BadLogin", err, backends.KindOf(err))
			}
		})
	}
}

func TestLoginChecksTokenShapeAndSendsNothing(t *testing.T) {
	srv := prmtest.New(2)
	defer srv.Close()
	for token, want := range map[string]string{"": "no shared access token", "two words": "spaces or control", "tab\tbed": "spaces or control"} {
		b := newClient(t, srv, token, false)
		_, err := backendtest.TryRun(b, runner.Spec{Mode: "generate", Users: srv.Users()})
		if backends.KindOf(errors.Unwrap(err)) != backends.BadLogin || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nothing sent") {
			t.Errorf("token %q: %v", token, err)
		}
	}
	if err := newClient(t, srv, prmtest.Token, false).Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests went out from Login", n)
	}
}

// The answers that are the module's own; the faults every kind shares are in the
// fault matrix.
func TestAnswerShapes(t *testing.T) {
	fail := func(status int, body string) func(*prmtest.Server) {
		return func(s *prmtest.Server) {
			s.SetFaults(prmtest.Faults{Fail: "/api/users", FailStatus: status, FailBody: body})
		}
	}
	cases := []struct {
		name   string
		setup  func(*prmtest.Server)
		user   string // "" = the first seeded user
		status backends.Status
		want   []string
		reject []string
	}{
		{"unknown user", nil, "ghost", backends.StatusFailed, []string{prm.MessageFailed}, []string{"HTTP"}},
		{"disallowed group", func(s *prmtest.Server) { s.Disallow(s.Users()[0]) }, "", backends.StatusFailed, []string{prm.MessageFailed}, nil},
		{"ok without a password", func(s *prmtest.Server) { s.SetQuirks(prmtest.Quirks{OKWithoutPassword: true}) }, "",
			backends.StatusUnknown, []string{"no password", "HTTP 200", backends.MessageUnknown}, []string{"may have changed: check the account;"}},
		{"ok body under HTTP 500", fail(500, prmtest.BodyOK), "",
			backends.StatusFailed, []string{"HTTP 500", `res "ok"`}, []string{"Leak3d+pw"}},
		{"failed under HTTP 500", fail(500, ""), "",
			backends.StatusFailed, []string{"HTTP 500", `res "failed"`}, nil},
		{"malformed request", fail(400, fakekit.BodyHTML), "",
			backends.StatusFailed, []string{"HTTP 400", "malformed"}, nil},
		{"service not found", fail(404, fakekit.BodyHTML), "",
			backends.StatusFailed, []string{"HTTP 404", "check the url and port"}, nil},
		{"html error page", fail(503, fakekit.BodyHTML), "",
			backends.StatusFailed, []string{"HTTP 503", "HTML page", "Service Unavailable"}, nil},
		{"truncated error", fail(500, fakekit.BodyTruncated), "",
			backends.StatusFailed, []string{"HTTP 500", "cut-off"}, []string{`{"res"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := prmtest.New(2)
			defer srv.Close()
			if c.setup != nil {
				c.setup(srv)
			}
			user := c.user
			if user == "" {
				user = srv.Users()[0]
			}
			b := newClient(t, srv, prmtest.Token, false)
			out := backendtest.Run(t, b, runner.Spec{Mode: "generate", Users: []string{user}, Timeout: 300 * time.Millisecond})
			o := out[0]
			backendtest.Expect(t, o, c.status, c.want, c.reject)
			if c.status == backends.StatusFailed && o.Secret != "" {
				t.Fatalf("a failed outcome carries a secret: %+v", o)
			}
		})
	}
}

func TestNoSearchAndCheck(t *testing.T) {
	srv := prmtest.New(2)
	defer srv.Close()
	b := newClient(t, srv, prmtest.Token, true)
	if _, err := b.Search(context.Background(), "jdoe", 10); !errors.Is(err, backends.ErrNoSearch) {
		t.Fatalf("search: %v", err)
	}
	msg, err := b.Check(context.Background())
	if err != nil || !strings.Contains(msg, "HTTP 405") || !strings.Contains(msg, "time-based") {
		t.Fatalf("check: %q %v", msg, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Auth != "" {
		t.Fatalf("check sent %+v; it must reset nobody and send no token", reqs)
	}
	k, ok := backends.Lookup("prm")
	if !ok || len(k.Required) != 0 || len(k.Modes) != 1 || k.Modes[0].Source != backends.FromServer || k.Modes[0].TypedPassword {
		t.Fatalf("kind = %+v", k)
	}
	if _, err := prm.New(backends.Profile{Name: "t", URL: "ftp://prm.example.com"}, "x", nil); err == nil {
		t.Fatal("an ftp URL was accepted")
	}
	if _, err := backendtest.TryRun(b, runner.Spec{Mode: "generate", Users: srv.Users()[:1], Password: "Typed-pw1"}); err == nil {
		t.Fatal("a typed password was accepted for a server-generated mode")
	}
}
