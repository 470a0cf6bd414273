// Package httpx is the HTTP plumbing every back-end client shares: requests held to the
// profile's timeout and classified by whether they reached the server, transport errors
// told as sentences that name what to change (the timeout key, the names a certificate
// holds), and response bodies read with clear messages when they are not the JSON that
// was due.
package httpx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/redact"
)

// MaxBody bounds how much of a response is read: no answer here is larger.
const MaxBody = 16 << 20

// JoinURL appends path to base without doubling or dropping '/'.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// Response is a fully read answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// secrets are every secret the request carried (the profile's and the call's): the
	// server's text is redacted with them, whole, before any of it is cut for a message.
	secrets *redact.Redactor
}

// Client sends one profile's requests: the HTTP client backends.Open built from the
// profile, and the profile's time limit per request, which every request is held to (a
// caller's shorter deadline still wins) and which a timeout names.
type Client struct {
	HTTP    *http.Client
	Timeout time.Duration // the profile's timeout key; 0 = backends.DefaultTimeout
	// Secrets are what every request of the profile may carry (its secret, the forms
	// it travels in, a session token once there is one); nil holds none.
	Secrets *redact.Redactor
}

// NewClient is profile p's request sender over c; secrets are what every one of its
// requests may carry (the profile's secret and the forms it is sent in).
func NewClient(p backends.Profile, c *http.Client, secrets ...string) Client {
	return Client{HTTP: c, Timeout: p.Timeout, Secrets: redact.New(secrets...)}
}

// limit is the time one request may take.
func (c Client) limit() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return backends.DefaultTimeout
}

// Do sends req and reads the whole answer, within the profile's timeout. Its errors are
// *backends.Error: NotSent when the request never reached the server (DNS, refused
// connection, TLS), Unanswered when it went out and no complete answer came (timeout,
// reset, truncated body). desc names the call for messages, like "SIP reset"; it must
// hold no secret. secrets are those the request carries besides the profile's (a new
// password), removed from every text of the answer.
func (c Client) Do(ctx context.Context, req *http.Request, desc string, secrets ...string) (*Response, error) {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, c.limit())
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
	req = req.WithContext(httptrace.WithClientTrace(rctx, trace))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, c.classify(ctx, rctx, start, err, wrote.Load(), desc, req.URL.Host)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, c.classify(ctx, rctx, start, err, true, desc, req.URL.Host)
	}
	if len(body) > MaxBody {
		// No answer of any system here is that large: whatever it is, it is not the
		// answer, and the request went out.
		return nil, &backends.Error{Kind: backends.Unanswered, Msg: fmt.Sprintf("%s: HTTP %d with an answer larger than %d MB, not read", desc, resp.StatusCode, MaxBody>>20)}
	}
	red := c.Secrets
	if len(secrets) > 0 {
		red = red.With(secrets...)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, secrets: red}, nil
}

// classify makes a transport error a *backends.Error: ctx is the caller's context, rctx
// the request's (under the profile's timeout), start when the request began.
func (c Client) classify(ctx, rctx context.Context, start time.Time, err error, sent bool, desc, host string) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(rctx.Err(), context.DeadlineExceeded) {
		waited := c.waited(ctx, start)
		if !sent {
			return &backends.Error{Kind: backends.NotSent, Msg: fmt.Sprintf("%s not sent: no connection within %s", desc, waited)}
		}
		return &backends.Error{Kind: backends.Unanswered, Msg: fmt.Sprintf("%s: no answer within %s", desc, waited)}
	}
	reason := describe(err, host)
	if !sent {
		return &backends.Error{Kind: backends.NotSent, Msg: fmt.Sprintf("%s not sent: %s", desc, reason)}
	}
	return &backends.Error{Kind: backends.Unanswered, Msg: fmt.Sprintf("%s: no answer (%s)", desc, reason)}
}

// waited says how long a request that timed out was allowed, and names the profile's
// timeout when that is the limit that ran out. The runner holds each reset to the same
// limit under a context of its own, made a moment before the request: a caller's
// deadline that left the request nearly the whole limit is that limit too.
func (c Client) waited(ctx context.Context, start time.Time) string {
	limit := c.limit()
	if ctx.Err() == nil {
		return roundDuration(limit).String() + " (the profile's timeout)"
	}
	allowed := time.Since(start)
	if d, ok := ctx.Deadline(); ok {
		allowed = d.Sub(start)
	}
	if allowed >= limit*9/10 {
		return roundDuration(limit).String() + " (the profile's timeout)"
	}
	return roundDuration(allowed).String()
}

// roundDuration keeps a duration readable, and a limit that a request got a moment after
// it was set recognisable: whole seconds from 10 s, tenths from 1 s, hundredths below.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// describe turns a transport error into a sentence without the URL (which may carry a
// secret in a query string).
func describe(err error, host string) string {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &unknownAuth) || errors.As(err, &certErr) && strings.Contains(certErr.Error(), "unknown authority"):
		return fmt.Sprintf("certificate of %s is signed by an unknown authority; set ca_file in the profile (or, knowingly, insecure_skip_verify)", host)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the certificate of %s is for %s, not %s: use one of its names in the profile's url", host, certNames(hostErr.Certificate), hostErr.Host)
	case errors.As(err, &certErr):
		return fmt.Sprintf("certificate of %s refused: %v", host, certErr.Err)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("host %s not found", dnsErr.Name)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "connection closed before the answer was complete"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.As(err, &recordErr):
		return fmt.Sprintf("%s does not speak TLS: use an http:// url", host)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("cannot connect to %s: %v", host, opErr.Err)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // drop the URL: it may hold a secret
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Sprintf("%s speaks plain HTTP: use an http:// url", host)
	}
	return err.Error()
}

// certNames lists the names a certificate is valid for: its DNS names and IP addresses
// (the subject's common name counts for nothing since Go 1.15, so it is only mentioned
// when there is nothing else).
func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no name that could be read"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		if cn := cert.Subject.CommonName; cn != "" {
			return fmt.Sprintf("no name at all (only the common name %q, which is not checked: the certificate needs a subject alternative name)", oneLine(cn, nameLen))
		}
		return "no name at all"
	}
	const most = 8
	for i, n := range names {
		names[i] = oneLine(n, nameLen)
	}
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}

// IsJSON reports whether body looks like JSON.
func IsJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == '"' || json.Valid(b))
}

// DecodeJSON decodes r.Body into v; when the body is not JSON (an HTML error page, a
// truncated answer) the error says what came instead. desc names the call.
func DecodeJSON(r *Response, v any, desc string) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		if !IsJSON(r.Body) {
			return fmt.Errorf("%s: expected JSON, got %s (HTTP %d)", desc, Snippet(r), r.Status)
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end") {
			return fmt.Errorf("%s: the answer was cut off or malformed JSON (HTTP %d)", desc, r.Status)
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return fmt.Errorf("%s: unexpected answer shape (HTTP %d): field %q holds %s", desc, r.Status, typeErr.Field, withArticle(typeErr.Value))
		}
		return fmt.Errorf("%s: unexpected answer shape (HTTP %d)", desc, r.Status)
	}
	return nil
}

// withArticle is a JSON value's kind with its article: "an array", "a string".
func withArticle(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date); def when absent.
func RetryAfter(h http.Header, def time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return def
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return 0
	}
	return def
}

// StatusError classifies an HTTP error status that a client has no better reading of:
// 429 and 503 with Retry-After are Throttled (not done, retry later); 502 and 504 are
// Unanswered (a gateway lost the answer: a change may have been made, which the runner
// says); everything else is Refused. detail is the server's text extracted from r
// ("" = a summary of r's body); it is redacted and cut here (Text).
func StatusError(r *Response, desc, detail string) *backends.Error {
	switch {
	case detail != "":
		detail = Text(r, detail)
	case IsJSON(r.Body):
		detail = Text(r, string(r.Body))
	default:
		detail = Snippet(r)
	}
	msg := fmt.Sprintf("%s: HTTP %d %s: %s", desc, r.Status, http.StatusText(r.Status), detail)
	switch {
	case r.Status == http.StatusTooManyRequests || (r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != ""):
		// No Retry-After is no wait asked for: the runner picks its own (0).
		return &backends.Error{Kind: backends.Throttled, Msg: msg, RetryAfter: RetryAfter(r.Header, 0)}
	case r.Status == http.StatusBadGateway || r.Status == http.StatusGatewayTimeout:
		return &backends.Error{Kind: backends.Unanswered, Msg: msg}
	}
	return &backends.Error{Kind: backends.Refused, Msg: msg}
}
