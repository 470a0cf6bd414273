package backends

import "testing"

func TestTransport(t *testing.T) {
	cases := []struct {
		p      Profile
		want   Transport
		warned bool
	}{
		{Profile{URL: "https://odin.example.com/api/v2"}, TLSVerified, false},
		{Profile{URL: "https://odin.example.com", CAFile: "/etc/ca.pem"}, TLSCAFile, false},
		{Profile{URL: "https://odin.example.com", InsecureSkipVerify: true}, TLSUnverified, true},
		{Profile{URL: "HTTP://adm.example.com:8080"}, PlainHTTP, true},
		{Profile{URL: "http://127.0.0.1:8080"}, PlainHTTP, false},
		{Profile{URL: "http://[::1]:8080"}, PlainHTTP, false},
		{Profile{URL: "http://localhost:8080"}, PlainHTTP, false},
		{Profile{URL: "http://localhost.example.com"}, PlainHTTP, true},
	}
	for _, c := range cases {
		if got := c.p.Transport(); got != c.want {
			t.Errorf("%s: Transport = %s, want %s", c.p.URL, got, c.want)
		}
		if w := c.p.TransportWarning(); (w != "") != c.warned {
			t.Errorf("%s: warning %q, want warned=%v", c.p.URL, w, c.warned)
		}
	}
}
