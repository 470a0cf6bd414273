package runner_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/adname"
	"resetdesk/backends/odin"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
)

// finder is a gate back end of an AD-like kind that looks accounts up in a table.
type finder struct {
	*gateBackend
	table     map[string]backends.Found // lower-case id → answer
	err       error
	asked     [][]string
	mu        sync.Mutex
	inFlight  atomic.Int64
	maxIn     atomic.Int64
	lim       backends.Limits
	waitCalls atomic.Int64
}

var registerFinderKind sync.Once

func newFinder(table map[string]backends.Found) *finder {
	g := newGate(backends.FromPolicy)
	registerFinderKind.Do(func() {
		backends.Register(backends.Kind{Name: "finder-test", Title: "Finder Test", Modes: []backends.Mode{g.mode},
			Identity: func(id string) backends.Identity { return adname.Identity(id, true) }})
	})
	g.profile.Kind = "finder-test"
	return &finder{gateBackend: g, table: table}
}

func (f *finder) FindAccounts(ctx context.Context, ids []string, lim backends.Limits) ([]backends.Found, error) {
	f.mu.Lock()
	f.asked = append(f.asked, slices.Clone(ids))
	f.lim = lim
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if lim.Wait != nil {
		inner := lim.Wait
		lim.Wait = func(ctx context.Context) error { f.waitCalls.Add(1); return inner(ctx) }
	}
	out := make([]backends.Found, len(ids))
	err := lim.Each(ctx, len(ids), func(ctx context.Context, i int) error {
		n := f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		for m := f.maxIn.Load(); n > m && !f.maxIn.CompareAndSwap(m, n); m = f.maxIn.Load() {
		}
		time.Sleep(time.Millisecond) // long enough for the others to start
		out[i] = f.table[strings.ToLower(ids[i])]
		return nil
	})
	return out, err
}

func jane() backends.Found {
	return backends.Found{Account: backends.Account{ID: "jdoe", Name: "Jane Doe", Detail: "Sales"}, Matches: 1}
}

// Three spellings of one account are one reset; the lookup names the person on every
// line; an id the system does not hold fails unsent; the first spelling is the one sent.
func TestPrepareResetsEachAccountOnce(t *testing.T) {
	f := newFinder(map[string]backends.Found{"jdoe@corp.example.com": jane(), "j.doe@corp.example.com": jane()})
	close(f.release)
	users := []string{"jdoe", "JDOE", "jdoe@corp.example.com", "ghost@corp.example.com", "asmith", `CORP\JDoe`}
	req, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.asked; len(got) != 1 || !slices.Equal(got[0], []string{"jdoe@corp.example.com", "ghost@corp.example.com"}) {
		t.Fatalf("asked %q: only the UPNs need a lookup", got)
	}
	if req.Sends() != 2 || req.Account(0).Name != "Jane Doe" || req.Account(0).Detail != "Sales" || req.Account(4).Name != "" {
		t.Fatalf("sends %d, accounts %+v %+v %+v", req.Sends(), req.Account(0), req.Account(1), req.Account(4))
	}
	run, err := runner.Start(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := run.Wait()
	want := []struct {
		status backends.Status
		msg    string
	}{{backends.StatusOK, "done"}, {backends.StatusSkipped, "same account as jdoe"}, {backends.StatusSkipped, "same account as jdoe"},
		{backends.StatusFailed, "not sent: not found in Finder Test"}, {backends.StatusOK, "done"}, {backends.StatusSkipped, "same account as jdoe"}}
	for i, w := range want {
		o := out[i]
		if o.Index != i || o.User != users[i] || o.Status != w.status || o.Message != w.msg {
			t.Errorf("line %d: %+v, want %s %q", i, o, w.status, w.msg)
		}
		if i != 3 && i != 4 && o.Name != "Jane Doe" {
			t.Errorf("line %d names %q", i, o.Name)
		}
	}
	var sent []string
	f.sent.Range(func(k, _ any) bool { sent = append(sent, k.(string)); return true })
	slices.Sort(sent)
	if !slices.Equal(sent, []string{"asmith", "jdoe"}) {
		t.Fatalf("sent %q", sent)
	}
}

// Logins settle the account: a run of them asks the system nothing, nor does one of
// accounts the front end already knows (search hits, an earlier request's).
func TestPrepareAsksNothingTheFormOrTheFrontEndSettles(t *testing.T) {
	f := newFinder(map[string]backends.Found{"jdoe@corp.example.com": jane()})
	req, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: users(1000)})
	if err != nil || len(f.asked) != 0 || req.Sends() != 1000 {
		t.Fatalf("%v, asked %d times, %d to send", err, len(f.asked), req.Sends())
	}
	known := map[string]backends.Account{"jdoe@corp.example.com": {ID: "jdoe", Name: "Jane Doe"}}
	req, err = runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: []string{"jdoe@corp.example.com", "jdoe"}, Known: known})
	if err != nil || len(f.asked) != 0 || req.Sends() != 1 || req.Account(1).Name != "Jane Doe" {
		t.Fatalf("%v, asked %d times, %+v", err, len(f.asked), req.Account(1))
	}
	// A retry keeps what the lookup found, and looks nothing up again.
	first, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: []string{"jdoe@corp.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	retry, err := first.Retry([]string{"jdoe@corp.example.com"})
	if err != nil || retry.Account(0) != first.Account(0) || retry.Account(0).ID != "jdoe" {
		t.Fatalf("%v: %+v vs %+v", err, retry.Account(0), first.Account(0))
	}
}

// Lookups are bounded by four times the run's concurrency and follow its rate limit.
func TestPrepareBoundsTheLookups(t *testing.T) {
	table := map[string]backends.Found{}
	var ids []string
	for _, u := range users(64) {
		ids = append(ids, u+"@corp.example.com")
		table[u+"@corp.example.com"] = backends.Found{Account: backends.Account{ID: u}, Matches: 1}
	}
	f := newFinder(table)
	f.profile.RateLimit = 1000
	req, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: ids, Concurrency: 2})
	if err != nil || req.Sends() != 64 {
		t.Fatalf("%v, %d to send", err, req.Sends())
	}
	if f.lim.InFlight != 8 || f.maxIn.Load() > 8 || f.lim.Wait == nil || f.waitCalls.Load() != 64 {
		t.Fatalf("limits %+v: %d at once, %d waits", f.lim, f.maxIn.Load(), f.waitCalls.Load())
	}
}

// An account the profile protects is refused under any spelling the system resolves
// to it, and so is an id that resolves to the profile's own login; a failed lookup
// refuses the run; nothing is sent in either case.
func TestPrepareGuardsTheResolvedAccount(t *testing.T) {
	admin := backends.Found{Account: backends.Account{ID: "Administrator"}, Matches: 1}
	f := newFinder(map[string]backends.Found{"boss@corp.example.com": admin, "ldap://cn=the boss,dc=corp": admin, "jdoe@corp.example.com": jane()})
	p := f.profile
	p.Protected = []string{"administrator"}
	for _, id := range []string{"boss@corp.example.com", "LDAP://CN=The Boss,DC=corp"} {
		_, err := runner.Prepare(context.Background(), f, p, runner.Spec{Mode: "set", Users: []string{"asmith", id}})
		if err == nil || !strings.Contains(err.Error(), `protected = "administrator"`) || !strings.Contains(err.Error(), "names the account Administrator") {
			t.Errorf("%s: %v", id, err)
		}
	}
	p = f.profile
	p.Username = `CORP\administrator`
	if _, err := runner.Prepare(context.Background(), f, p, runner.Spec{Mode: "set", Users: []string{"boss@corp.example.com"}}); err == nil || !strings.Contains(err.Error(), "own login") {
		t.Errorf("own login: %v", err)
	}
	// A protected entry written as a UPN is resolved too: the plain login is refused.
	p = f.profile
	p.Protected = []string{"jdoe@corp.example.com"}
	if _, err := runner.Prepare(context.Background(), f, p, runner.Spec{Mode: "set", Users: []string{"JDOE"}}); err == nil || !strings.Contains(err.Error(), "protected") {
		t.Errorf("protected as a UPN: %v", err)
	}
	f.err = &backends.Error{Kind: backends.BadLogin, Msg: "token refused"}
	if _, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: []string{"x@corp.example.com"}}); err == nil || !strings.Contains(err.Error(), "token refused") {
		t.Errorf("failed lookup: %v", err)
	}
	if f.logins.Load() != 0 || len(f.started) != 0 {
		t.Fatal("something was sent")
	}
}

// A batch mode asks the generator for the lines it sends, and journals only them: a
// line settled before the run never holds a secret in the journal.
func TestBatchSecretsAreMadeOnlyForTheLinesSent(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	p := backends.Profile{Name: "odin", Kind: "odin", URL: srv.BaseURL(), Username: odintest.Username, ServiceProvider: odintest.ServiceProvider, Group: odintest.Group}
	b, _ := odin.New(p, odintest.Password, &http.Client{})
	us := srv.Users()
	lines := []string{us[0], "9871515000", "5001", us[1], us[2]} // the number is us[0]'s, the extension us[1]'s
	req, err := runner.Prepare(context.Background(), b, p, runner.Spec{Mode: "sip", Users: lines})
	if err != nil || req.Sends() != 3 {
		t.Fatalf("%v, %d to send", err, req.Sends())
	}
	rec := &batchLog{}
	run, err := runner.Start(context.Background(), req, rec)
	if err != nil {
		t.Fatal(err)
	}
	out := run.Wait()
	if len(rec.batch) != 3 || rec.batch[0].Index != 0 || rec.batch[1].Index != 2 || rec.batch[2].Index != 4 || len(srv.Generated()) != 3 {
		t.Fatalf("journaled %+v, generated %d", rec.batch, len(srv.Generated()))
	}
	for i, o := range out {
		switch i {
		case 1, 3:
			if o.Status != backends.StatusSkipped || o.Secret != "" {
				t.Errorf("line %d: %+v", i, o)
			}
		default:
			if o.Status != backends.StatusOK || o.Secret != srv.SIPPassword(req.Account(i).ID) {
				t.Errorf("line %d: %+v", i, o)
			}
		}
	}
}

// batchLog keeps what IntendBatch journaled.
type batchLog struct {
	runner.Nop
	mu    sync.Mutex
	batch []backends.Outcome
}

func (l *batchLog) IntendBatch(os []backends.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batch = append(l.batch, os...)
	return nil
}

// The approve globs name accounts as the protected guard does: a DOMAIN\ login, a DN
// and an id the system resolved to a matching account are named; a line not sent is
// not.
func TestNamedByComparesAccountsNotSpellings(t *testing.T) {
	svc := backends.Found{Account: backends.Account{ID: "svc-backup"}, Matches: 1}
	f := newFinder(map[string]backends.Found{"backup@corp.example.com": svc, "cn=backup service,ou=svc,dc=corp": svc})
	users := []string{"jdoe", `CORP\svc-mail`, "backup@corp.example.com", "LDAP://CN=Backup Service,OU=svc,DC=corp", "SVC-BACKUP", "asmith"}
	req, err := runner.Prepare(context.Background(), f, f.profile, runner.Spec{Mode: "set", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.NamedBy([]string{"svc-*"}); !slices.Equal(got, []string{`CORP\svc-mail`, "backup@corp.example.com"}) {
		t.Fatalf("named %q: want the DOMAIN\\ login and the first line of the resolved account", got)
	}
	if got := req.NamedBy([]string{"ASMITH", "nobody"}); !slices.Equal(got, []string{"asmith"}) {
		t.Fatalf("named %q", got)
	}
}
