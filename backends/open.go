package backends

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// RequestLog receives one line's facts per HTTP request a back end makes (--debug): the
// method, the path without its query (where tokens may travel), the status (0 when no
// answer came) and the time it took. The caller redacts and prints it.
type RequestLog func(method, path string, status int, elapsed time.Duration, err error)

// OpenOption changes how Open builds a back end.
type OpenOption func(*openOptions)

type openOptions struct{ log RequestLog }

// WithRequestLog logs every request of the back end.
func WithRequestLog(log RequestLog) OpenOption { return func(o *openOptions) { o.log = log } }

// Open builds profile p's back end with its secret: the base URL checked, the HTTP client
// built from the profile's TLS settings, then the kind's own client. Nothing is sent.
func Open(p Profile, secret string, opts ...OpenOption) (Backend, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	kind, ok := Lookup(p.Kind)
	if !ok {
		return nil, fmt.Errorf("profile %s: unknown kind %q", p.Name, p.Kind)
	}
	if err := CheckBaseURL(p.URL); err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	client, err := NewClient(p)
	if err != nil {
		return nil, err
	}
	if o.log != nil {
		client.Transport = loggingTransport{next: client.Transport, log: o.log}
	}
	b, err := kind.New(p, secret, client)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	return redactBackend(b, secret), nil
}

// NewClient builds the HTTP client for a profile: verification on, the profile's CA
// file added to the system roots, and skip-verify only when the profile says so.
func NewClient(p Profile) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.CAFile != "" {
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("profile %s: ca_file: %v", p.Name, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("profile %s: ca_file %s holds no PEM certificate", p.Name, p.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	tlsConf.InsecureSkipVerify = p.InsecureSkipVerify
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConf
	tr.MaxIdleConnsPerHost = 64
	tr.ResponseHeaderTimeout = 0 // the per-request context carries the deadline
	return &http.Client{
		Transport: tr,
		// Never follow a redirect silently: a login page redirect must not look like success,
		// and a POST must not be replayed elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// CheckBaseURL refuses a base URL the clients cannot safely append their API paths to:
// not absolute http(s), no host, credentials in it, or a query, a fragment or a space
// (which would end up in the middle of every request's path).
func CheckBaseURL(raw string) error {
	if strings.ContainsAny(raw, " \t\r\n") {
		return fmt.Errorf("url %q contains a space: write it without one (spaces in a path are %%20)", raw)
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("url %q contains a control character", raw)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q is not a valid URL: %v", raw, err)
	}
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("url %q has no scheme: write https://%s", raw, strings.TrimPrefix(raw, "//"))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q must start with https:// (or http://)", raw)
	}
	if u.User != nil {
		return fmt.Errorf("url must not carry credentials; store them with `resetdesk creds set`")
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("url %q has no host", raw)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("url %q: port %s is not a port (1..65535)", raw, port)
		}
	}
	if u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("url %q has a query (?...): give the base URL only; the API paths are appended to it", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("url %q has a fragment (#...): give the base URL only", raw)
	}
	return nil
}

// loggingTransport reports each request to a RequestLog.
type loggingTransport struct {
	next http.RoundTripper
	log  RequestLog
}

func (t loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.log(req.Method, req.URL.EscapedPath(), status, time.Since(start), err)
	return resp, err
}
