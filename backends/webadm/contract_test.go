package webadm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm"
	"resetdesk/backends/webadm/webadmtest"
)

func TestKindRegistered(t *testing.T) {
	k, ok := backends.Lookup("webadm")
	if !ok {
		t.Fatal("webadm not registered")
	}
	if !slices.Equal(k.Required, []string{"username"}) || k.SecretLabel != "password" {
		t.Errorf("Required %v SecretLabel %q", k.Required, k.SecretLabel)
	}
	link, set := mode(t, "LINK"), mode(t, "set")
	if link.Source != backends.FromServer || link.SecretLabel != "link" || link.TypedPassword {
		t.Errorf("link mode: %+v", link)
	}
	if set.Source != backends.FromPolicy || !set.TypedPassword || set.CheckPassword == nil {
		t.Errorf("set mode: %+v", set)
	}
}

func TestNewRefusesBadProfiles(t *testing.T) {
	k, _ := backends.Lookup("webadm")
	good := backends.Profile{Name: "p", URL: "https://webadm.example.com", Username: `CORP\admin`}
	cases := map[string]struct {
		p      backends.Profile
		secret string
		want   string
	}{
		"no scheme":   {backends.Profile{Name: "p", URL: "webadm.example.com", Username: "a"}, "x", "https://"},
		"userinfo":    {backends.Profile{Name: "p", URL: "https://a:b@webadm.example.com", Username: "a"}, "x", "credentials"},
		"no username": {backends.Profile{Name: "p", URL: "https://webadm.example.com"}, "x", "username"},
		"no secret":   {good, "", "creds set"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			c.p.Kind = k.Name
			b, err := backends.Open(c.p, c.secret)
			if err == nil || b != nil {
				t.Fatalf("New = %v, %v; want an error", b, err)
			}
			wantContains(t, err.Error(), c.want)
		})
	}
}

func TestLoginProvesCredentialsWithServerStatus(t *testing.T) {
	s, b := setup(t, 50)
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.HTTPMethod != "POST" || r.Path != "/manag/" || r.ContentType != "application/json" {
		t.Errorf("request %s %s %q", r.HTTPMethod, r.Path, r.ContentType)
	}
	if r.AuthUser != `CORP\administrator` || !r.AuthOK {
		t.Errorf("Basic auth user %q ok=%v", r.AuthUser, r.AuthOK)
	}
	if r.JSONRPC != "2.0" || r.RPCMethod != "Server_Status" || len(r.ID) == 0 || string(r.ID) == "null" {
		t.Errorf("envelope %s", r.Body)
	}
	wantKeys(t, r, "servers", "webapps")
	if !param[bool](t, r, "servers") || !param[bool](t, r, "webapps") {
		t.Errorf("params %s", r.Body)
	}
}

// The client adds /manag/ to the url: a url that ends in it reaches /manag/manag/, and
// the 404 says what to write instead; any other 404 says what the url must be.
func TestURLEndingInManagGetsAHint(t *testing.T) {
	s := webadmtest.New(1)
	defer s.Close()
	for url, want := range map[string]string{
		s.URL + "/manag/": `the profile's url ends in /manag/, which resetdesk adds itself: write url = "` + s.URL + `"`,
		s.URL + "/MANAG":  `write url = "` + s.URL + `"`,
		s.URL + "/webadm": "check that the profile's url is the WebADM server's address (https://host, without /manag/, which resetdesk adds)",
	} {
		p := profile(s)
		p.URL = url
		err := backendtest.Client(t, p, webadmtest.Password).Login(context.Background())
		if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), want) {
			t.Errorf("url %s: %v; want %q", url, err, want)
		}
	}
}

func TestTrailingSlashInURL(t *testing.T) {
	s := webadmtest.New(50)
	defer s.Close()
	p := profile(s)
	p.URL += "/"
	if err := backendtest.Client(t, p, webadmtest.Password).Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests()[0].Path; got != "/manag/" {
		t.Errorf("path %q", got)
	}
}

func TestBadCredentialsAreBadLoginAndSendNothing(t *testing.T) {
	for name, status := range map[string]int{"-32600 with HTTP 200": 0, "HTTP 401": 401, "HTTP 403": 403} {
		t.Run(name, func(t *testing.T) {
			s := webadmtest.New(50)
			defer s.Close()
			s.SetQuirks(webadmtest.Quirks{AuthStatus: status})
			b := backendtest.Client(t, profile(s), "wrong-password")
			err := b.Login(context.Background())
			if kindOf(t, err) != backends.BadLogin {
				t.Fatalf("kind %v: %v", backends.KindOf(err), err)
			}
			wantContains(t, err.Error(), "refused the API credentials", "manager_clients", "IP")
			if strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("password in %q", err)
			}

			_, err = backendtest.TryRun(b, runner.Spec{Mode: "link", Users: []string{"adoe"},
				Options: backends.Options{Method: "MAIL"},
			})
			if err == nil {
				t.Fatal("Start succeeded with bad credentials")
			}
			wantContains(t, err.Error(), "nothing sent", "manager_clients")
			if n := len(s.Calls("PwReset.Send_Request")); n != 0 {
				t.Errorf("%d links sent with bad credentials", n)
			}
		})
	}
}

func TestLoginAnswersThatAreNotJSONRPC(t *testing.T) {
	for name, f := range map[string]webadmtest.Faults{
		"html page":      {Fail: "Server_Status", FailBody: fakekit.BodyHTML},
		"truncated json": {Fail: "Server_Status", FailBody: fakekit.BodyTruncated},
		"HTTP 500":       {Fail: "Server_Status", FailStatus: 500},
	} {
		t.Run(name, func(t *testing.T) {
			s, b := setup(t, 50)
			s.SetFaults(f)
			err := b.Login(context.Background())
			if k := kindOf(t, err); k == backends.BadLogin {
				t.Errorf("a broken answer read as bad credentials: %v", err)
			}
			wantContains(t, err.Error(), "WebADM login")
		})
	}
}

func TestCheckReportsPwReset(t *testing.T) {
	s, b := setup(t, 50)
	got, err := b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, got, "WebADM "+webadmtest.Version, "PwReset enabled")

	s.SetPwReset(false)
	got, err = b.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, got, "PwReset not enabled (Disabled)", "link resets will fail")
}

func TestLinkEveryMethodThroughRunner(t *testing.T) {
	cases := []struct{ method, msg string }{
		{"MAIL", "link sent by MAIL"},
		{"sms", "link sent by SMS"}, // the runner matches choices case-insensitively
		{"MAILSMS", "link sent by MAIL and SMS"},
		{"NONE", "link created, not sent: hand it over"},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			s, b := setup(t, 50)
			users := s.Users()[:3]
			out := runJob(t, b, runner.Spec{Mode: "link", Users: users,
				Options: backends.Options{Method: c.method, Expires: 72, Comments: "Ticket 4711: your reset link"},
			})
			for i, o := range out {
				if o.Status != backends.StatusOK {
					t.Fatalf("%s: %s %s", o.User, o.Status, o.Message)
				}
				link, n := s.Link(users[i])
				if n != 1 || o.Secret != link.URL || !strings.HasPrefix(o.Secret, s.URL+"/webapps/pwreset/") {
					t.Errorf("%s: secret %q, server holds %q (%d links)", o.User, o.Secret, link.URL, n)
				}
				if o.Message != c.msg+"; valid 72 hours" {
					t.Errorf("message %q", o.Message)
				}
			}
			calls := s.Calls("PwReset.Send_Request")
			if len(calls) != 3 {
				t.Fatalf("%d Send_Request calls", len(calls))
			}
			r := calls[0]
			wantKeys(t, r, "username", "domain", "method", "expires", "comments")
			if param[string](t, r, "domain") != "CORP" || param[string](t, r, "method") != strings.ToUpper(c.method) ||
				param[string](t, r, "comments") != "Ticket 4711: your reset link" {
				t.Errorf("params %s", r.Body)
			}
			if raw := string(r.Params["expires"]); raw != "72" {
				t.Errorf("expires encoded as %s, want the integer 72", raw)
			}
			got := map[string]bool{}
			for _, r := range calls {
				got[param[string](t, r, "username")] = true
			}
			for _, u := range users {
				if !got[u] {
					t.Errorf("no link requested for %s", u)
				}
			}
		})
	}
}

func TestLinkLeavesOutWhatWasNotChosen(t *testing.T) {
	s := webadmtest.New(50)
	defer s.Close()
	p := profile(s)
	p.Domain = "" // the server's default domain
	b := backendtest.Client(t, p, webadmtest.Password)
	user := s.Users()[0]
	res, err := b.Reset(context.Background(), backends.Target{User: user, Mode: "link"})
	if err != nil {
		t.Fatal(err)
	}
	link, _ := s.Link(user)
	if res.Secret != link.URL || link.Method != "MAIL" || link.Expires != 0 {
		t.Errorf("result %+v, server link %+v", res, link)
	}
	wantContains(t, res.Message, "Link Delivery Mode")
	wantKeys(t, s.Calls("PwReset.Send_Request")[0], "username")
}

func TestExpiresOutOfRangeSendsNothing(t *testing.T) {
	s, b := setup(t, 50)
	link := mode(t, "link")
	var spec backends.OptionSpec
	for _, o := range link.Options {
		if o.Key == backends.OptExpires {
			spec = o
		}
	}
	// Options.Expires 0 means "left out"; a typed 0 is refused where it is read, against
	// these bounds.
	if spec.Min != 1 || spec.Max != 720 {
		t.Fatalf("expires bounds %d..%d, want 1..720", spec.Min, spec.Max)
	}
	for _, hours := range []int{-1, 721, 100000} {
		_, err := backendtest.TryRun(b, runner.Spec{Mode: link.Name, Users: []string{s.Users()[0]},
			Options: backends.Options{Method: "NONE", Expires: hours},
		})
		if err == nil {
			t.Fatalf("expires %d accepted", hours)
		}
		wantContains(t, err.Error(), "between 1 and 720 hours")
	}
	// The client checks again, for callers that skip the runner.
	for _, hours := range []int{-5, 721} {
		_, err := b.Reset(context.Background(), backends.Target{User: s.Users()[0], Mode: "link", Options: backends.Options{Expires: hours}})
		if kindOf(t, err) != backends.NotSent {
			t.Errorf("expires %d: %v", hours, err)
		}
		wantContains(t, err.Error(), "expires must be 1..720 hours")
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent for an invalid expiry", n)
	}
	if err := webadm.CheckExpires(0); err != nil {
		t.Errorf("0 (server default): %v", err)
	}
	for _, ok := range []int{1, 720} {
		if err := webadm.CheckExpires(ok); err != nil {
			t.Errorf("%d: %v", ok, err)
		}
	}
}

func TestLinkFalseIsRefusedWithReason(t *testing.T) {
	s, b := setup(t, 50)
	user := s.Users()[1]
	s.RemoveMobile(user)
	out := runJob(t, b, runner.Spec{Mode: "link", Users: []string{user}, Options: backends.Options{Method: "SMS"}})
	if out[0].Status != backends.StatusFailed || out[0].Secret != "" {
		t.Fatalf("%+v", out[0])
	}
	wantContains(t, out[0].Message, "answered false", "mobile number", "PwReset")

	s.SetPwReset(false)
	_, err := b.Reset(context.Background(), backends.Target{User: s.Users()[2], Mode: "link", Options: backends.Options{Method: "MAIL"}})
	if kindOf(t, err) != backends.Refused {
		t.Fatal(err)
	}
	wantContains(t, err.Error(), "answered false", "PwReset web app is enabled")
}

func TestErrorCodesMapToMessages(t *testing.T) {
	cases := []struct {
		code  int
		data  string
		kind  backends.ErrorKind
		wants []string
	}{
		// Refused credentials mid-run: nothing was done, the runner proves them again.
		{-32600, "Invalid API credentials", backends.Expired, []string{"refused the API credentials", "manager_clients"}},
		{-32602, "Parameter expires not Integer", backends.Refused, []string{"refused the parameters", "Parameter expires not Integer"}},
		{-32603, "Domain 'X' not existing", backends.Refused, []string{"link for adoe", "Domain 'X' not existing", "-32603"}},
		{-32000, "LDAP server unreachable", backends.Refused, []string{"WebADM server error", "LDAP server unreachable", "server log"}},
		{-32099, "", backends.Refused, []string{"WebADM error -32099"}},
	}
	for _, c := range cases {
		t.Run(c.data, func(t *testing.T) {
			s, b := setup(t, 50)
			s.SetQuirks(webadmtest.Quirks{ErrorMethod: "PwReset.Send_Request", ErrorCode: c.code, ErrorData: c.data})
			_, err := b.Reset(context.Background(), backends.Target{User: "adoe", Mode: "link", Options: backends.Options{Method: "MAIL"}})
			if got := kindOf(t, err); got != c.kind {
				t.Errorf("kind %v, want %v (%v)", got, c.kind, err)
			}
			wantContains(t, err.Error(), c.wants...)
		})
	}
}

func TestUnknownUserComesBackAsServerText(t *testing.T) {
	s, b := setup(t, 50)
	out := runJob(t, b, runner.Spec{Mode: "link", Users: []string{"nobody", s.Users()[0]}, Options: backends.Options{Method: "NONE"}})
	if out[0].Status != backends.StatusFailed || out[1].Status != backends.StatusOK {
		t.Fatalf("%+v", out)
	}
	wantContains(t, out[0].Message, `User not found CORP\nobody`)
}

// DOMAIN\login names the login in the profile's domain (CORP); another domain is
// refused before anything is sent: the login there may be somebody else.
func TestDomainPrefixOnlyOfTheProfilesDomain(t *testing.T) {
	s, b := setup(t, 50)
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "link", Users: []string{`OTHER\adoe`}})
	if err == nil {
		t.Fatal("accepted a login of another domain")
	}
	wantContains(t, err.Error(), `OTHER\ is not the profile's domain (CORP)`)
	if len(s.Requests()) != 0 {
		t.Error("something was sent")
	}
	out := runJob(t, b, runner.Spec{Mode: "link", Users: []string{`corp\` + s.Users()[0]}, Options: backends.Options{Method: "NONE"}})
	if out[0].Status != backends.StatusOK {
		t.Fatalf("%+v", out[0])
	}
	if l, n := s.Link(s.Users()[0]); n != 1 || l.URL != out[0].Secret {
		t.Fatalf("the link went to another account: %d links, %q", n, l.URL)
	}
}

// An id a directory search could read as a pattern (*, parentheses) or cut up (a space,
// NUL) is refused before anything is sent: a login must never resolve to another account.
func TestValidateUserRefusesPatternsBeforeSending(t *testing.T) {
	s, b := setup(t, 5)
	for _, id := range []string{"*", "a*", "(uid=x)", "a b", "a\x00b"} {
		if _, err := backendtest.TryRun(b, runner.Spec{Mode: "link", Users: []string{id}}); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
	if len(s.Requests()) != 0 {
		t.Error("something was sent")
	}
}

func TestSetPasswordThroughRunner(t *testing.T) {
	s, b := setup(t, 50)
	users := s.Users()[:5]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: users, Options: backends.Options{MustChange: true}})
	seen := map[string]bool{}
	for i, o := range out {
		if o.Status != backends.StatusOK {
			t.Fatalf("%s: %s %s", o.User, o.Status, o.Message)
		}
		if o.Secret == "" || o.Secret != s.Password(users[i]) || !s.MustChange(users[i]) {
			t.Errorf("%s: secret %q, server holds %q (must change %v)", o.User, o.Secret, s.Password(users[i]), s.MustChange(users[i]))
		}
		if seen[o.Secret] {
			t.Errorf("password reused for %s", o.User)
		}
		seen[o.Secret] = true
		wantContains(t, o.Message, "password set", "next logon")
	}
	dns, sets := s.Calls("Get_User_DN"), s.Calls("Set_User_Password")
	if len(dns) != 5 || len(sets) != 5 {
		t.Fatalf("%d Get_User_DN, %d Set_User_Password", len(dns), len(sets))
	}
	wantKeys(t, dns[0], "username", "domain")
	wantKeys(t, sets[0], "dn", "password", "change")
	for _, r := range sets {
		dn := param[string](t, r, "dn")
		if !strings.HasPrefix(dn, "CN=") || !strings.HasSuffix(dn, webadmtest.UsersOU) || !param[bool](t, r, "change") {
			t.Errorf("Set_User_Password %s", r.Body)
		}
	}
}

func TestSetTypedPasswordWithoutMustChange(t *testing.T) {
	s, b := setup(t, 50)
	user := s.Users()[0]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}, Password: "Typed-Pass-2024"})
	if out[0].Status != backends.StatusOK || s.Password(user) != "Typed-Pass-2024" || s.MustChange(user) {
		t.Fatalf("%+v; server %q must change %v", out[0], s.Password(user), s.MustChange(user))
	}
	if out[0].Message != "password set" {
		t.Errorf("message %q", out[0].Message)
	}
	if raw := string(s.Calls("Set_User_Password")[0].Params["change"]); raw != "false" {
		t.Errorf("change = %s, want false", raw)
	}
}

func TestSetRefusals(t *testing.T) {
	s, b := setup(t, 50)
	user := s.Users()[0]
	// The directory refuses a password holding the login: WebADM answers false.
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}, Password: "X9-" + user + "-pw"})
	if out[0].Status != backends.StatusFailed || s.Password(user) != "" {
		t.Fatalf("%+v", out[0])
	}
	wantContains(t, out[0].Message, "answered false", "password policy")
	if strings.Contains(out[0].Message, user+"-pw") {
		t.Errorf("password in %q", out[0].Message)
	}

	// An unknown user stops at the lookup: no password is sent.
	out = runJob(t, b, runner.Spec{Mode: "set", Users: []string{"ghost"}})
	if out[0].Status != backends.StatusFailed {
		t.Fatalf("%+v", out[0])
	}
	wantContains(t, out[0].Message, "looking up ghost", `User not found CORP\ghost`)
	if n := len(s.Calls("Set_User_Password")); n != 1 {
		t.Errorf("%d Set_User_Password calls, want only the first user's", n)
	}

	// Get_User_DN answering false is "user not found" too.
	s.SetQuirks(webadmtest.Quirks{FalseMethod: "Get_User_DN"})
	_, err := b.Reset(context.Background(), backends.Target{User: user, Mode: "set", Secret: "Good-Pass-123"})
	if kindOf(t, err) != backends.Refused {
		t.Fatal(err)
	}
	wantContains(t, err.Error(), "user not found: "+user)

	// A typed password the rules refuse is refused before the run starts.
	_, err = backendtest.TryRun(b, runner.Spec{Mode: "set", Users: []string{user}, Password: "short"})
	if err == nil {
		t.Fatal("short password accepted")
	}
	wantContains(t, err.Error(), "at least 8 characters")
}

func TestCheckPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"Abcdef1!":                "",
		"abcdefg1A":               "",
		"Pässwört-99":             "",
		"Abc1!":                   "at least 8",
		"alllowercase1":           "three of",
		"ALLUPPER-CASE":           "three of",
		"Tab\there-1A":            "control character",
		strings.Repeat("aA1", 90): "at most 256",
	} {
		err := webadm.CheckPassword(pw)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckPassword(%q) = %v, want %q", pw, err, want)
		}
	}
}

func TestPolicyPasswordsAreAccepted(t *testing.T) {
	s, b := setup(t, 50)
	set := mode(t, "set")
	for range 200 {
		pw, err := set.Policy.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if err := set.CheckPassword(pw); err != nil {
			t.Fatalf("%q: %v", pw, err)
		}
	}
	// And the fake's directory rules accept what the policy makes, for every user.
	users := s.Users()
	out := runJob(t, b, runner.Spec{Mode: set.Name, Users: users, Concurrency: 8})
	for _, o := range out {
		if o.Status != backends.StatusOK {
			t.Fatalf("%s: %s", o.User, o.Message)
		}
	}
}

func TestSearch(t *testing.T) {
	s, b := setup(t, 50)
	got, err := b.Search(context.Background(), " doe ", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no Doe found")
	}
	for i, u := range got {
		if !strings.Contains(strings.ToLower(u.Name+u.ID+u.Detail), "doe") {
			t.Errorf("hit %+v does not match doe", u)
		}
		if i > 0 && got[i-1].Name > u.Name {
			t.Errorf("not sorted by name: %q before %q", got[i-1].Name, u.Name)
		}
		if _, ok := s.User(u.ID); !ok || !strings.HasSuffix(u.Detail, "@corp.example.com") {
			t.Errorf("hit %+v: ID is not a login or Detail not a mail", u)
		}
	}
	r := s.Calls("Search_LDAP_Objects")[0]
	wantKeys(t, r, "basedn", "filter", "scope", "attrs")
	if f := param[string](t, r, "filter"); f != "(&(objectClass=user)(|(cn=*doe*)(samaccountname=*doe*)(uid=*doe*)(mail=*doe*)))" {
		t.Errorf("filter %q", f)
	}
	if param[string](t, r, "basedn") != webadmtest.BaseDN || param[string](t, r, "scope") != "sub" {
		t.Errorf("params %s", r.Body)
	}
	if a := param[[]string](t, r, "attrs"); !slices.Contains(a, "cn") || !slices.Contains(a, "samaccountname") || !slices.Contains(a, "mail") {
		t.Errorf("attrs %v", a)
	}

	limited, err := b.Search(context.Background(), "", 7)
	if err != nil || len(limited) != 7 {
		t.Fatalf("empty query, limit 7: %d hits, %v", len(limited), err)
	}
	// No match: WebADM (PHP) answers [] rather than {}.
	none, err := b.Search(context.Background(), "zzzz-nobody", 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("no match: %v, %v", none, err)
	}

	p := profile(s)
	p.BaseDN = ""
	_, err = backendtest.Client(t, p, webadmtest.Password).Search(context.Background(), "doe", 10)
	if err == nil {
		t.Fatal("search without base_dn")
	}
	wantContains(t, err.Error(), "base_dn")
}

func TestEscapeFilter(t *testing.T) {
	for in, want := range map[string]string{
		"jdoe":            "jdoe",
		"*":               `\2a`,
		"(":               `\28`,
		")":               `\29`,
		`\`:               `\5c`,
		"\x00":            `\00`,
		"a*b(c)d\\e\x00f": `a\2ab\28c\29d\5ce\00f`,
		"Müller":          "Müller",
		"bad\xffutf8":     `bad\ffutf8`,
		`\2a`:             `\5c2a`, // an escape typed by the user stays literal
	} {
		if got := webadm.EscapeFilter(in); got != want {
			t.Errorf("EscapeFilter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchTypedSpecialsMatchLiterally(t *testing.T) {
	s, b := setup(t, 10)
	s.AddUser("starp", `Star (Test) \ Person*`)
	got, err := b.Search(context.Background(), `(Test) \ Person*`, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "starp" {
		t.Fatalf("hits %+v, want only starp", got)
	}
	f := param[string](t, s.Calls("Search_LDAP_Objects")[0], "filter")
	wantContains(t, f, `(cn=*\28Test\29 \5c Person\2a*)`)

	// A typed '*' matches a literal star only.
	if got, err := b.Search(context.Background(), "*", 10); err != nil || len(got) != 1 || got[0].ID != "starp" {
		t.Errorf("Search(*) = %v, %v; want only starp", got, err)
	}
	// Text that would widen an unescaped filter finds nothing, and NUL is harmless.
	for _, q := range []string{"*)(objectClass=*", "a\x00b", `\2a`} {
		got, err := b.Search(context.Background(), q, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("Search(%q) = %v, %v; want no hits and no error", q, got, err)
		}
	}
}

func TestModesOfferOptionsToGenericCode(t *testing.T) {
	link := mode(t, "link")
	if err := backends.ValidateOptions(link, backends.Options{Method: "mailsms", Expires: 720, Comments: "x"}); err != nil {
		t.Error(err)
	}
	if err := backends.ValidateOptions(link, backends.Options{Method: "FAX"}); err == nil {
		t.Error("FAX accepted")
	}
	if err := backends.ValidateOptions(link, backends.Options{MustChange: true}); err == nil {
		t.Error("must-change accepted for a link")
	}
	set := mode(t, "set")
	if err := backends.ValidateOptions(set, backends.Options{MustChange: true}); err != nil {
		t.Error(err)
	}
	if err := backends.ValidateOptions(set, backends.Options{Method: "MAIL"}); err == nil {
		t.Error("a delivery method accepted for set")
	}
}

func TestResetUnknownMode(t *testing.T) {
	s, b := setup(t, 50)
	_, err := b.Reset(context.Background(), backends.Target{User: "adoe", Mode: "sip"})
	var e *backends.Error
	if !errors.As(err, &e) || e.Kind != backends.NotSent {
		t.Fatalf("%v", err)
	}
	if len(s.Requests()) != 0 {
		t.Error("sent")
	}
}
