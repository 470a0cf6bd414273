package admanager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
)

// rawValue returns the still-encoded value of key in a raw query string.
func rawValue(t *testing.T, raw, key string) string {
	t.Helper()
	for part := range strings.SplitSeq(raw, "&") {
		if k, v, _ := strings.Cut(part, "="); k == key {
			return v
		}
	}
	t.Fatalf("parameter %s missing in the query", key)
	return ""
}

// encoded is what every value must look like on the wire: only letters, digits, '-',
// '_', '.' and percent escapes.
var encoded = regexp.MustCompile(`^([A-Za-z0-9._-]|%[0-9A-F]{2})*$`)

func TestSetSendsTheContractRequest(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(3))
	user := s.Users()[1]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}})
	if out[0].Status != backends.StatusOK || out[0].Message != admanagertest.MsgSuccess {
		t.Fatalf("%+v", out[0])
	}
	rs := resets(s)
	if len(rs) != 1 {
		t.Fatalf("%d ResetPwd requests, want 1", len(rs))
	}
	r := rs[0]
	if r.Method != "POST" || r.Body != "" {
		t.Errorf("method %s, body %q: want POST with the parameters in the query and no body", r.Method, r.Body)
	}
	want := map[string]string{
		"PRODUCT_NAME": "resetdesk test", "AuthToken": admanagertest.Token, "domainName": admanagertest.Domain,
		"inputFormat": `[{"sAMAccountName":"` + user + `"}]`, "passwordType": "password", "pwd": out[0].Secret,
	}
	if len(r.Params) != len(want) {
		t.Errorf("params %v, want exactly %v", r.Params, want)
	}
	for k, v := range want {
		if r.Params[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Params[k], v)
		}
		if raw := rawValue(t, r.RawQuery, k); !encoded.MatchString(raw) {
			t.Errorf("%s sent as %q: not fully percent-encoded", k, raw)
		}
	}
	if rawValue(t, r.RawQuery, "PRODUCT_NAME") != "resetdesk%20test" {
		t.Errorf("a space must go as %%20: %s", rawValue(t, r.RawQuery, "PRODUCT_NAME"))
	}
	if s.Password(user) != out[0].Secret || s.MustChange(user) {
		t.Errorf("server holds %q (must change %v), shown %q", s.Password(user), s.MustChange(user), out[0].Secret)
	}
	// Login proved the token with a one-row SearchUser, which the quota does not count.
	ls := s.Calls(admanagertest.PathSearchUser)
	if len(ls) != 1 || ls[0].Params["range"] != "1" || ls[0].Params["AuthToken"] != admanagertest.Token || ls[0].Method != "GET" {
		t.Errorf("token check: %+v", ls)
	}
}

func TestEveryReservedAndUnsafeCharacterArrivesIntact(t *testing.T) {
	const special = ";/?:@=&<>#%{}|\\^~[]`\"' "
	pw := "Aa1" + special + "+"
	s, b := setup(t, admanagertest.WithUsers(2))
	user := s.Users()[0]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}, Password: pw})
	if out[0].Status != backends.StatusOK || out[0].Secret != pw {
		t.Fatalf("%+v", out[0])
	}
	if got := s.Password(user); got != pw {
		t.Fatalf("server holds %q, sent %q", got, pw)
	}
	raw := rawValue(t, resets(s)[0].RawQuery, "pwd")
	if !encoded.MatchString(raw) || !strings.Contains(raw, "%20") || !strings.Contains(raw, "%7E") || !strings.Contains(raw, "%2B") {
		t.Errorf("pwd went as %q", raw)
	}
}

func TestSetGivesFiveUsersFiveDistinctPasswords(t *testing.T) {
	for _, m := range []string{"set", "generate"} {
		t.Run(m, func(t *testing.T) {
			s, b := setup(t, admanagertest.WithUsers(8))
			users := s.Users()[:5]
			out := runJob(t, b, runner.Spec{Mode: m, Users: users, Concurrency: 3})
			seen := map[string]bool{}
			for i, o := range out {
				if o.Status != backends.StatusOK || o.User != users[i] {
					t.Fatalf("%+v", o)
				}
				if held := s.Password(o.User); held == "" || held != o.Secret {
					t.Errorf("%s: shown %q, server holds %q", o.User, o.Secret, held)
				}
				if err := admanager.CheckPassword(o.Secret); err != nil {
					t.Errorf("generated %q: %v", o.Secret, err)
				}
				seen[o.Secret] = true
			}
			if len(seen) != 5 {
				t.Errorf("%d distinct passwords for 5 users", len(seen))
			}
			rs := resets(s)
			if len(rs) != 5 {
				t.Fatalf("%d requests, want one per user", len(rs))
			}
			for _, r := range rs {
				var accounts []map[string]string
				if err := json.Unmarshal([]byte(r.Params["inputFormat"]), &accounts); err != nil || len(accounts) != 1 {
					t.Errorf("inputFormat %q: want one account per request", r.Params["inputFormat"])
				}
				if r.Params["passwordType"] != "password" || s.Password(accounts[0]["sAMAccountName"]) != r.Params["pwd"] {
					t.Errorf("request %v does not carry the user's own password", r.Params["inputFormat"])
				}
			}
		})
	}
}

func TestGenerateTakesNoTypedPassword(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(1))
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "generate", Users: s.Users(), Password: "Typed-Pass-123"})
	if err == nil || !strings.Contains(err.Error(), "does not take a typed password") {
		t.Fatalf("err = %v", err)
	}
	if len(s.Requests()) != 0 {
		t.Error("requests went out")
	}
}

func TestUPNAndMustChange(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(2))
	upn := s.Users()[0] + "@" + admanagertest.Domain
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: []string{upn},
		Options: backends.Options{MustChange: true}})
	if out[0].Status != backends.StatusOK {
		t.Fatalf("%+v", out[0])
	}
	p := resets(s)[0].Params
	if p["inputFormat"] != `[{"userPrincipalName":"`+upn+`"}]` || p["mustChangePassword"] != "true" {
		t.Errorf("params %v", p)
	}
	if !s.MustChange(upn) || s.Password(upn) != out[0].Secret {
		t.Error("the fake did not apply the reset as sent")
	}
}

func TestPerAccountFailures(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(3))
	users := s.Users()
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{"ghost", users[0]}})
	if out[0].Status != backends.StatusFailed || out[0].Message != admanagertest.MsgNotFound {
		t.Errorf("unknown user: %+v", out[0])
	}
	if out[1].Status != backends.StatusOK {
		t.Errorf("the next user must still be reset: %+v", out[1])
	}
	// A typed password that holds the account name passes the client's check, but AD's
	// policy refuses it: the server's reason is shown.
	pw := "Xx9-" + users[1] + "-2024"
	out = runJob(t, b, runner.Spec{Mode: "set", Users: users[1:2], Password: pw})
	if out[0].Status != backends.StatusFailed || !strings.Contains(out[0].Message, "password policy") || out[0].Secret != "" {
		t.Errorf("policy: %+v", out[0])
	}
	if s.Password(users[1]) != "" {
		t.Error("the fake set a password its policy refuses")
	}
}

func TestStatusOtherThanOneIsFailure(t *testing.T) {
	// The status field is a string: anything but "1" fails, with or without a message.
	srv := newRawServer(t, `[{"sAMAccountName":"jdoe","status":"true","statusMessage":""}]`)
	b := backendtest.Client(t, rawProfile(srv.URL), admanagertest.Token)
	_, err := b.Reset(context.Background(), backends.Target{User: "jdoe", Mode: "set", Secret: "Abcdef-12345"})
	if backends.KindOf(err) != backends.Refused || !strings.Contains(err.Error(), `status "true"`) {
		t.Fatalf("err = %v", err)
	}
}

// newRawServer answers SearchUser as a healthy server and ResetPwd with body.
func newRawServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == admanagertest.PathSearchUser {
			fmt.Fprint(w, `{"UsersList":[],"count":0,"status":"SUCCESS","statusMessage":""}`)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func rawProfile(url string) backends.Profile {
	return backends.Profile{Name: "raw", Kind: "admanager", URL: url, Domain: admanagertest.Domain}
}

func TestSeverityEnvelopeIsRequestLevel(t *testing.T) {
	t.Run("token refused once is proven again and retried", func(t *testing.T) {
		s, b := setup(t, admanagertest.WithUsers(2))
		if err := b.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.SetFaults(admanagertest.Faults{RejectToken: 1})
		out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1]})
		if out[0].Status != backends.StatusOK || s.Password(out[0].User) != out[0].Secret {
			t.Fatalf("%+v", out[0])
		}
		if n := len(resets(s)); n != 2 {
			t.Errorf("%d ResetPwd requests, want the refused one and its retry", n)
		}
	})
	t.Run("token revoked mid-run fails clearly", func(t *testing.T) {
		s, b := setup(t, admanagertest.WithUsers(3))
		s.SetFaults(admanagertest.Faults{RevokeAfter: 1}) // the runner's login passes, then no more
		out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1]})
		if out[0].Status != backends.StatusFailed || out[0].Secret != "" {
			t.Fatalf("%+v", out[0])
		}
		wantContains(t, out[0].Message, "logging in again failed", "ADManager refused the AuthToken", admanagertest.MsgBadToken)
		if s.Password(out[0].User) != "" {
			t.Error("the fake reset a password with a revoked token")
		}
	})
}

func TestTokenRevokedBeforeARunSendsNothing(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(3))
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetToken("revoked-meanwhile")
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: s.Users()})
	if err == nil || backends.KindOf(err) != backends.BadLogin {
		t.Fatalf("err = %v", err)
	}
	wantContains(t, err.Error(), "login failed, nothing sent", admanagertest.MsgBadToken, admanagertest.CodeBadToken)
	noSecret(t, err.Error())
	if len(resets(s)) != 0 {
		t.Error("resets went out with a refused token")
	}
}

func TestBadTokenSendsNothing(t *testing.T) {
	s := admanagertest.New(admanagertest.WithUsers(3))
	defer s.Close()
	b := backendtest.Client(t, profile(s), "00000000-0000-0000-0000-000000000000")
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: s.Users()})
	if err == nil || backends.KindOf(err) != backends.BadLogin {
		t.Fatalf("err = %v", err)
	}
	wantContains(t, err.Error(), "login failed, nothing sent", "ADManager refused the AuthToken", admanagertest.MsgBadToken)
	if strings.Contains(err.Error(), "00000000-0000") {
		t.Error("the token leaked into the error")
	}
	if len(resets(s)) != 0 {
		t.Error("resets went out after a refused token")
	}
	if _, err := b.Check(context.Background()); backends.KindOf(err) != backends.BadLogin {
		t.Errorf("Check: %v", err)
	}
}

func TestSearch(t *testing.T) {
	for _, capital := range []bool{false, true} {
		s, b := setup(t, admanagertest.WithUsers(60))
		s.SetFaults(admanagertest.Faults{CapitalCount: capital})
		hits, err := b.Search(context.Background(), "ada smith", 5)
		if err != nil {
			t.Fatal(err)
		}
		r := s.Calls(admanagertest.PathSearchUser)[0]
		if r.Params["searchText"] != "ada smith" || r.Params["range"] != "5" || r.Params["startIndex"] != "1" ||
			rawValue(t, r.RawQuery, "searchText") != "ada%20smith" {
			t.Errorf("search request %s", r.RawQuery)
		}
		if len(hits) == 0 || hits[0].ID != "asmith" || hits[0].Name != "Ada Smith" || !strings.Contains(hits[0].Detail, "asmith@"+admanagertest.Domain) {
			t.Errorf("hits %+v", hits)
		}
		all, err := b.Search(context.Background(), "a", 40)
		if err != nil || len(all) != 40 {
			t.Fatalf("%d hits, %v", len(all), err)
		}
		for _, h := range all {
			if h.ID == "" || h.Name == "" || strings.Contains(h.Name, "<not set>") || strings.Contains(h.Detail, " - ") || strings.HasSuffix(h.Detail, "-") {
				t.Errorf("hit %+v shows an empty-value sentinel", h)
			}
		}
		msg, err := b.Check(context.Background())
		if err != nil || !strings.Contains(msg, "60 user(s) visible") || !strings.Contains(msg, "daily quota 150") {
			t.Errorf("check (capital Count %v): %q %v", capital, msg, err)
		}
	}
}

func TestValidateUser(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(1))
	for _, id := range []string{"a/b", "jdoe*", "averyveryverylongname21", "@corp", "j doe@corp.example.com"} {
		_, err := backendtest.TryRun(b, runner.Spec{Mode: "set", Users: []string{id}})
		if err == nil || !strings.Contains(err.Error(), "invalid user id") {
			t.Errorf("%q: %v", id, err)
		}
	}
	if len(s.Requests()) != 0 {
		t.Error("requests went out for invalid ids")
	}
	if err := b.(backends.UserValidator).ValidateUser("jdoe@corp.example.com"); err != nil {
		t.Error(err)
	}
}

func TestNewRefusesBadProfiles(t *testing.T) {
	k, _ := backends.Lookup("admanager")
	for _, p := range []backends.Profile{
		{Name: "x", URL: "ftp://host", Domain: "d"},
		{Name: "x", URL: "http://host:8080"},
	} {
		if _, err := k.New(p, "tok", nil); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if _, err := k.New(backends.Profile{Name: "x", URL: "http://host:8080", Domain: "d"}, "", nil); err == nil {
		t.Error("an empty AuthToken accepted")
	}
}
