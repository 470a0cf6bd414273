package backends

import (
	"net"
	"net/url"
	"strings"
)

// Transport says how a profile's connection is protected: the console's badge, the
// `profiles` column and the warnings before a run all read it from here.
type Transport int

const (
	TLSVerified   Transport = iota // https, certificates checked against the system's roots
	TLSCAFile                      // https, certificates checked against the profile's ca_file
	TLSUnverified                  // https with insecure_skip_verify: anyone on the path can read it
	PlainHTTP                      // http://: nothing is encrypted
)

// Transport is how p's connection is protected.
func (p Profile) Transport() Transport {
	switch {
	case strings.HasPrefix(strings.ToLower(strings.TrimSpace(p.URL)), "http://"):
		return PlainHTTP
	case p.InsecureSkipVerify:
		return TLSUnverified
	case p.CAFile != "":
		return TLSCAFile
	}
	return TLSVerified
}

// String is the badge: "TLS", "TLS (ca_file)", "INSECURE TLS" or "NO TLS".
func (t Transport) String() string {
	switch t {
	case TLSCAFile:
		return "TLS (ca_file)"
	case TLSUnverified:
		return "INSECURE TLS"
	case PlainHTTP:
		return "NO TLS"
	}
	return "TLS"
}

// Exposed reports whether secrets sent this way can be read by others on the path.
func (t Transport) Exposed() bool { return t == TLSUnverified || t == PlainHTTP }

// TransportWarning is what a technician is told before p's secrets are sent, or "" when
// the connection is protected. Plain http to this machine itself (an SSH tunnel, the
// demo) never leaves it, so it is not warned about.
func (p Profile) TransportWarning() string {
	switch p.Transport() {
	case TLSUnverified:
		return "TLS verification is OFF for this profile (insecure_skip_verify)"
	case PlainHTTP:
		if u, err := url.Parse(strings.TrimSpace(p.URL)); err == nil && IsLoopback(u.Hostname()) {
			return ""
		}
		return "this profile's URL is http://: the credentials and the new passwords travel unencrypted"
	}
	return ""
}

// IsLoopback reports whether host (a name or an address) is this machine itself:
// "localhost" or a loopback address. Plain text to it never crosses a network.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Badge is how p's transport is named on screen — the console's badge and the
// `profiles` column — and whether it is drawn as a danger: exactly when a run warns
// (TransportWarning). Plain http to this machine itself (the demo, an SSH tunnel) never
// leaves it: "local http".
func (p Profile) Badge() (text string, danger bool) {
	t := p.Transport()
	if t.Exposed() && p.TransportWarning() == "" {
		return "local http", false
	}
	return t.String(), t.Exposed()
}
