package fakekit

import (
	mrand "math/rand/v2"
	"net/http"
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
}

// Bodies a Fail answers with besides the contract's error.
const (
	BodyHTML      = "html"
	BodyTruncated = "truncated"
)

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

// Drops drops the connection under w when the Drop knob aims at call, and reports
// whether it did; call it after the change was made.
func (f Faults) Drops(w http.ResponseWriter, call string) bool {
	return Matches(f.Drop, call) && DropConnection(w)
}

// delay is the latency of one request: Latency plus a random share of Jitter.
func (f Faults) delay() time.Duration {
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration(mrand.Int64N(int64(f.Jitter)))
	}
	return d
}
