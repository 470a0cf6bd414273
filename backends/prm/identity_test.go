package prm_test

import (
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/prm/prmtest"
	"resetdesk/backends/runner"
)

// contractForms are the user id forms of the contract's example, in both cases.
var contractForms = []string{"Jon.One", "jon.one", `mydomain\Jon.One`, "Jon.One@mydomain.com",
	"LDAP://CN=Jon.One,CN=Users,DC=mydomain,DC=com", "ldap://cn=jon.one,cn=users,dc=mydomain,dc=com"}

// Issue 18's repro: Jon.One and jon.one were two generated passwords for one account,
// of which only the second worked. Every form of the contract is that one account.
func TestSpellingsOfOneAccountAreResetOnce(t *testing.T) {
	srv := prmtest.New(2)
	defer srv.Close()
	srv.AddUser("Jon.One", "Jon.One")
	b := newClient(t, srv, prmtest.Token, false)
	_, out := backendtest.Prepared(t, b, runner.Spec{Mode: "generate", Users: append([]string{srv.Users()[0]}, contractForms...)}, prmtest.Token)
	if out[1].Status != backends.StatusOK || out[1].Secret != srv.Password("Jon.One") {
		t.Fatalf("%+v (the service holds %q)", out[1], srv.Password("Jon.One"))
	}
	for _, o := range out[2:] {
		if o.Status != backends.StatusSkipped || o.Message != "same account as Jon.One" {
			t.Errorf("%+v", o)
		}
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// Issue 18's repro: protected = ["jon.one"] was bypassed by the ADsPath the contract
// lists, and by its lower-case form; the profile's own login likewise.
func TestProtectedAndOwnLoginHoldForEveryForm(t *testing.T) {
	srv := prmtest.New(2)
	defer srv.Close()
	srv.AddUser("Jon.One", "Jon.One")
	b := newClient(t, srv, prmtest.Token, false)
	p, _ := backendtest.ProfileOf(b)
	for _, f := range contractForms {
		for _, guard := range []func(*backends.Profile){
			func(p *backends.Profile) { p.Protected = []string{"jon.one"} },
			func(p *backends.Profile) { p.Protected = []string{"svc-*", f} },
			func(p *backends.Profile) { p.Username = f },
		} {
			q := p
			guard(&q)
			for _, id := range contractForms {
				if _, err := runner.NewRequest(b, q, runner.Spec{Mode: "generate", Users: []string{srv.Users()[0], id}}); err == nil ||
					!strings.Contains(err.Error(), "protected") && !strings.Contains(err.Error(), "own login") {
					t.Errorf("guard %q / %q, id %q: %v", q.Protected, q.Username, id, err)
				}
			}
		}
	}
	if len(srv.Requests()) != 0 {
		t.Fatal("something was sent")
	}
}
