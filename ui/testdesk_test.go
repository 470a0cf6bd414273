package ui

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/store/history"
)

// testDesk is a Desk whose answers a test sets: each call goes to its function when set,
// else to a default that does what a desk with nothing configured does. The host's runs
// are a real desk's (desk.Desk: its registry, journal and history under a temporary
// home), built when first needed, on the test desk's profiles, so that the console is
// held to the registry every front end uses, not to a fake of it.
type testDesk struct {
	profiles     []backends.Profile
	demo         bool
	open         func(ctx context.Context, p backends.Profile) (backends.Backend, error)
	secretSource func(ctx context.Context, p backends.Profile) (string, error)
	quotaLeft    func(p backends.Profile) (int, bool)
	secrets      store.SecretStore
	recover      func(ctx context.Context) (desk.Recovery, error)
	history      func(ctx context.Context, f history.Filter) ([]*history.Run, []history.Outcome, error)
	getenv       func(string) string
	technician   string
	// callers verifies callers (nil: none can be); approval is the plans' approval.
	callers  *fakeCallers
	approval *desk.ApprovalNeed

	once sync.Once
	real *desk.Desk // the registry's desk (host), built by at
}

// testHosts are the hosts the tests built: closed when the package's tests end.
var (
	testHostsMu sync.Mutex
	testHosts   []*desk.Host
	testHomes   []string
)

func TestMain(m *testing.M) {
	code := m.Run()
	testHostsMu.Lock()
	for _, h := range testHosts {
		h.Runs().Abort() // a run held at a test's gate ends at once
		h.Close()
	}
	for _, home := range testHomes {
		_ = os.RemoveAll(home)
	}
	testHostsMu.Unlock()
	os.Exit(code)
}

// journalKey is a fixed age identity for the tests' journals.
const journalKey = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"

// newTestHost is a host on cfg with its state under a temporary home, the journal key
// and every profile's secret ("secret") in its environment.
func newTestHost(cfg *store.Config) *desk.Host {
	home, err := os.MkdirTemp("", "resetdesk-ui-test-")
	if err != nil {
		panic(err)
	}
	testHostsMu.Lock()
	testHomes = append(testHomes, home)
	testHostsMu.Unlock()
	return newTestHostAt(cfg, home)
}

// newTestHostAt is newTestHost with its state under home: a second host on the same
// history (serve restarted).
func newTestHostAt(cfg *store.Config, home string) *desk.Host {
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	for _, p := range cfg.Profiles {
		env[store.SecretEnvName(p.Name)] = "secret"
	}
	if cfg.SecretStore == "" {
		cfg.SecretStore = store.SecretStoreFile
	}
	h, err := desk.NewHost(desk.Options{Config: cfg, Getenv: func(k string) string { return env[k] }, ApprovalPoll: 20 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	testHostsMu.Lock()
	testHosts = append(testHosts, h)
	testHostsMu.Unlock()
	return h
}

// at is the registry's desk: the test desk's technician at a host of its profiles.
func (d *testDesk) at() *desk.Desk {
	d.once.Do(func() {
		if d.real != nil {
			return
		}
		cfg := &store.Config{Profiles: d.profiles}
		if d.technician != "" {
			cfg.Technicians = []store.Technician{{Name: d.technician}}
		}
		dk, err := newTestHost(cfg).Desk(d.technician)
		if err != nil {
			panic(err)
		}
		d.real = dk
	})
	return d.real
}

// teamDesks are the desks of technicians at one host of profiles, which serves them
// (it keeps their approval requests): the first starts runs, the others approve
// (approver = true).
func teamDesks(profiles []backends.Profile, starter string, approvers ...string) []*testDesk {
	return teamDesksAt(newTestHost(teamConfig(profiles, starter, approvers)))
}

// teamConfig is the config of teamDesks.
func teamConfig(profiles []backends.Profile, starter string, approvers []string) *store.Config {
	cfg := &store.Config{Profiles: profiles, Technicians: []store.Technician{{Name: starter}}}
	for _, a := range approvers {
		cfg.Technicians = append(cfg.Technicians, store.Technician{Name: a, Approver: true})
	}
	return cfg
}

// teamDesksAt are the desks of every technician of h's config, in its order.
func teamDesksAt(h *desk.Host) []*testDesk {
	h.KeepRequests()
	profiles := h.Config().Profiles
	var names []string
	for _, t := range h.Config().Technicians {
		names = append(names, t.Name)
	}
	var out []*testDesk
	for _, name := range names {
		dk, err := h.Desk(name)
		if err != nil {
			panic(err)
		}
		td := &testDesk{profiles: profiles, technician: name, real: dk,
			open: func(ctx context.Context, p backends.Profile) (backends.Backend, error) { return dk.Open(ctx, p) }}
		out = append(out, td)
	}
	return out
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

// Prepare is Desk.Prepare on the test's back end (open's, else the fake kind's): the
// system asked who the ids name, then the run planned (Plan).
func (d *testDesk) Prepare(ctx context.Context, p backends.Profile, spec runner.Spec) (*desk.Plan, error) {
	var b backends.Backend = &fakeBackend{}
	if d.open != nil {
		var err error
		if b, err = d.open(ctx, p); err != nil {
			return nil, err
		}
	}
	req, err := runner.Prepare(ctx, b, p, spec)
	if err != nil {
		return nil, err
	}
	return d.Plan(ctx, req)
}

// Plan is the desk's plan, with the callers' verification and the approval need a test
// set in place of the desk's.
func (d *testDesk) Plan(ctx context.Context, req runner.Request) (*desk.Plan, error) {
	pl, err := d.at().Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	if d.callers != nil {
		pl.Caller = d.callers.plan(req)
	}
	if d.approval != nil {
		pl.Approval = *d.approval
	}
	return pl, nil
}
func (d *testDesk) Submit(ctx context.Context, plan *desk.Plan) (*desk.Handle, error) {
	return d.at().Submit(ctx, plan)
}
func (d *testDesk) Runs() []*desk.Handle     { return d.at().Runs() }
func (d *testDesk) Changes() <-chan struct{} { return d.at().Changes() }
func (d *testDesk) Reattach(ctx context.Context) (desk.Reattach, error) {
	return d.at().Reattach(ctx)
}
func (d *testDesk) Approver() bool { return d.at().Approver() }
func (d *testDesk) Pending(ctx context.Context) ([]desk.ApprovalRequest, error) {
	return d.at().Pending(ctx)
}
func (d *testDesk) RequestPlan(ctx context.Context, id int64) (*desk.Plan, error) {
	return d.at().RequestPlan(ctx, id)
}
func (d *testDesk) Approve(ctx context.Context, id int64) (*desk.Handle, error) {
	return d.at().Approve(ctx, id)
}
func (d *testDesk) Decline(ctx context.Context, id int64, reason string) error {
	return d.at().Decline(ctx, id, reason)
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
