package webadmtest

import "testing"

func TestParseFilter(t *testing.T) {
	entry := map[string][]string{"cn": {"Star (Test) * Person"}, "samaccountname": {"starp"}, "objectclass": {"user"}}
	for text, want := range map[string]bool{
		"(cn=*)":              true,
		"(cn=star*)":          true,
		"(CN=*\\28test\\29*)": true,
		"(cn=*\\2a*)":         true,
		"(&(objectClass=user)(|(cn=nobody)(samaccountname=starp)))": true,
		"(!(cn=*))":   false,
		"(mail=*)":    false,
		"(cn=*\\00*)": false,
	} {
		f, err := parseFilter(text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := f.match(entry); got != want {
			t.Errorf("%s matched %v, want %v", text, got, want)
		}
	}
	// What an unescaped '(' or NUL does to a filter: a directory refuses it.
	for _, bad := range []string{"(cn=*(Test)*)", "(cn=a\x00b)", "(cn=x", "cn=x", "(cn=\\zz)", "(&)", "(cn=x))"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
