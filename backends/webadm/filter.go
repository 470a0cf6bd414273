package webadm

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// EscapeFilter escapes text for the value of an LDAP search filter (RFC 4515): '*', '(',
// ')', '\' and NUL become \2a, \28, \29, \5c and \00, so that what a technician types is
// matched literally and can never change the filter. Bytes that are not valid UTF-8
// are escaped as well, since a filter value is UTF-8.
func EscapeFilter(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\%02x`, s[i])
		case r == '*' || r == '(' || r == ')' || r == '\\' || r == 0:
			fmt.Fprintf(&b, `\%02x`, byte(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// searchAttrs are the attributes asked for and matched: the display name, the login
// (Active Directory and OpenLDAP spellings) and the mail address.
var searchAttrs = []string{"cn", "samaccountname", "uid", "mail"}

// searchFilter finds users whose name, login or mail contains the typed text; empty
// text lists users.
func searchFilter(text string) string {
	if text == "" {
		return "(&(objectClass=user)(|(samaccountname=*)(uid=*)))"
	}
	v := "*" + EscapeFilter(text) + "*"
	var b strings.Builder
	b.WriteString("(&(objectClass=user)(|")
	for _, a := range searchAttrs {
		b.WriteString("(" + a + "=" + v + ")")
	}
	b.WriteString("))")
	return b.String()
}
