package webadm_test

import (
	"encoding/json"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm"
	"resetdesk/backends/webadm/webadmtest"
)

func prepared(t *testing.T, b backends.Backend, spec runner.Spec) (runner.Request, []backends.Outcome) {
	t.Helper()
	return backendtest.Prepared(t, b, spec, adminSecrets()...)
}

// Issue 18's repro: jdoe and JDoe were two resets of one AD account, of which only the
// second password worked.
func TestSameLoginInAnotherCaseIsResetOnce(t *testing.T) {
	s, b := setup(t, 60) // jdoe is Jamal Doe
	_, out := prepared(t, b, runner.Spec{Mode: "set", Users: []string{"jdoe", "JDoe"}})
	if out[0].Status != backends.StatusOK || out[0].Secret != s.Password("jdoe") || out[0].Name != "Jamal Doe" {
		t.Fatalf("%+v (the server holds %q)", out[0], s.Password("jdoe"))
	}
	if out[1].Status != backends.StatusSkipped || out[1].Message != "same account as jdoe" || out[1].Secret != "" {
		t.Fatalf("%+v", out[1])
	}
	if n := len(s.Calls("Set_User_Password")); n != 1 {
		t.Fatalf("%d passwords set", n)
	}
}

// Every id is looked up before anything is sent, LookupBatch ids a search, every value
// escaped; the lookup names the person and their department; an id the directory does
// not hold is never sent.
func TestLookupIsOneSearchPerHundredIDs(t *testing.T) {
	s, b := setup(t, 240)
	s.AddUser("odd", "Odd (Name) *Star*")
	users := append(s.Users()[:230], "ghost", "CN=Odd (Name) *Star*,"+webadmtest.UsersOU, "jdoe@corp.example.com")
	before := len(s.Calls("Search_LDAP_Objects"))
	req, out := prepared(t, b, runner.Spec{Mode: "link", Users: users, Options: backends.Options{Method: "NONE"}, Concurrency: 8})
	searches := s.Calls("Search_LDAP_Objects")[before:]
	if len(searches) != 3 {
		t.Fatalf("%d searches for %d ids, want 3", len(searches), len(users))
	}
	for _, c := range searches {
		var f string
		_ = json.Unmarshal(c.Params["filter"], &f)
		if n := strings.Count(f, "(samaccountname=") + strings.Count(f, "(userprincipalname=") + strings.Count(f, "(distinguishedname="); n > webadm.LookupBatch {
			t.Errorf("one search carries %d ids", n)
		}
	}
	if a := req.Account(0); a.Name == "" || a.Detail == "" || a.ID != users[0] {
		t.Errorf("line 1: %+v", a)
	}
	backendtest.Expect(t, out[230], backends.StatusFailed, []string{"not found in RCDevs WebADM"}, nil)
	if out[231].Status != backends.StatusOK || req.Account(231).ID != "odd" || out[231].Name != "Odd (Name) *Star*" {
		t.Errorf("the DN with filter characters: %+v %+v", out[231], req.Account(231))
	}
	if out[232].Status != backends.StatusSkipped || out[232].Message != "same account as jdoe" {
		t.Errorf("the UPN of a login in the run: %+v", out[232])
	}
	for _, c := range s.Calls("PwReset.Send_Request") {
		if strings.Contains(string(c.Params["username"]), "ghost") {
			t.Fatal("a link was requested for an id the directory does not hold")
		}
	}
}
