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
	"time"

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
	s, b := setup(t, 3)
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
	s, b := setup(t, 2)
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
	s, b := setup(t, 8)
	users := s.Users()[:5]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: users, Concurrency: 3})
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
		accounts := accountsOf(t, r)
		if len(accounts) != 1 || r.Params["passwordType"] != "password" || s.Password(accounts[0]) != r.Params["pwd"] {
			t.Errorf("request %v does not carry one account and its own password", r.Params["inputFormat"])
		}
	}
}

// accountsOf is the accounts a ResetPwd request names, by sAMAccountName or UPN.
func accountsOf(t *testing.T, r admanagertest.Request) []string {
	t.Helper()
	var accounts []map[string]string
	if err := json.Unmarshal([]byte(r.Params["inputFormat"]), &accounts); err != nil {
		t.Fatalf("inputFormat %q: %v", r.Params["inputFormat"], err)
	}
	var out []string
	for _, a := range accounts {
		if len(a) != 1 {
			t.Fatalf("inputFormat %q: an object names one account by one key", r.Params["inputFormat"])
		}
		for _, v := range a {
			out = append(out, v)
		}
	}
	return out
}

// generate lets ADManager's policy pick the password: passwordType=generate and no pwd,
// and nothing to hand over.
func TestGenerateLetsADManagerPickThePassword(t *testing.T) {
	s, b := setup(t, 4)
	users := s.Users()[:3]
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: users, Concurrency: 1})
	for i, o := range out {
		if o.Status != backends.StatusOK || o.User != users[i] || o.Secret != "" || o.Message != admanager.MessageGenerated {
			t.Errorf("%+v", o)
		}
		if s.Password(o.User) == "" || s.ResetCount(o.User) != 1 {
			t.Errorf("%s: reset %d times, holds %q", o.User, s.ResetCount(o.User), s.Password(o.User))
		}
	}
	want := map[string]bool{"PRODUCT_NAME": true, "AuthToken": true, "domainName": true, "inputFormat": true, "passwordType": true}
	for _, r := range resets(s) {
		for k := range r.Params {
			if !want[k] {
				t.Errorf("parameter %s sent with generate (%s)", k, r.RawQuery)
			}
		}
		if r.Params["passwordType"] != "generate" || len(accountsOf(t, r)) != 1 {
			t.Errorf("request %v", r.Params)
		}
	}
	if n := len(resets(s)); n != 3 {
		t.Errorf("%d requests at concurrency 1, want one per user", n)
	}
	if !strings.Contains(admanager.MessageGenerated, "no password to hand over") {
		t.Errorf("the outcome must say there is nothing to hand over: %q", admanager.MessageGenerated)
	}
}

// The resets that arrive while a generate request is in flight go together in the next.
func TestGenerateSendsManyAccountsPerRequest(t *testing.T) {
	s, b := setup(t, 24)
	s.SetFaults(admanagertest.Faults{Latency: 20 * time.Millisecond})
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: s.Users(), Concurrency: 8,
		Options: backends.Options{MustChange: true}})
	if tally := backends.TallyOf(out); tally.OK != 24 {
		t.Fatalf("%+v", tally)
	}
	rs := resets(s)
	sent, most := map[string]int{}, 0
	for _, r := range rs {
		accounts := accountsOf(t, r)
		most = max(most, len(accounts))
		for _, a := range accounts {
			sent[a]++
		}
		if r.Params["mustChangePassword"] != "true" || r.Params["passwordType"] != "generate" {
			t.Errorf("request %v", r.Params)
		}
	}
	for _, u := range s.Users() {
		if sent[u] != 1 || s.ResetCount(u) != 1 || !s.MustChange(u) {
			t.Errorf("%s: sent %d times, reset %d times (must change %v)", u, sent[u], s.ResetCount(u), s.MustChange(u))
		}
	}
	if len(rs) > 12 || most < 2 {
		t.Errorf("%d requests for 24 accounts at concurrency 8 (at most %d accounts in one): not batched", len(rs), most)
	}
}

// One account's refusal in a request of many fails that account alone.
func TestGenerateBatchFailsOnlyTheRefusedAccount(t *testing.T) {
	s, b := setup(t, 3)
	s.SetFaults(admanagertest.Faults{Latency: 20 * time.Millisecond})
	users := []string{s.Users()[0], "ghost", s.Users()[1], s.Users()[2]}
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: users, Concurrency: 4})
	for _, o := range out {
		want := backends.StatusOK
		if o.User == "ghost" {
			want = backends.StatusFailed
		}
		if o.Status != want {
			t.Errorf("%+v", o)
		}
	}
	if out[1].Message != admanagertest.MsgNotFound {
		t.Errorf("ghost: %q", out[1].Message)
	}
	if n := len(resets(s)); n > 2 {
		t.Errorf("%d requests for 4 accounts at concurrency 4: not batched", n)
	}
}

// A request's accounts stay within what Tomcat takes in a request line, however long
// their names: a batch that would not fit is split.
func TestGenerateRequestsFitTomcatsHeaderLimit(t *testing.T) {
	s, b := setup(t, 1)
	s.SetFaults(admanagertest.Faults{Latency: 20 * time.Millisecond})
	var users []string
	for i := range 64 {
		users = append(users, fmt.Sprintf("%s%02d@%s", strings.Repeat("long-account-name-", 5), i, admanagertest.Domain))
	}
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: users, Concurrency: 64})
	for _, o := range out {
		// Accounts the directory does not have: each is refused on its own, never with the
		// whole request.
		if o.Status != backends.StatusFailed || o.Message != admanagertest.MsgNotFound {
			t.Fatalf("%+v", o)
		}
	}
	rs := resets(s)
	for _, r := range rs {
		if n := len("POST /RestAPI/ResetPwd? HTTP/1.1") + len(r.RawQuery); n > admanagertest.MaxHeaderSize {
			t.Errorf("a request line of %d bytes", n)
		}
	}
	if len(rs) < 3 || len(rs) >= 64 {
		t.Errorf("%d requests for 64 long accounts: want them batched and split", len(rs))
	}
}

// A lost answer leaves every account of its request unknown, and none is sent again.
func TestGenerateBatchLostIsUnknownForAll(t *testing.T) {
	s, b := setup(t, 6)
	s.SetFaults(admanagertest.Faults{Latency: 20 * time.Millisecond, Drop: "ResetPwd"})
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: s.Users(), Concurrency: 3})
	for _, o := range out {
		backendtest.Expect(t, o, backends.StatusUnknown, []string{"no answer", backends.MessageUnknown}, nil)
		if o.Secret != "" || s.ResetCount(o.User) != 1 {
			t.Errorf("%s: shown %q, reset %d times", o.User, o.Secret, s.ResetCount(o.User))
		}
	}
	if n := len(resets(s)); n >= 6 {
		t.Errorf("%d requests for 6 accounts at concurrency 3: not batched", n)
	}
}

func TestGenerateTakesNoTypedPassword(t *testing.T) {
	s, b := setup(t, 1)
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "generate", Users: s.Users(), Password: "Typed-Pass-123"})
	if err == nil || !strings.Contains(err.Error(), "does not take a typed password") {
		t.Fatalf("err = %v", err)
	}
	if len(s.Requests()) != 0 {
		t.Error("requests went out")
	}
}

func TestUPNAndMustChange(t *testing.T) {
	s, b := setup(t, 2)
	upn := s.Users()[0] + "@" + admanagertest.Domain
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{upn},
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
	s, b := setup(t, 3)
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
		s, b := setup(t, 2)
		if err := b.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.SetFaults(admanagertest.Faults{Refuse: "ResetPwd", RefuseTimes: 1})
		out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1]})
		if out[0].Status != backends.StatusOK || s.Password(out[0].User) != out[0].Secret {
			t.Fatalf("%+v", out[0])
		}
		if n := len(resets(s)); n != 2 {
			t.Errorf("%d ResetPwd requests, want the refused one and its retry", n)
		}
	})
	t.Run("an echoed request that names the AuthToken is no refused token", func(t *testing.T) {
		s, b := setup(t, 2)
		s.SetFaults(admanagertest.Faults{Fail: "ResetPwd", Echo: true})
		out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1]})
		backendtest.Expect(t, out[0], backends.StatusFailed, []string{"ADManager refused the request", "ERROR_CODE " + admanagertest.CodeBadArgument}, []string{"expired"})
		if n := len(resets(s)); n != 1 {
			t.Errorf("%d ResetPwd requests: a refusal was retried as an expired token", n)
		}
	})
	t.Run("token revoked mid-run fails clearly", func(t *testing.T) {
		s, b := setup(t, 3)
		s.SetQuirks(admanagertest.Quirks{RevokeAfter: 1}) // the runner's login passes, then no more
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
	s, b := setup(t, 3)
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
	s := admanagertest.New(3)
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
		s, b := setup(t, 60)
		s.SetQuirks(admanagertest.Quirks{CapitalCount: capital})
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
	s, b := setup(t, 1)
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
