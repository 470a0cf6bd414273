package backends_test

import (
	"net/url"
	"strings"
	"testing"

	"resetdesk/backends"
)

func TestCheckBaseURL(t *testing.T) {
	refused := map[string]string{
		"odin.example.com":             "write https://odin.example.com",
		"odin.example.com:8443/api/v2": "no scheme",
		"ftp://x":                      "must start with https://",
		"https://":                     "no host",
		"https://user:pw@host":         "credentials",
		"https://h/api/v2?x=1":         "query",
		"https://h/api/v2?":            "query",
		"https://h/api/v2#frag":        "fragment",
		"https://h/api v2":             "space",
		"https://h/\x1b]52;c;x\x07":    "control character",
	}
	for u, want := range refused {
		err := backends.CheckBaseURL(u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", u, err, want)
		}
	}
	for _, u := range []string{"https://odin.example.com/api/v2", "https://odin.example.com/api/v2/", "http://127.0.0.1:8080", "https://[::1]:8443"} {
		if err := backends.CheckBaseURL(u); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
}

// CheckBaseURL never panics, and what it accepts is an absolute http(s) URL with a host
// and nothing that would land in the middle of a request's path.
func FuzzCheckBaseURL(f *testing.F) {
	for _, s := range []string{"https://odin.example.com/api/v2", "http://127.0.0.1:8080", "odin.example.com", "https://h/api?x=1", "https://u:p@h", "https://h/a b", "https://[::1]:8443/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if backends.CheckBaseURL(s) != nil {
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(s, " \t\r\n#?") {
			t.Fatalf("accepted %q", s)
		}
	})
}
