package adname_test

import (
	"slices"
	"strings"
	"testing"

	"resetdesk/backends/adname"
)

func TestParseReadsEveryForm(t *testing.T) {
	cases := []struct {
		id   string
		want adname.Name
	}{
		{"Jon.One", adname.Name{Form: adname.Login, Login: "Jon.One"}},
		{`mydomain\Jon.One`, adname.Name{Form: adname.DomainLogin, Domain: "mydomain", Login: "Jon.One"}},
		{"Jon.One@mydomain.com", adname.Name{Form: adname.Principal, Login: "Jon.One"}},
		{"CN=Jon.One,CN=Users,DC=mydomain,DC=com", adname.Name{Form: adname.DN, DN: "CN=Jon.One,CN=Users,DC=mydomain,DC=com", CN: "Jon.One"}},
		{"LDAP://CN=Jon.One,CN=Users,DC=mydomain,DC=com", adname.Name{Form: adname.DN, DN: "CN=Jon.One,CN=Users,DC=mydomain,DC=com", CN: "Jon.One", ADsPath: true}},
		{"ldap://cn=jon.one,cn=users,dc=mydomain,dc=com", adname.Name{Form: adname.DN, DN: "cn=jon.one,cn=users,dc=mydomain,dc=com", CN: "jon.one", ADsPath: true}},
		{"LDAP://dc1.mydomain.com:389/CN=Jon.One,CN=Users,DC=mydomain,DC=com", adname.Name{Form: adname.DN, DN: "CN=Jon.One,CN=Users,DC=mydomain,DC=com", CN: "Jon.One", ADsPath: true}},
		{`CN=Doe\, Jane (jdoe),OU=Users,DC=corp`, adname.Name{Form: adname.DN, DN: `CN=Doe\, Jane (jdoe),OU=Users,DC=corp`, CN: "Doe, Jane (jdoe)"}},
		{`CN=A\2CB,DC=corp`, adname.Name{Form: adname.DN, DN: `CN=A\2CB,DC=corp`, CN: "A,B"}},
		{"OU=Users,DC=corp", adname.Name{Form: adname.DN, DN: "OU=Users,DC=corp"}},
	}
	for _, c := range cases {
		if got := adname.Parse(c.id); got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.id, got, c.want)
		}
	}
}

func TestCanonicalDNIgnoresCaseSpacesAndEscapes(t *testing.T) {
	a := adname.CanonicalDN(`CN=Doe\, Jane,OU=Users, DC=corp,DC=example`)
	b := adname.CanonicalDN(`cn=doe\2c jane, ou=users,dc=CORP ,dc=Example`)
	if a != b || a != "cn=doe, jane,ou=users,dc=corp,dc=example" {
		t.Fatalf("%q vs %q", a, b)
	}
}

// With a directory, a login settles the account and a UPN or DN waits for a lookup;
// without one (PRM), the login each form carries is the account.
func TestIdentityKeysAndWhatIsSent(t *testing.T) {
	dir := map[string][3]string{ // id: key, sent, lookup
		"Jon.One":                   {"jon.one", "Jon.One", ""},
		`CORP\Jon.One`:              {"jon.one", "Jon.One", ""},
		"Jon.One@corp.example":      {"principal:jon.one@corp.example", "Jon.One@corp.example", "lookup"},
		"LDAP://CN=Jon One,DC=corp": {"dn:cn=jon one,dc=corp", "CN=Jon One,DC=corp", "lookup"},
	}
	for id, w := range dir {
		idn := adname.Identity(id, true)
		if idn.Key != w[0] || idn.Send != w[1] || idn.Lookup != (w[2] != "") {
			t.Errorf("with a directory %q: %+v", id, idn)
		}
	}
	for _, id := range []string{"Jon.One", "jon.one", `mydomain\Jon.One`, "Jon.One@mydomain.com",
		"LDAP://CN=Jon.One,CN=Users,DC=mydomain,DC=com", "ldap://cn=jon.one,cn=users,dc=mydomain,dc=com"} {
		idn := adname.Identity(id, false)
		if idn.Key != "jon.one" || idn.Send != id || idn.Lookup {
			t.Errorf("without a directory %q: %+v", id, idn)
		}
		if !slices.Contains(idn.Names, "jon.one") {
			t.Errorf("%q: the guards do not see jon.one in %q", id, idn.Names)
		}
	}
}

func TestCheckDomainTakesOnlyTheProfilesDomain(t *testing.T) {
	for _, id := range []string{`CORP\jdoe`, `corp\jdoe`, `corp.example.com\jdoe`, "jdoe", "jdoe@other.example"} {
		if err := adname.CheckDomain(id, "corp.example.com"); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for id, want := range map[string]string{
		`OTHER\jdoe`: `OTHER\ is not the profile's domain (corp.example.com)`,
		`\jdoe`:      `looks like CORP\jdoe`,
		`CORP\`:      `looks like CORP\jdoe`,
	} {
		if err := adname.CheckDomain(id, "corp.example.com"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", id, err)
		}
	}
	if err := adname.CheckDomain(`CORP\jdoe`, ""); err == nil || !strings.Contains(err.Error(), "names no domain") {
		t.Errorf("no domain: %v", err)
	}
}
