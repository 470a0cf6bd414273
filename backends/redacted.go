package backends

import (
	"context"
	"errors"

	"resetdesk/backends/redact"
)

// SecretFormer is implemented by back ends that send the profile's secret in a form of
// their own (a Basic header of "user:password", a token made from it), so that a server
// echoing that form has it removed too.
type SecretFormer interface {
	SecretForms() []string
}

// redacted is a back end whose every string from the server (errors, messages, search
// hits) has the profile's secret removed, in all its forms: Open returns one, so no
// front end and no kind can forget it.
type redacted struct {
	b Backend
	r *redact.Redactor
}

func redactBackend(b Backend, secret string) Backend {
	r := redact.New(secret)
	if f, ok := b.(SecretFormer); ok {
		r.Add(f.SecretForms()...)
	}
	return &redacted{b: b, r: r}
}

// Unwrap is the kind's own client of a back end built by Open, for tests that need its
// type.
func Unwrap(b Backend) Backend {
	if rb, ok := b.(*redacted); ok {
		return rb.b
	}
	return b
}

// redactErr is err with its text redacted, keeping its kind (and RetryAfter).
func (rb *redacted) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Msg = rb.r.String(e.Msg)
		return &c
	}
	if errors.Is(err, ErrNoSearch) {
		return err
	}
	return &redactedError{msg: rb.r.String(err.Error()), err: err}
}

// redactedError keeps errors.Is working (context deadlines, ErrNoSearch) with a
// redacted text.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (rb *redacted) Login(ctx context.Context) error { return rb.redactErr(rb.b.Login(ctx)) }

func (rb *redacted) Check(ctx context.Context) (string, error) {
	s, err := rb.b.Check(ctx)
	return rb.r.String(s), rb.redactErr(err)
}

func (rb *redacted) Search(ctx context.Context, query string, limit int) ([]User, error) {
	users, err := rb.b.Search(ctx, query, limit)
	for i := range users {
		users[i].Name = rb.r.String(users[i].Name)
		users[i].Detail = rb.r.String(users[i].Detail)
	}
	return users, rb.redactErr(err)
}

func (rb *redacted) Reset(ctx context.Context, t Target) (Result, error) {
	res, err := rb.b.Reset(ctx, t)
	res.Message = rb.r.String(res.Message)
	// The new secret in the answer is the runner's to remove: it knows the secret sent
	// and the one that came back, and removes both from the outcome.
	return res, rb.redactErr(err)
}

// BatchSecrets forwards to a back end that generates secrets in batches.
func (rb *redacted) BatchSecrets(ctx context.Context, mode string, n int) ([]string, error) {
	sb, ok := rb.b.(SecretBatcher)
	if !ok {
		return nil, errors.New("this system cannot generate secrets in batches")
	}
	s, err := sb.BatchSecrets(ctx, mode, n)
	return s, rb.redactErr(err)
}

// ValidateUser applies the system's own id rules, where it has some.
func (rb *redacted) ValidateUser(id string) error {
	if v, ok := rb.b.(UserValidator); ok {
		return v.ValidateUser(id)
	}
	return nil
}
