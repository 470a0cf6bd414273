// Package httpx is the HTTP plumbing every back-end client shares: a client built from a
// profile's TLS settings, requests classified by whether they reached the server, and
// response bodies read with clear messages when they are not the JSON that was due.
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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"resetdesk/backends"
	"resetdesk/sanitize"
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
}

// Do sends req and reads the whole answer. Its errors are *backends.Error: NotSent when
// the request never reached the server (DNS, refused connection, TLS), Unanswered when it
// went out and no complete answer came (timeout, reset, truncated body). desc names the
// call for messages, like "SIP reset"; it must hold no secret.
func Do(ctx context.Context, c *http.Client, req *http.Request, desc string) (*Response, error) {
	var wrote bool
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true }}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	resp, err := c.Do(req)
	if err != nil {
		return nil, classify(ctx, err, wrote, desc, req.URL.Host)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, classify(ctx, err, true, desc, req.URL.Host)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func classify(ctx context.Context, err error, sent bool, desc, host string) error {
	reason := describe(ctx, err, host)
	if !sent {
		return &backends.Error{Kind: backends.NotSent, Msg: fmt.Sprintf("%s not sent: %s", desc, reason)}
	}
	return &backends.Error{Kind: backends.Unanswered, Msg: fmt.Sprintf("%s: no answer (%s); the change may have been made", desc, reason)}
}

// describe turns a transport error into a sentence without the URL (which may carry a
// secret in a query string).
func describe(ctx context.Context, err error, host string) string {
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &unknownAuth) || errors.As(err, &certErr) && strings.Contains(certErr.Error(), "unknown authority"):
		return fmt.Sprintf("certificate of %s is signed by an unknown authority; set ca_file in the profile (or, knowingly, insecure_skip_verify)", host)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("certificate is not valid for %s", host)
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

// IsJSON reports whether body looks like JSON.
func IsJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == '"' || json.Valid(b))
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
var tagRe = regexp.MustCompile(`(?s)<[^>]*>`)

// Snippet summarises a body that is not the expected JSON: an HTML page by its title,
// anything else by its first 200 characters, on one line.
func Snippet(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return "an empty body"
	}
	if bytes.HasPrefix(b, []byte("<")) {
		if m := titleRe.FindSubmatch(b); m != nil {
			return fmt.Sprintf("an HTML page %q", oneLine(string(m[1]), 120))
		}
		return fmt.Sprintf("an HTML page %q", oneLine(tagRe.ReplaceAllString(string(b), " "), 120))
	}
	return fmt.Sprintf("%q", oneLine(string(b), 200))
}

// oneLine shortens server text for a message, stripped of terminal control sequences.
func oneLine(s string, n int) string {
	s = sanitize.Line(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// DecodeJSON decodes r.Body into v; when the body is not JSON (an HTML error page, a
// truncated answer) the error says what came instead. desc names the call.
func DecodeJSON(r *Response, v any, desc string) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		if !IsJSON(r.Body) {
			return fmt.Errorf("%s: expected JSON, got %s (HTTP %d)", desc, Snippet(r.Body), r.Status)
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end") {
			return fmt.Errorf("%s: the answer was cut off or malformed JSON (HTTP %d)", desc, r.Status)
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return fmt.Errorf("%s: unexpected answer shape (HTTP %d): field %q holds a %s", desc, r.Status, typeErr.Field, typeErr.Value)
		}
		return fmt.Errorf("%s: unexpected answer shape (HTTP %d)", desc, r.Status)
	}
	return nil
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
// Unanswered (a gateway lost the answer; the change may have been made); everything
// else is Refused. detail is the server's text (already extracted), may be "".
func StatusError(r *Response, desc, detail string) *backends.Error {
	if detail == "" {
		if IsJSON(r.Body) {
			detail = oneLine(string(r.Body), 200)
		} else {
			detail = Snippet(r.Body)
		}
	}
	msg := fmt.Sprintf("%s: HTTP %d %s: %s", desc, r.Status, http.StatusText(r.Status), detail)
	switch {
	case r.Status == http.StatusTooManyRequests || (r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != ""):
		return &backends.Error{Kind: backends.Throttled, Msg: msg, RetryAfter: RetryAfter(r.Header, 2*time.Second)}
	case r.Status == http.StatusBadGateway || r.Status == http.StatusGatewayTimeout:
		return &backends.Error{Kind: backends.Unanswered, Msg: msg + "; the change may have been made"}
	}
	return &backends.Error{Kind: backends.Refused, Msg: msg}
}
