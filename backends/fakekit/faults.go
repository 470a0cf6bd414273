package fakekit

import (
	"fmt"
	"html"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Faults are the misbehaviours every fake shows on demand. The zero value is a healthy
// server.
type Faults struct {
	Latency time.Duration // added to every request
	Jitter  time.Duration // plus a random 0..Jitter

	// Hang: such calls get no answer until the client gives up.
	Hang string
	// Drop: such calls are carried out, then the connection is dropped unanswered, as a
	// server that crashed mid-answer would.
	Drop string

	// Fail answers such calls with FailStatus (0 = 200) and FailBody: "" the contract's
	// error, BodyHTML an HTML error page, BodyTruncated a cut-off JSON answer, or a body
	// of the fake's own. Nothing is carried out.
	Fail       string
	FailStatus int
	FailBody   string
	RetryAfter int // with a Fail: the Retry-After seconds, sent when positive and with every 429
	FailTimes  int // fail that many times, then behave (0 = always)

	// Refuse answers such authenticated calls as the system answers an expired session or
	// credentials it no longer takes, RefuseTimes times (0 = always): nothing is carried
	// out, and a client with a session logs in again and retries.
	Refuse      string
	RefuseTimes int

	// Echo makes every Fail answer echo the request it answers, in the fake's own error
	// shape, as a server that puts its debug log in its answers does: the credentials,
	// the new password, whatever that system would echo. No client may show it.
	Echo bool
	// EchoAs makes every Fail answer instead a generic error page that quotes the whole
	// request (its target, its Authorization header and its body), as a front server or
	// a framework's error handler does: EchoText answers text/plain "Bad request: …",
	// EchoHTML an HTML page with the request, HTML-escaped, in its title and body.
	EchoAs string

	// Garble: such calls are carried out, then answered HTTP 200 with GarbleBody instead
	// of the contract's answer: BodyHTML (an application server's page), BodyGarbage,
	// BodyEmpty or BodyHuge (larger than any client reads).
	Garble     string
	GarbleBody string
}

// Bodies a Fail or a Garble answers with besides the contract's error.
const (
	BodyHTML      = "html"
	BodyTruncated = "truncated"
	BodyGarbage   = "garbage"
	BodyEmpty     = "empty"
	BodyHuge      = "huge"
)

// What EchoAs answers with.
const (
	EchoText = "text"
	EchoHTML = "html"
)

// EchoMark starts every generic echo (EchoAs), so that a test can see it arrived.
const EchoMark = "Bad request"

// Matches reports whether a fault knob aims at call: a knob matches every call whose
// name ends with it, "*" every call, "" none.
func Matches(knob, call string) bool {
	return knob != "" && (knob == "*" || strings.HasSuffix(call, knob))
}

// FailHead starts a Fail answer: it sets Retry-After as the knobs say and returns the
// status to answer with.
func (f Faults) FailHead(w http.ResponseWriter) int {
	status := f.FailStatus
	if status == 0 {
		status = http.StatusOK
	}
	if f.RetryAfter > 0 || status == http.StatusTooManyRequests {
		SetRetryAfter(w, f.RetryAfter)
	}
	return status
}

// Spoils spoils the answer to call as the knobs say, and reports whether it did: Drop
// drops the connection under w, Garble answers 200 with a body that is not the
// contract's. Call it after the change was made, before the answer.
func (f Faults) Spoils(w http.ResponseWriter, call string) bool {
	switch {
	case Matches(f.Drop, call):
		return DropConnection(w)
	case Matches(f.Garble, call):
		writeGarbled(w, f.GarbleBody)
		return true
	}
	return false
}

// writeGarbled answers 200 with a body of the kind named (BodyHTML by default).
func writeGarbled(w http.ResponseWriter, kind string) {
	switch kind {
	case BodyGarbage:
		WriteText(w, http.StatusOK, "application/octet-stream", "\x00\x9b\xff#!garbage%%%{{")
	case BodyEmpty:
		WriteText(w, http.StatusOK, "application/json", "")
	case BodyHuge:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range (17 << 20) / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	default:
		WriteHTML(w, http.StatusOK, "<!DOCTYPE html><html><head><title>Request processed</title></head><body><p>Your request was processed.</p></body></html>")
	}
}

// writeEcho answers a Fail call with the generic error page EchoAs names, quoting the
// request r whose body was body: first as the server parsed it (query and form values
// and Basic credentials decoded, so the secrets are there as they are), then as it came.
func writeEcho(w http.ResponseWriter, f Faults, r *http.Request, body []byte) {
	raws := []string{r.URL.RawQuery}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		raws = append(raws, string(body))
	} else {
		raws = append(raws, "") // a JSON body is quoted as it came, below
	}
	parsed := []string{}
	for _, raw := range raws {
		if v, err := url.QueryUnescape(raw); err == nil && raw != "" {
			parsed = append(parsed, v)
		}
	}
	if user, pass, ok := r.BasicAuth(); ok {
		parsed = append(parsed, "user="+user+" password="+pass)
	}
	echo := fmt.Sprintf("%s: %s; %s %s Authorization: %s body: %s", EchoMark, strings.Join(parsed, "; "), r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), body)
	status := f.FailHead(w)
	if status == http.StatusOK {
		status = http.StatusBadRequest
	}
	if f.EchoAs == EchoHTML {
		page := html.EscapeString(echo)
		WriteHTML(w, status, "<html><head><title>"+page+"</title></head><body><h1>400</h1><pre>"+page+"</pre></body></html>")
		return
	}
	WriteText(w, status, "text/plain", echo)
}

// delay is the latency of one request: Latency plus a random share of Jitter.
func (f Faults) delay() time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration(mrand.Int64N(int64(f.Jitter)))
	}
	return d
}
