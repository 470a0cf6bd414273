package admanager_test

import (
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
)

// prepared runs spec the way the front ends do: Prepare (the lookups), then the run.
func prepared(t *testing.T, b backends.Backend, spec runner.Spec) (runner.Request, []backends.Outcome) {
	t.Helper()
	return backendtest.Prepared(t, b, spec, admanagertest.Token)
}

// A UPN, a mail address and a DN are each looked up with one filtered SearchUser
// (a mail after the UPN found nobody), and the reset goes to the account found.
func TestLookupFindsTheAccountBehindEachForm(t *testing.T) {
	s, b := setup(t, 3)
	dn := "CN=Jonathan One (jon.one),OU=Sales,DC=corp,DC=example,DC=com"
	s.AddUser(admanagertest.User{SAM: "jon.one", UPN: "jonathan.one@corp.example.com", DN: dn,
		First: "Jonathan", Last: "One", Mail: "j.one@corp.example.com", Department: "Sales"})
	for _, id := range []string{"jonathan.one@corp.example.com", "J.One@corp.example.com", "LDAP://" + dn} {
		before := len(s.Calls(admanagertest.PathSearchUser))
		req, out := prepared(t, b, runner.Spec{Mode: "set", Users: []string{id}})
		if out[0].Status != backends.StatusOK || out[0].Name != "Jonathan One" || s.Password("jon.one") != out[0].Secret {
			t.Fatalf("%s: %+v (the server holds %q)", id, out[0], s.Password("jon.one"))
		}
		if a := req.Account(0); a.ID != "jon.one" || a.Detail != "Sales" {
			t.Errorf("%s: %+v", id, a)
		}
		calls := s.Calls(admanagertest.PathSearchUser)[before:]
		look := calls[0] // the lookups come before the run's token check
		want := map[string]string{"range": "2", "startIndex": "1",
			"select": "sAMAccountName,userPrincipalName,displayName,department,mail,mobile,employeeID"}
		for k, v := range want {
			if look.Params[k] != v {
				t.Errorf("%s: %s = %q, want %q", id, k, look.Params[k], v)
			}
		}
		if _, has := look.Params["searchText"]; has {
			t.Errorf("%s: a lookup sent searchText", id)
		}
		switch {
		case strings.HasPrefix(id, "LDAP"):
			if look.Params["filter"] != "(distinguishedName:equal:"+dn+")" {
				t.Errorf("filter %q", look.Params["filter"])
			}
		case strings.HasPrefix(id, "J."):
			if calls[0].Params["filter"] != "(userPrincipalName:equal:"+id+")" || calls[1].Params["filter"] != "(mail:equal:"+id+")" {
				t.Errorf("filters %q then %q", calls[0].Params["filter"], calls[1].Params["filter"])
			}
		}
		if rs := resets(s); rs[len(rs)-1].Params["inputFormat"] != `[{"sAMAccountName":"jon.one"}]` {
			t.Errorf("%s: reset sent %s", id, rs[len(rs)-1].Params["inputFormat"])
		}
	}
}

// A mail that two accounts share names nobody for sure; an id nobody has is not found.
// Neither is sent.
func TestAmbiguousAndUnknownIDsAreNeverSent(t *testing.T) {
	s, b := setup(t, 3)
	for _, sam := range []string{"desk1", "desk2"} {
		s.AddUser(admanagertest.User{SAM: sam, UPN: sam + "@corp.example.com", DN: "CN=" + sam + ",DC=corp,DC=example,DC=com", Mail: "desk@corp.example.com"})
	}
	_, out := prepared(t, b, runner.Spec{Mode: "set", Users: []string{"desk@corp.example.com", "ghost@corp.example.com", s.Users()[0]}})
	backendtest.Expect(t, out[0], backends.StatusFailed, []string{"names 2 accounts in ManageEngine ADManager Plus"}, nil)
	backendtest.Expect(t, out[1], backends.StatusFailed, []string{"not found in ManageEngine ADManager Plus"}, nil)
	if out[2].Status != backends.StatusOK || len(resets(s)) != 1 {
		t.Fatalf("%+v, %d resets", out[2], len(resets(s)))
	}
}

// CORP\login is the login in the profile's domain; another domain is refused; a DN or an
// ADsPath is an id like the others.
func TestValidateUserTakesEveryADForm(t *testing.T) {
	_, b := setup(t, 1)
	v := b.(backends.UserValidator)
	for _, id := range []string{`CORP\jdoe`, `corp.example.com\jdoe`, "CN=Jane Doe,OU=Users,DC=corp,DC=example,DC=com",
		"LDAP://CN=Jane Doe,OU=Users,DC=corp,DC=example,DC=com", "ldap://cn=jane doe,dc=corp"} {
		if err := v.ValidateUser(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for id, want := range map[string]string{`OTHER\jdoe`: "not the profile's domain", `CORP\a/b`: "cannot contain"} {
		if err := v.ValidateUser(id); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", id, err)
		}
	}
}

// Issue 18 item 6: unlock is a mode of its own — /RestAPI/UnlockUser with the account,
// no password, nothing to hand over.
func TestUnlockModeUnlocksWithoutASecret(t *testing.T) {
	s, b := setup(t, 10)
	user := s.Users()[4] // seeded locked out
	if !s.Locked(user) {
		t.Fatal("the fake seeds this user locked")
	}
	out := runJob(t, b, runner.Spec{Mode: "unlock", Users: []string{user, "ghost"}, Concurrency: 1})
	if out[0].Status != backends.StatusOK || out[0].Secret != "" || out[0].Message != admanagertest.MsgUnlocked || s.Locked(user) {
		t.Fatalf("%+v (still locked: %v)", out[0], s.Locked(user))
	}
	backendtest.Expect(t, out[1], backends.StatusFailed, []string{admanagertest.MsgNotFound}, nil)
	calls := s.Calls(admanagertest.PathUnlockUser)
	if len(calls) != 2 || len(resets(s)) != 0 {
		t.Fatalf("%d unlocks, %d resets", len(calls), len(resets(s)))
	}
	want := map[string]string{"PRODUCT_NAME": "resetdesk test", "AuthToken": admanagertest.Token,
		"domainName": admanagertest.Domain, "inputFormat": `[{"sAMAccountName":"` + user + `"}]`}
	if r := calls[0]; r.Method != "POST" || len(r.Params) != len(want) {
		t.Errorf("%s %v, want POST with exactly %v", r.Method, r.Params, want)
	}
	for k, v := range want {
		if calls[0].Params[k] != v {
			t.Errorf("%s = %q, want %q", k, calls[0].Params[k], v)
		}
	}
	if _, err := backendtest.TryRun(b, runner.Spec{Mode: "unlock", Users: []string{user}, Password: "Typed-Pass-1"}); err == nil {
		t.Error("unlock took a typed password")
	}
}

// Unlock too: set and generate unlock the account after its reset; the reset stands
// whatever the unlock answers, and the outcome says both.
func TestUnlockTooAfterTheReset(t *testing.T) {
	s, b := setup(t, 10)
	user := s.Users()[4]
	for _, mode := range []string{"set", "generate"} {
		s.Lock(user)
		out := runJob(t, b, runner.Spec{Mode: mode, Users: []string{user}, Options: backends.Options{Unlock: true}})
		if out[0].Status != backends.StatusOK || s.Locked(user) || !strings.Contains(out[0].Message, "unlock: "+admanagertest.MsgUnlocked) {
			t.Fatalf("%s: %+v (still locked: %v)", mode, out[0], s.Locked(user))
		}
	}
	s.SetFaults(admanagertest.Faults{Fail: "UnlockUser", FailStatus: 500})
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}, Options: backends.Options{Unlock: true}})
	if out[0].Status != backends.StatusOK || out[0].Secret != s.Password(user) || !strings.Contains(out[0].Message, "not unlocked") {
		t.Fatalf("a failed unlock after a reset: %+v", out[0])
	}
	if _, err := backendtest.TryRun(b, runner.Spec{Mode: "unlock", Users: []string{user}, Options: backends.Options{Unlock: true}}); err == nil {
		t.Error("unlock took the unlock-too option")
	}
}

// The contract leaves UnlockUser's status assumed: without one, the message decides.
func TestUnlockWithoutStatusReadsTheMessage(t *testing.T) {
	s, b := setup(t, 10)
	s.SetQuirks(admanagertest.Quirks{UnlockNoStatus: true})
	out := runJob(t, b, runner.Spec{Mode: "unlock", Users: []string{s.Users()[4], "ghost"}})
	if out[0].Status != backends.StatusOK || out[0].Message != admanagertest.MsgUnlocked {
		t.Errorf("%+v", out[0])
	}
	backendtest.Expect(t, out[1], backends.StatusFailed, []string{admanagertest.MsgNotFound}, nil)
}
