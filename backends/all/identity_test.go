package all_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/prm/prmtest"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm/webadmtest"
)

// identityCase is one kind with one account on its fake, and every form that names it.
type identityCase struct {
	kind, mode string
	b          backends.Backend
	p          backends.Profile
	plain      string   // the account's login as the system names it
	forms      []string // every other way to name the same account
	guardOnly  []string // spellings the guards refuse that are not provably the same account
	other      string   // another account
}

func identityCases(t *testing.T) []identityCase {
	adm := admanagertest.New(5)
	t.Cleanup(adm.Close)
	dn := "CN=Jonathan One,OU=Sales,DC=corp,DC=example,DC=com"
	adm.AddUser(admanagertest.User{SAM: "jon.one", UPN: "jonathan.one@corp.example.com", DN: dn,
		First: "Jonathan", Last: "One", Mail: "j.one@corp.example.com", Department: "Sales"})
	wa := webadmtest.New(5)
	t.Cleanup(wa.Close)
	wa.AddUser("jon.one", "Jonathan One")
	wdn := "CN=Jonathan One," + webadmtest.UsersOU
	pr := prmtest.New(5)
	t.Cleanup(pr.Close)
	pr.AddUser("Jon.One", "Jon.One")
	em := emmtest.New(5)
	t.Cleanup(em.Close)
	em.AddUser("kim.lee", "Kim", "Lee")
	od := odintest.New(5)
	t.Cleanup(od.Close)

	open := func(p backends.Profile, secret string) backends.Backend {
		p.Timeout = 5 * time.Second
		return backendtest.Client(t, p, secret)
	}
	adp := backends.Profile{Name: "adm-lab", Kind: "admanager", URL: adm.URL, Domain: admanagertest.Domain}
	wap := backends.Profile{Name: "webadm-lab", Kind: "webadm", URL: wa.URL, Username: webadmtest.Username, Domain: webadmtest.Domain, BaseDN: webadmtest.BaseDN}
	prp := backends.Profile{Name: "prm-lab", Kind: "prm", URL: pr.URL}
	emp := backends.Profile{Name: "emm-lab", Kind: "emm", URL: em.URL, Username: emmtest.Username}
	odp := backends.Profile{Name: "odin-lab", Kind: "odin", URL: od.BaseURL(), Username: odintest.Username, ServiceProvider: odintest.ServiceProvider, Group: odintest.Group}
	return []identityCase{
		{kind: "admanager", mode: "set", b: open(adp, admanagertest.Token), p: adp, plain: "jon.one", other: adm.Users()[0],
			forms: []string{"JON.ONE", `CORP\jon.one`, `corp.example.com\Jon.One`, "jonathan.one@corp.example.com",
				"JONATHAN.ONE@CORP.EXAMPLE.COM", "j.one@corp.example.com", dn, strings.ToLower(dn), "LDAP://" + dn,
				"ldap://" + strings.ToLower(dn), "LDAP://dc1.corp.example.com/" + dn}},
		{kind: "webadm", mode: "set", b: open(wap, webadmtest.Password), p: wap, plain: "jon.one", other: wa.Users()[0],
			forms: []string{"JON.ONE", `CORP\jon.one`, `corp\JON.ONE`, "jon.one@corp.example.com", "JON.ONE@CORP.EXAMPLE.COM",
				wdn, strings.ToLower(wdn), "LDAP://" + wdn, "ldap://" + strings.ToLower(wdn)}},
		{kind: "prm", mode: "generate", b: open(prp, prmtest.Token), p: prp, plain: "Jon.One", other: pr.Users()[0],
			forms: []string{"jon.one", "JON.ONE", `CORP\Jon.One`, `mydomain\jon.one`, "Jon.One@corp.example.com",
				"LDAP://CN=Jon.One,CN=Users,DC=corp,DC=example,DC=com", "ldap://cn=jon.one,cn=users,dc=corp,dc=example,dc=com"}},
		{kind: "emm", mode: "set", b: open(emp, emmtest.Password), p: emp, plain: "kim.lee", other: em.Users()[0],
			forms: []string{"KIM.LEE", "PRIMARY/kim.lee", "primary/Kim.Lee"}},
		{kind: "odin", mode: "sip", b: open(odp, odintest.Password), p: odp, plain: od.Users()[0], other: od.Users()[1],
			forms:     []string{"9871515000", "+9871515000", "5000"},
			guardOnly: []string{strings.ToUpper(od.Users()[0])}},
	}
}

// The Done-when table of issue 18: every form of an account, on every kind, is refused
// by a protected entry and by the profile's own login written in any other form, and
// collapses with the plain login to one reset.
func TestEveryFormOfAnAccountIsOneIdentity(t *testing.T) {
	ctx := context.Background()
	for _, c := range identityCases(t) {
		t.Run(c.kind, func(t *testing.T) {
			prepare := func(p backends.Profile, users ...string) (runner.Request, error) {
				return runner.Prepare(ctx, c.b, p, runner.Spec{Mode: c.mode, Users: users})
			}
			refused := func(what string, err error, id string) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), what) || !strings.Contains(err.Error(), strconv.Quote(id)) {
					t.Errorf("%s: %v", id, err)
				}
			}
			for _, f := range append(append([]string{c.plain}, c.forms...), c.guardOnly...) {
				p := c.p
				p.Protected = []string{c.plain}
				_, err := prepare(p, c.other, f)
				refused("protected", err, f)
				p.Protected = []string{"x-" + c.other, f}
				_, err = prepare(p, c.other, c.plain)
				refused("protected", err, c.plain)

				p = c.p
				p.Username = c.plain
				_, err = prepare(p, c.other, f)
				refused("own login", err, f)
				p.Username = f
				_, err = prepare(p, c.other, c.plain)
				refused("own login", err, c.plain)
			}
			for _, f := range c.forms {
				r, err := prepare(c.p, c.plain, c.other, f)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				if o, ok := r.Settled(2); r.Sends() != 2 || !ok || o.Status != backends.StatusSkipped || o.Message != "same account as "+c.plain {
					t.Errorf("%s: %d sent, line 3 %+v", f, r.Sends(), o)
				}
				if _, ok := r.Settled(0); ok || r.Account(0).Key != r.Account(2).Key {
					t.Errorf("%s: the first spelling is not the one reset: %+v vs %+v", f, r.Account(0), r.Account(2))
				}
			}
		})
	}
}
