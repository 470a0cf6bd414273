package fakekit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
)

// Kit is the plumbing a fake server embeds: its Faults and its Quirks (Q, the knobs
// particular to that system), the log of the requests it received (R, the fake's own
// request record), the requests in flight and the budgets of the faults that apply a
// number of times. The zero value is ready and safe for concurrent use.
type Kit[R, Q any] struct {
	mu       sync.Mutex
	faults   Faults
	quirks   Q
	failed   Budget // FailTimes
	refused  Budget // RefuseTimes
	requests []R
	calls    []string // the name of each request, beside requests
	inFlight InFlight
}

// SetFaults replaces the fault knobs and restarts their budgets.
func (k *Kit[R, Q]) SetFaults(f Faults) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = f
	k.failed.Reset()
	k.refused.Reset()
}

// Faults are the knobs set now.
func (k *Kit[R, Q]) Faults() Faults {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.faults
}

// SetQuirks replaces the fake's own knobs.
func (k *Kit[R, Q]) SetQuirks(q Q) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.quirks = q
}

// Quirks are the fake's own knobs as set now.
func (k *Kit[R, Q]) Quirks() Q {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.quirks
}

// Requests returns a copy of the requests received so far, in order.
func (k *Kit[R, Q]) Requests() []R {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]R(nil), k.requests...)
}

// Count is how many requests were received for the calls a knob would aim at (see
// Matches): Count("ResetPwd"), Count("*").
func (k *Kit[R, Q]) Count(call string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, c := range k.calls {
		if Matches(call, c) {
			n++
		}
	}
	return n
}

// MaxInFlight is the most requests the server handled at once.
func (k *Kit[R, Q]) MaxInFlight() int { return k.inFlight.Max() }

// Handler is serve with every request counted in flight while it is handled, and its
// body kept for a generic echo (EchoAs).
func (k *Kit[R, Q]) Handler(serve http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.inFlight.Begin()
		defer k.inFlight.End()
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body = io.NopCloser(bytes.NewReader(body))
		serve(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	})
}

// maxBody bounds the request bodies a fake reads: no request here is larger.
const maxBody = 1 << 20

type bodyKey struct{}

// Admit applies the faults every fake shares to one request, the call named call that
// rec records: it logs rec and takes the faults under one lock (so that a test that saw
// the request logged and then changes the faults knows which faults it got), waits the
// latency, hangs a Hang call and answers a Fail call with fail. It returns the faults
// the request got, and false when the request is answered (or the client is gone).
func (k *Kit[R, Q]) Admit(w http.ResponseWriter, r *http.Request, call string, rec R, fail func(http.ResponseWriter, Faults)) (Faults, bool) {
	k.mu.Lock()
	k.requests = append(k.requests, rec)
	k.calls = append(k.calls, call)
	f := k.faults
	k.mu.Unlock()

	if !Sleep(r.Context(), f.delay()) {
		return f, false
	}
	if Matches(f.Hang, call) {
		Hang(r)
		return f, false
	}
	if Matches(f.Fail, call) && k.take(&k.failed, func(f Faults) int { return f.FailTimes }) {
		if f.EchoAs != "" {
			body, _ := r.Context().Value(bodyKey{}).([]byte)
			writeEcho(w, f, r, body)
			return f, false
		}
		fail(w, f)
		return f, false
	}
	return f, true
}

// Refuses reports whether the Refuse knob aims at call and has a use left, counting it:
// the fake then answers as its system refuses an expired session.
func (k *Kit[R, Q]) Refuses(call string) bool {
	k.mu.Lock()
	aimed := Matches(k.faults.Refuse, call)
	k.mu.Unlock()
	return aimed && k.take(&k.refused, func(f Faults) int { return f.RefuseTimes })
}

// take spends one use of budget b against its limit as set now (not a request's
// snapshot), under the same lock as SetFaults.
func (k *Kit[R, Q]) take(b *Budget, limit func(Faults) int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return b.Take(limit(k.faults))
}

// Tokens are the session tokens a fake issued, each with the calls made with it. The
// zero value is ready and safe for concurrent use.
type Tokens struct {
	mu    sync.Mutex
	calls map[string]int
}

// Issue makes a new random token, prefix followed by 32 hex digits.
func (t *Tokens) Issue(prefix string) string {
	tok := prefix + RandomHex(16)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls == nil {
		t.calls = map[string]int{}
	}
	t.calls[tok] = 0
	return tok
}

// Use counts one call made with tok and reports whether tok is good: issued, not
// expired, and used at most expireAfter times (0 = no limit); past it, tok expires.
func (t *Tokens) Use(tok string, expireAfter int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	calls, ok := t.calls[tok]
	if !ok {
		return false
	}
	calls++
	if expireAfter > 0 && calls > expireAfter {
		delete(t.calls, tok)
		return false
	}
	t.calls[tok] = calls
	return true
}

// Spend reports whether tok is good and forgets it: a single-use token.
func (t *Tokens) Spend(tok string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.calls[tok]
	delete(t.calls, tok)
	return ok
}

// ExpireAll forgets every token issued so far, as after a day.
func (t *Tokens) ExpireAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = nil
}

// RandomHex is n random bytes written in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
