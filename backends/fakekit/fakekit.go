// Package fakekit is what the fake back-end servers (backends/<kind>/<kind>test) are built
// on: one set of fault knobs (Faults) that every fake honours, and a Kit that each embeds
// for the mechanics (a log of what was received, requests in flight, the latency, hung
// calls, injected failures and their budgets, refused sessions, session tokens). What a
// fault answers stays in each fake, since the bodies are particular to each system's
// contract: the Kit decides when, the fake writes what.
//
// A fault is aimed at calls by name: each fake names its calls (the path for a REST API,
// the method for JSON-RPC), and a knob matches every call whose name ends with it, or
// every call with "*". Nothing here does work at package initialisation: the demo links
// these packages into every process, and only --demo may pay for them.
package fakekit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// InFlight counts the requests a server is handling and remembers the most it handled at
// once, so that tests can check a client's concurrency limit. The zero value is ready.
type InFlight struct {
	now, max atomic.Int64
}

// Begin counts a request in; call End when it is answered.
func (m *InFlight) Begin() {
	n := m.now.Add(1)
	for {
		old := m.max.Load()
		if n <= old || m.max.CompareAndSwap(old, n) {
			return
		}
	}
}

// End counts a request out.
func (m *InFlight) End() { m.now.Add(-1) }

// Max is the most requests handled at once so far.
func (m *InFlight) Max() int { return int(m.max.Load()) }

// Budget counts the uses of a fault that applies a limited number of times ("fail three
// times, then behave"). The zero value is ready and safe for concurrent use.
type Budget struct {
	mu   sync.Mutex
	used int
}

// Take reports whether the fault applies once more under limit (0 = always), and counts
// the use when it does.
func (b *Budget) Take(limit int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if limit > 0 && b.used >= limit {
		return false
	}
	b.used++
	return true
}

// Reset forgets the uses so far, as when the faults are replaced.
func (b *Budget) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used = 0
}

// Sleep waits d, the injected latency, unless the client gives up first; it reports
// whether the request is still wanted. A d of zero or less returns true at once.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Hang never answers r: it returns only when the client gives up (or the server closes),
// so that a hung back end does not leak a goroutine past the test.
func Hang(r *http.Request) { <-r.Context().Done() }

// DropConnection closes the connection under w without an answer, as a server that
// crashed mid-answer would; it reports whether it could (false for a ResponseWriter that
// cannot be hijacked, such as HTTP/2's, in which case the caller answers normally).
func DropConnection(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// WriteJSON answers status with v encoded as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	WriteJSONAs(w, status, "application/json", v)
}

// WriteJSONAs is WriteJSON with the Content-Type the system sends, for a fake whose
// server names a charset ("application/json;charset=UTF-8").
func WriteJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteHTML answers status with an HTML page, such as the error page a proxy or an
// application server puts where JSON was due.
func WriteHTML(w http.ResponseWriter, status int, page string) {
	WriteHTMLAs(w, status, "text/html", page)
}

// WriteHTMLAs is WriteHTML with the Content-Type the system sends
// ("text/html;charset=utf-8").
func WriteHTMLAs(w http.ResponseWriter, status int, contentType, page string) {
	WriteText(w, status, contentType, page)
}

// WriteTruncated answers status with a body that claims to be JSON but stops at cut, as
// an answer lost mid-way does.
func WriteTruncated(w http.ResponseWriter, status int, cut string) {
	WriteTruncatedAs(w, status, "application/json", cut)
}

// WriteTruncatedAs is WriteTruncated with the Content-Type the system sends.
func WriteTruncatedAs(w http.ResponseWriter, status int, contentType, cut string) {
	WriteText(w, status, contentType, cut)
}

// WriteText answers status with body as it is, under contentType.
func WriteText(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// SetRetryAfter sets the Retry-After header to seconds; call it before the status is
// written. When to send it (only when positive, or with every 429) is the fake's choice.
func SetRetryAfter(w http.ResponseWriter, seconds int) {
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
}
