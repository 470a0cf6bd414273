package runner

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
)

// Defaults for a request.
const (
	DefaultConcurrency = 4
	DefaultTimeout     = backends.DefaultTimeout
	MaxConcurrency     = backends.MaxConcurrency
	defaultBatchSize   = 100
)

// Spec is what a front end asks for: the plain data of a run, before it is checked.
type Spec struct {
	Mode    string // the mode's name, any case
	Users   []string
	Options backends.Options
	// Password is a typed password, allowed for a single user in a mode that takes one.
	Password string
	// Concurrency overrides the profile's requests in flight (0: the profile's, else
	// DefaultConcurrency).
	Concurrency int
	// Timeout overrides the profile's per-request timeout (0: the profile's, else
	// DefaultTimeout).
	Timeout time.Duration
	// BatchSize is how many secrets a batch mode asks for per call (0: 100).
	BatchSize int
	// Known are accounts the front end already knows, by the id as given (search hits,
	// the accounts of an earlier request): they are not looked up again.
	Known map[string]backends.Account
}

// Request is one run, checked once and fixed: NewRequest is the only way to build one,
// and nothing can change it after, so what the review page showed is what runs.
type Request struct {
	backend     backends.Backend
	profile     backends.Profile
	mode        backends.Mode
	users       []string
	options     backends.Options
	password    string
	concurrency int
	rateLimit   float64
	timeout     time.Duration
	batchSize   int
	// accounts are who each id names (accounts[i] for users[i]); settled are the lines
	// decided before anything is sent: another spelling of an account already in the
	// run (skipped), an id the system does not hold (failed).
	accounts []backends.Account
	settled  map[int]backends.Outcome
}

// Check validates a spec for profile p without a back end: the mode, its options, the
// typed password, the concurrency and the ids by the rules every system shares. Front
// ends call it for early feedback; NewRequest calls it again with the system's own id
// rules.
func Check(p backends.Profile, s Spec) error {
	_, err := check(nil, p, s)
	return err
}

// NewRequest checks a spec against profile p and its back end b and builds the request.
// Nothing is sent here.
func NewRequest(b backends.Backend, p backends.Profile, s Spec) (Request, error) {
	if b == nil {
		return Request{}, errors.New("no back end")
	}
	return check(b, p, s)
}

func check(b backends.Backend, p backends.Profile, s Spec) (Request, error) {
	kind, ok := backends.Lookup(p.Kind)
	if !ok {
		return Request{}, fmt.Errorf("profile %s: unknown kind %q", p.Name, p.Kind)
	}
	mode, err := backends.FindMode(kind.Modes, s.Mode)
	if err != nil {
		return Request{}, fmt.Errorf("profile %s (%s): %w", p.Name, kind.Name, err)
	}
	r := Request{
		backend: b, profile: p, mode: mode, users: slices.Clone(s.Users), options: s.Options,
		password: s.Password, concurrency: p.Concurrency, rateLimit: p.RateLimit, timeout: p.Timeout,
		batchSize: s.BatchSize,
	}
	r.options.Method = strings.ToUpper(r.options.Method)
	if s.Concurrency != 0 {
		if s.Concurrency < 1 || s.Concurrency > MaxConcurrency {
			return Request{}, fmt.Errorf("concurrency %d: use 1..%d", s.Concurrency, MaxConcurrency)
		}
		r.concurrency = s.Concurrency
	}
	if r.concurrency == 0 {
		r.concurrency = DefaultConcurrency
	}
	if s.Timeout < 0 {
		return Request{}, fmt.Errorf("timeout %s: must be positive", s.Timeout)
	}
	if s.Timeout != 0 {
		r.timeout = s.Timeout
	}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	if r.batchSize <= 0 {
		r.batchSize = defaultBatchSize
	}
	if len(r.users) == 0 {
		return Request{}, errors.New("no users to reset")
	}
	if err := backends.ValidateOptions(mode, r.options); err != nil {
		return Request{}, err
	}
	if r.password != "" {
		if !mode.TypedPassword {
			return Request{}, fmt.Errorf("mode %s does not take a typed password: the system generates it", mode.Name)
		}
		if len(r.users) != 1 {
			return Request{}, fmt.Errorf("a typed password is for a single user; %d users would share it (leave it out to generate one per user)", len(r.users))
		}
		// No system takes a control character in a password, and a technician never
		// means to type one: an escape sequence pasted by mistake is refused here.
		if strings.IndexFunc(r.password, unicode.IsControl) >= 0 {
			return Request{}, errors.New("the typed password contains a control character (an escape or a line break): type it again")
		}
		if mode.CheckPassword != nil {
			if err := mode.CheckPassword(r.password); err != nil {
				return Request{}, fmt.Errorf("the password would be refused: %w", err)
			}
		}
	}
	if bad := userlist.Validate(b, r.users); len(bad) > 0 {
		return Request{}, userlist.Refusal(bad, 5)
	}
	if bad := Protected(p, r.users); len(bad) > 0 {
		return Request{}, userlist.Refusal(bad, 5)
	}
	seen := make(map[string]bool, len(r.users))
	for _, u := range r.users {
		if seen[u] {
			return Request{}, fmt.Errorf("user %q is listed twice", u)
		}
		seen[u] = true
	}
	r.identify(s.Known)
	return r, nil
}

// Backend is the system the request resets in.
func (r Request) Backend() backends.Backend { return r.backend }

// Profile is the profile the request runs on.
func (r Request) Profile() backends.Profile { return r.profile }

// Mode is the mode the request resets in.
func (r Request) Mode() backends.Mode { return r.mode }

// Users are the ids to reset as given, in order (a copy): one line of the run each.
func (r Request) Users() []string { return slices.Clone(r.users) }

// Len is the number of users.
func (r Request) Len() int { return len(r.users) }

// User is the i-th id.
func (r Request) User(i int) string { return r.users[i] }

// Options are the technician's choices.
func (r Request) Options() backends.Options { return r.options }

// HistoryMode is the mode with its on/off options, as the history records a run:
// "set", "set+unlock", "generate+must_change+unlock".
func (r Request) HistoryMode() string {
	m := r.mode.Name
	if r.options.MustChange {
		m += "+" + backends.OptMustChange
	}
	if r.options.Unlock {
		m += "+" + backends.OptUnlock
	}
	return m
}

// TypedPassword reports whether the technician typed the password (one user).
func (r Request) TypedPassword() bool { return r.password != "" }

// TypedPasswordValue is the typed password, for the strength hint of the review page.
func (r Request) TypedPasswordValue() string { return r.password }

// Spec is the request as plain data, for building a changed one (a retry).
func (r Request) Spec() Spec {
	return Spec{Mode: r.mode.Name, Users: r.Users(), Options: r.options, Password: r.password,
		Concurrency: r.concurrency, Timeout: r.timeout, BatchSize: r.batchSize, Known: r.known()}
}

// Retry is the same request for other users (a retry of the failed ones). A typed
// password stays only when one user is retried.
func (r Request) Retry(users []string) (Request, error) {
	s := r.Spec()
	s.Users = users
	if len(users) != 1 {
		s.Password = ""
	}
	return NewRequest(r.backend, r.profile, s)
}
