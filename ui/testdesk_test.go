package ui

import (
	"context"
	"errors"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/store/history"
)

// testDesk is a Desk whose answers a test sets: each call goes to its function when set,
// else to a default that does what a desk with nothing configured does.
type testDesk struct {
	profiles     []backends.Profile
	demo         bool
	open         func(ctx context.Context, p backends.Profile) (backends.Backend, error)
	secretSource func(ctx context.Context, p backends.Profile) (string, error)
	quotaLeft    func(p backends.Profile) (int, bool)
	start        func(ctx context.Context, req runner.Request, warn func(string)) (*runner.Run, error)
	allow        func(req runner.Request) error
	secrets      store.SecretStore
	recover      func(ctx context.Context) (desk.Recovery, error)
	history      func(ctx context.Context, f history.Filter) ([]*history.Run, []history.Outcome, error)
	getenv       func(string) string
	technician   string
}

func (d *testDesk) Technician() string { return d.technician }

func (d *testDesk) Profiles() []backends.Profile { return d.profiles }
func (d *testDesk) Demo() bool                   { return d.demo }

func (d *testDesk) Open(ctx context.Context, p backends.Profile) (backends.Backend, error) {
	if d.open == nil {
		return nil, errors.New("no way to open profiles")
	}
	return d.open(ctx, p)
}

func (d *testDesk) SecretSource(ctx context.Context, p backends.Profile) (string, error) {
	if d.secretSource == nil {
		return "", store.ErrNoSecret
	}
	return d.secretSource(ctx, p)
}

func (d *testDesk) QuotaLeft(_ context.Context, p backends.Profile) (int, bool, error) {
	if d.quotaLeft == nil {
		return p.DailyQuota, p.DailyQuota > 0, nil
	}
	left, has := d.quotaLeft(p)
	return left, has, nil
}

func (d *testDesk) Start(ctx context.Context, req runner.Request, warn func(string)) (*runner.Run, error) {
	if d.start != nil {
		return d.start(ctx, req, warn)
	}
	return runner.Start(ctx, req, nil)
}

func (d *testDesk) Allow(req runner.Request) error {
	if d.allow == nil {
		return nil
	}
	return d.allow(req)
}

func (d *testDesk) Secrets() store.SecretStore {
	if d.secrets == nil {
		return store.EnvSecrets{Lookup: func(string) (string, bool) { return "", false }}
	}
	return d.secrets
}

func (d *testDesk) Recover(ctx context.Context, _ bool) (desk.Recovery, error) {
	switch {
	case d.demo:
		return desk.Recovery{}, desk.ErrDemo
	case d.recover == nil:
		return desk.Recovery{Nothing: true}, nil
	}
	return d.recover(ctx)
}

func (d *testDesk) History(ctx context.Context, f history.Filter, _ bool) ([]*history.Run, []history.Outcome, error) {
	switch {
	case d.demo:
		return nil, nil, desk.ErrDemo
	case d.history == nil:
		return nil, nil, nil
	}
	return d.history(ctx, f)
}

func (d *testDesk) Getenv(name string) string {
	if d.getenv == nil {
		return ""
	}
	return d.getenv(name)
}

// fake is the test desk of a shared built by testShared.
func fake(sh *shared) *testDesk { return sh.desk.(*testDesk) }
