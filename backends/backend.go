// Package backends is the contract between resetdesk and the systems it resets in: the
// Backend interface, its modes and options, the outcome statuses, classified errors, the
// registry of kinds, the one Profile type the config decodes into, and how a profile's
// client is built (Open). Beside it: runner/ (the bulk runner), password/ (generation
// and complexity), userlist/ (pasted and imported lists), report/ (the output record),
// httpx/ (HTTP plumbing) and one package per system. It knows no screen and no session.
package backends

import (
	"context"
	"errors"
	"time"

	"resetdesk/backends/password"
)

// Status is the final state of one user's reset.
type Status string

const (
	// StatusOK: the system confirmed the reset.
	StatusOK Status = "ok"
	// StatusFailed: the system said no; the message says why.
	StatusFailed Status = "failed"
	// StatusUnknown: the request went out and no answer came back; the password may
	// have changed. Never retried blindly.
	StatusUnknown Status = "unknown"
	// StatusSkipped: never sent (the run was stopped, a quota ran out, the server asked
	// to wait longer than the timeout, or the request could not reach it); the message
	// says why.
	StatusSkipped Status = "skipped"
	// StatusRunning is not final: the runner emits it when a user's request starts so
	// that a console can show a spinner on that row.
	StatusRunning Status = "running"
)

// Final reports whether s is one of the four final statuses.
func (s Status) Final() bool {
	switch s {
	case StatusOK, StatusFailed, StatusUnknown, StatusSkipped:
		return true
	}
	return false
}

// SecretSource says where the secret of a mode comes from.
type SecretSource int

const (
	// FromServer: Reset itself makes the secret (or none, like a mailed link) and
	// returns it in Result.Secret.
	FromServer SecretSource = iota
	// FromBatch: the back end generates secrets for many users in one call
	// (SecretBatcher); the runner fetches them ahead and hands one to each Reset.
	FromBatch
	// FromPolicy: resetdesk generates a distinct password per user with the mode's
	// Policy, unless the technician typed one for a single user.
	FromPolicy
)

// Option keys a mode may offer.
const (
	OptMethod     = "method"      // link delivery: MAIL, SMS, MAILSMS, NONE
	OptExpires    = "expires"     // link validity in hours
	OptComments   = "comments"    // text added to the user's message
	OptMustChange = "must_change" // must change the password at next logon
	OptUnlock     = "unlock"      // unlock the account too (a locked-out account)
)

// OptionSpec describes one option a mode accepts, for the console's form and for
// validating command-line flags.
type OptionSpec struct {
	Key     string   // one of the Opt* constants
	Label   string   // shown to the technician
	Choices []string // for a choice option (method)
	Default string   // shown and used when left empty
	Min     int      // integer bounds (expires); both zero means unbounded
	Max     int
	// Flag: an on/off option (a check box; Options.SetFlag), off unless Default is "true".
	Flag bool
}

// Mode is one kind of reset a back end offers.
type Mode struct {
	Name        string // canonical lower-case name: "sip", "generate", "link", ...
	Label       string // "SIP authentication password"
	SecretLabel string // what the secret is: "password", "passcode", "link"
	Source      SecretSource
	// Policy generates passwords for FromPolicy modes (and hints at what a typed
	// password must look like).
	Policy password.Policy
	// TypedPassword: the technician may type the password for a single user.
	TypedPassword bool
	// CheckPassword, when set, refuses a typed or generated password the system would
	// refuse, before anything is sent.
	CheckPassword func(string) error
	Options       []OptionSpec
}

// Options carries the technician's choices for a run.
type Options struct {
	Method     string // OptMethod
	Expires    int    // OptExpires, hours; 0 = the server's default
	Comments   string // OptComments
	MustChange bool   // OptMustChange
	Unlock     bool   // OptUnlock
	Ticket     string // a ticket reference, kept in the history only
}

// SetFlag sets the on/off option key (OptMustChange, OptUnlock); it reports whether
// key is one.
func (o *Options) SetFlag(key string, on bool) bool {
	switch key {
	case OptMustChange:
		o.MustChange = on
	case OptUnlock:
		o.Unlock = on
	default:
		return false
	}
	return true
}

// Target is one reset to perform.
type Target struct {
	User    string // the account as the system names it (runner.Request.Account(i).ID)
	Mode    string // canonical mode name
	Secret  string // pre-made secret for FromBatch and FromPolicy modes
	Options Options
}

// Result is what a successful Reset returns.
type Result struct {
	Secret  string // the new password, passcode or link ("" when none is handed over)
	Message string // the server's text, shown as it came (after sanitizing)
}

// User is one search hit.
type User struct {
	ID     string // what Reset takes
	Name   string // display name
	Detail string // extra column: number, mail, department
}

// Backend is one configured system (a profile with its secret).
type Backend interface {
	// Login authenticates, or proves the credentials work, before anything is reset.
	// The runner calls it again once when a Reset reports an expired session.
	// A bad password is an *Error of kind BadLogin.
	Login(ctx context.Context) error
	// Check tests the connection and reports what it found (version, features).
	Check(ctx context.Context) (string, error)
	// Search finds users by free text; ErrNoSearch when the system offers none.
	Search(ctx context.Context, query string, limit int) ([]User, error)
	// Reset resets one user. Errors should be *Error values so that the runner can
	// tell "refused" from "no answer" from "session expired".
	Reset(ctx context.Context, t Target) (Result, error)
}

// SecretBatcher is implemented by back ends whose server generates many secrets in one
// call (Odin). It must return exactly n secrets or an error: when the server answers
// short, it asks again for the rest.
type SecretBatcher interface {
	BatchSecrets(ctx context.Context, mode string, n int) ([]string, error)
}

// UserValidator is implemented by back ends with rules for user ids beyond the common
// ones (CheckUserID), applied to every id before anything is sent.
type UserValidator interface {
	ValidateUser(id string) error
}

// ErrNoSearch is returned by Search when the system has no search.
var ErrNoSearch = errors.New("search is not offered by this system")

// ErrorKind classifies back-end errors for the runner.
type ErrorKind int

const (
	// Refused: the system answered no. The user is failed.
	Refused ErrorKind = iota
	// Unanswered: the request went out and no answer came; the user is unknown.
	Unanswered
	// Expired: the session token expired (the request was refused, nothing changed);
	// the runner logs in again once and retries.
	Expired
	// Throttled: the system asked us to slow down (429); the request was not done and
	// is retried after RetryAfter (0: the system named no wait).
	Throttled
	// BadLogin: the credentials were refused.
	BadLogin
	// NotSent: the request never reached the system (DNS, refused connection, TLS). The
	// user is skipped.
	NotSent
	// Exhausted: the system refused because a limit of its own is spent for now
	// (ADManager's daily quota). The user failed, and the runner sends nothing more.
	Exhausted
)

// Error is a classified back-end error. Msg must never contain a secret.
type Error struct {
	Kind       ErrorKind
	Msg        string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Msg }

// NewError returns an *Error of the given kind.
func NewError(kind ErrorKind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// KindOf returns the kind of err: Refused for errors that are not *Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Refused
}
