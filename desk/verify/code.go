package verify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// CodeDigits is the length of a code.
const CodeDigits = 6

// Key names whose code it is: the technician who asked (Who: a served technician, or
// the OS account of a local desk), for which profile's user. Verification is per
// technician: a code alice sent is checked for alice only.
type Key struct {
	Who, Profile, User string
}

// Sent is what was recorded about a code when it went out: the desk's record of the
// sending, which the events that follow (passed, failed, ...) repeat.
type Sent struct {
	Method      string
	Destination string // masked
	Ticket      string
}

// Codes are the codes this process sent and that are still pending. A code is kept as
// an HMAC-SHA-256 under a key made at random when the process started, never as
// itself: not in memory past New, not on disk, not in a log. Safe for concurrent use.
type Codes struct {
	mu      sync.Mutex
	key     []byte
	pending map[Key]*pending
	now     func() time.Time
}

type pending struct {
	sum     []byte
	expires time.Time
	left    int // tries left
	sent    Sent
}

// NewCodes makes an empty set of codes with a fresh key.
func NewCodes() *Codes {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("verify: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return &Codes{key: key, pending: map[Key]*pending{}, now: time.Now}
}

func (c *Codes) sum(code string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(code))
	return m.Sum(nil)
}

// New makes a code for k, valid ttl and for attempts tries, replacing any code k had:
// the caller holds one code at a time. It returns the code, to be sent and forgotten.
func (c *Codes) New(k Key, ttl time.Duration, attempts int, sent Sent) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("cannot make a code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending[k] = &pending{sum: c.sum(code), expires: c.now().Add(ttl), left: attempts, sent: sent}
	return code, nil
}

// Forget drops k's code: it was never delivered.
func (c *Codes) Forget(k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, k)
}

// Pending reports whether k has a code that may still be read back, and how it went.
func (c *Codes) Pending(k Key) (Sent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[k]
	if !ok || !c.now().Before(p.expires) {
		return Sent{}, false
	}
	return p.sent, true
}

// Outcome is what a code read back came to.
type Outcome int

const (
	// NoCode: k has no pending code (never sent by this process, or already used up).
	NoCode Outcome = iota
	// Passed: the code matched; it is used up.
	Passed
	// Wrong: it did not match; Check.Left tries remain.
	Wrong
	// Expired: the code's time was over; it is dropped.
	Expired
	// Exhausted: it did not match and that was the last try; the code is dropped.
	Exhausted
)

// Check is the answer to a code read back.
type Check struct {
	Outcome Outcome
	Left    int  // tries left after a Wrong one
	Sent    Sent // how the code went out
}

// Check compares what the caller read back with k's code, in constant time. Spaces and
// dashes are ignored ("482 913").
func (c *Codes) Check(k Key, typed string) Check {
	typed = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, typed)
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[k]
	if !ok {
		return Check{Outcome: NoCode}
	}
	if !c.now().Before(p.expires) {
		delete(c.pending, k)
		return Check{Outcome: Expired, Sent: p.sent}
	}
	if hmac.Equal(c.sum(typed), p.sum) {
		delete(c.pending, k)
		return Check{Outcome: Passed, Sent: p.sent}
	}
	p.left--
	if p.left <= 0 {
		delete(c.pending, k)
		return Check{Outcome: Exhausted, Sent: p.sent}
	}
	return Check{Outcome: Wrong, Left: p.left, Sent: p.sent}
}
