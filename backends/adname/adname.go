// Package adname reads the ways Active Directory names an account — a login, DOMAIN\login,
// login@suffix (a userPrincipalName, or a mail address), a distinguished name, an
// LDAP:// ADsPath — for the kinds that reset in Active Directory (ADManager, WebADM,
// PRM). AD compares all of them case-insensitively.
package adname

import (
	"fmt"
	"strconv"
	"strings"

	"resetdesk/backends"
)

// Form is how an id names an account.
type Form int

const (
	// Login is a sAMAccountName: jdoe.
	Login Form = iota
	// DomainLogin is a login with its domain: CORP\jdoe.
	DomainLogin
	// Principal is name@suffix: a userPrincipalName, or a mail address; only the
	// directory knows which account it is.
	Principal
	// DN is a distinguished name (CN=Jane Doe,OU=Users,DC=corp,DC=example,DC=com) or an
	// ADsPath (LDAP://CN=…, LDAP://host/CN=…).
	DN
)

// Name is one id read as an AD name.
type Name struct {
	Form Form
	// Login is the login of a Login or DomainLogin, the part before '@' of a Principal.
	Login string
	// Domain is the domain of a DomainLogin.
	Domain string
	// DN is the DN of a DN (an ADsPath's without LDAP:// and its server).
	DN string
	// CN is the value of a DN's first RDN when it is a CN (CN=Jon.One,… → Jon.One).
	CN string
	// ADsPath: the DN was written as an LDAP:// path.
	ADsPath bool
}

// Parse reads id as an AD name.
func Parse(id string) Name {
	rest, ads := cutPrefixFold(id, "LDAP://")
	if ads {
		// LDAP://host[:port]/CN=…: the server part ends at the first '/' before the DN.
		if slash := strings.IndexByte(rest, '/'); slash >= 0 && slash < max(strings.IndexByte(rest, '='), 0) {
			rest = rest[slash+1:]
		}
	}
	if ads || isDN(rest) {
		n := Name{Form: DN, DN: rest, ADsPath: ads}
		if rdns := splitRDNs(rest); len(rdns) > 0 {
			if typ, val, ok := strings.Cut(rdns[0], "="); ok && strings.EqualFold(strings.TrimSpace(typ), "cn") {
				n.CN = unescape(strings.TrimSpace(val))
			}
		}
		return n
	}
	if dom, login, ok := strings.Cut(id, `\`); ok {
		return Name{Form: DomainLogin, Domain: dom, Login: login}
	}
	if local, _, ok := strings.Cut(id, "@"); ok {
		return Name{Form: Principal, Login: local}
	}
	return Name{Form: Login, Login: id}
}

// isDN reports whether s starts like a DN: an attribute type (letters, digits, '-', or
// an OID) and '='. No login holds '=', which Active Directory refuses in one.
func isDN(s string) bool {
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return false
	}
	for _, r := range s[:eq] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == ' ') {
			return false
		}
	}
	return true
}

// splitRDNs splits a DN at its unescaped commas.
func splitRDNs(dn string) []string {
	var out []string
	start := 0
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++ // the escaped character is part of the value
		case ',', ';':
			out = append(out, dn[start:i])
			start = i + 1
		}
	}
	return append(out, dn[start:])
}

// unescape resolves a DN value's escapes (RFC 4514): \, and \2C both mean ','.
func unescape(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 >= len(v) {
			b.WriteByte(v[i])
			continue
		}
		if i+2 < len(v) {
			if n, err := strconv.ParseUint(v[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(v[i+1])
		i++
	}
	return b.String()
}

// CanonicalDN is a DN as AD compares it: each RDN's type and value trimmed and in lower
// case (escapes resolved), joined by ','.
func CanonicalDN(dn string) string {
	rdns := splitRDNs(dn)
	for i, r := range rdns {
		typ, val, _ := strings.Cut(r, "=")
		rdns[i] = strings.ToLower(strings.TrimSpace(typ)) + "=" + strings.ToLower(unescape(strings.TrimSpace(val)))
	}
	return strings.Join(rdns, ",")
}

// Names are the lower-case names n stands for, for the guards: the id itself, the login
// (of DOMAIN\login, or before the '@'), DOMAIN\login, a DN's CN and the DN.
func (n Name) Names(id string) []string {
	names := []string{strings.ToLower(id)}
	add := func(s string) {
		if s = strings.ToLower(s); s != "" && s != names[0] {
			names = append(names, s)
		}
	}
	switch n.Form {
	case Login, DomainLogin, Principal:
		add(n.Login)
	case DN:
		add(n.CN)
		add(CanonicalDN(n.DN))
	}
	return names
}

// Identity reads id for a kind that resets in Active Directory. directory: the system
// can look accounts up, so a Principal or a DN is looked up (its key until then is its
// own spelling), and the system is sent the plain login of a DOMAIN\login and the DN of
// an ADsPath. Without one (PRM), the id is sent as written and the login it carries
// stands for the account: jon.one, MYDOMAIN\Jon.One, Jon.One@mydomain.com and
// LDAP://CN=Jon.One,… are one account.
func Identity(id string, directory bool) backends.Identity {
	n := Parse(id)
	idn := backends.Identity{Key: strings.ToLower(n.Login), Send: id, Names: n.Names(id)}
	if !directory {
		if n.Form == DN {
			idn.Key = strings.ToLower(n.CN)
			if n.CN == "" {
				idn.Key = "dn:" + CanonicalDN(n.DN)
			}
		}
		return idn
	}
	switch n.Form {
	case DomainLogin:
		idn.Send = n.Login
	case Principal:
		idn.Key, idn.Lookup = "principal:"+strings.ToLower(id), true
	case DN:
		idn.Key, idn.Send, idn.Lookup = "dn:"+CanonicalDN(n.DN), n.DN, true
	}
	return idn
}

// CheckDomain refuses a DOMAIN\login whose domain is none of the profile's domains
// (compared with each one's first label too: CORP is corp.example.com's): the login would
// be reset in the profile's domain, which may be another account.
func CheckDomain(id string, domains ...string) error {
	n := Parse(id)
	if n.Form != DomainLogin {
		return nil
	}
	if n.Domain == "" || n.Login == "" || strings.Contains(n.Login, `\`) {
		return fmt.Errorf(`user %q: a login with its domain looks like CORP\jdoe`, id)
	}
	var known []string
	for _, d := range domains {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		known = append(known, d)
		label, _, _ := strings.Cut(d, ".")
		if strings.EqualFold(n.Domain, d) || strings.EqualFold(n.Domain, label) {
			return nil
		}
	}
	if len(known) == 0 {
		return fmt.Errorf(`user %q: the profile names no domain to check %s\ against: give the login alone`, id, n.Domain)
	}
	return fmt.Errorf(`user %q: %s\ is not the profile's domain (%s): give the login alone, or use a profile of that domain`, id, n.Domain, strings.Join(known, ", "))
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
