package runner_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/odin"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/password"
	"resetdesk/backends/runner"
)

// gateBackend is a Backend whose resets block until the test releases them, so that
// tests can hold requests in flight exactly.
type gateBackend struct {
	mode     backends.Mode
	profile  backends.Profile
	release  chan struct{}
	started  chan string
	inFlight atomic.Int64
	maxIn    atomic.Int64
	sent     sync.Map // user -> secret
	reply    func(t backends.Target) (backends.Result, error)
	logins   atomic.Int64
}

func newGate(source backends.SecretSource) *gateBackend {
	mode := backends.Mode{Name: "set", Source: source, Policy: password.DefaultPolicy, TypedPassword: true}
	return &gateBackend{
		mode:    mode,
		profile: backends.Profile{Name: "gate", Kind: gateKind(mode)},
		release: make(chan struct{}),
		started: make(chan string, 1000),
	}
}

var (
	gateKindsMu sync.Mutex
	gateKinds   = map[backends.SecretSource]string{}
)

// gateKind registers (once) a kind whose one mode is m, so that a request can find it.
func gateKind(m backends.Mode) string {
	gateKindsMu.Lock()
	defer gateKindsMu.Unlock()
	if name, ok := gateKinds[m.Source]; ok {
		return name
	}
	name := fmt.Sprintf("gate-%d", m.Source)
	backends.Register(backends.Kind{Name: name, Modes: []backends.Mode{m}})
	gateKinds[m.Source] = name
	return name
}

// start builds the request for spec (mode "set" when none is named) and starts it with
// the recorder, if any.
func (g *gateBackend) start(t testing.TB, spec runner.Spec, rec ...runner.Recorder) (*runner.Run, error) {
	t.Helper()
	if spec.Mode == "" {
		spec.Mode = "set"
	}
	req, err := runner.NewRequest(g, g.profile, spec)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	var r runner.Recorder
	if len(rec) > 0 {
		r = rec[0]
	}
	return runner.Start(context.Background(), req, r)
}

// hooks is a Recorder made of functions; quota, when set, is the quota left.
type hooks struct {
	intend, record func(backends.Outcome) error
	quota          *int
}

func (h *hooks) Intend(o backends.Outcome) error {
	if h.intend != nil {
		return h.intend(o)
	}
	return nil
}
func (h *hooks) IntendBatch([]backends.Outcome) error { return nil }
func (h *hooks) Record(o backends.Outcome) error {
	if h.record != nil {
		return h.record(o)
	}
	return nil
}
func (h *hooks) Finish([]backends.Outcome) {}
func (h *hooks) QuotaLeft() (int, bool) {
	if h.quota == nil {
		return 0, false
	}
	return *h.quota, true
}
func (g *gateBackend) Login(context.Context) error {
	g.logins.Add(1)
	return nil
}
func (g *gateBackend) Check(context.Context) (string, error) { return "ok", nil }
func (g *gateBackend) Search(context.Context, string, int) ([]backends.User, error) {
	return nil, backends.ErrNoSearch
}
func (g *gateBackend) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for m := g.maxIn.Load(); n > m && !g.maxIn.CompareAndSwap(m, n); m = g.maxIn.Load() {
	}
	g.started <- t.User
	select {
	case <-g.release:
	case <-ctx.Done():
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: "no answer (timed out)"}
	}
	g.sent.Store(t.User, t.Secret)
	if g.reply != nil {
		return g.reply(t)
	}
	return backends.Result{Message: "done"}, nil
}

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%03d", i)
	}
	return out
}

func TestConcurrencyBoundHolds(t *testing.T) {
	srv := odintest.New(60)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 15 * time.Millisecond})
	p := backends.Profile{Name: "odin", Kind: "odin", URL: srv.BaseURL(), Username: odintest.Username, ServiceProvider: odintest.ServiceProvider, Group: odintest.Group}
	b, _ := odin.New(p, odintest.Password, &http.Client{})
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "sip", Users: srv.Users(), Concurrency: 5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := runner.Start(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Wait() {
		if o.Status != backends.StatusOK {
			t.Fatalf("%+v", o)
		}
	}
	// the generator call may overlap the resets: at most one more
	if m := srv.MaxInFlight(); m > 6 || m < 5 {
		t.Fatalf("server saw %d requests at once, want the bound 5 (+1 generator)", m)
	}
}

func TestStopSkipsTheRestAndLetsInFlightFinish(t *testing.T) {
	g := newGate(backends.FromPolicy)
	us := users(20)
	r, err := g.start(t, runner.Spec{Users: us, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		<-g.started
	}
	r.Stop()
	close(g.release) // the three in flight answer after the stop
	out := r.Wait()
	var tally backends.Tally
	for i, o := range out {
		tally.Add(o)
		if o.User != us[i] || o.Index != i {
			t.Fatalf("outcome %d is %+v", i, o)
		}
	}
	if tally.OK != 3 || tally.Skipped != 17 {
		t.Fatalf("tally %+v, want 3 ok (in flight finished) and 17 skipped", tally)
	}
	for _, o := range out[3:] {
		if !strings.Contains(o.Message, "stopped") {
			t.Fatalf("skip message %q", o.Message)
		}
	}
}

func TestUnansweredIsUnknownNeverRetried(t *testing.T) {
	g := newGate(backends.FromPolicy)
	var calls atomic.Int64
	g.reply = func(backends.Target) (backends.Result, error) {
		calls.Add(1)
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: "reset: no answer (connection reset)"}
	}
	close(g.release)
	r, err := g.start(t, runner.Spec{Users: users(1)})
	if err != nil {
		t.Fatal(err)
	}
	o := r.Wait()[0]
	if o.Status != backends.StatusUnknown || !strings.Contains(o.Message, backends.MessageUnknown) || calls.Load() != 1 {
		t.Fatalf("%+v after %d calls", o, calls.Load())
	}
	// the password sent may be in effect: it is kept, never dropped
	if sent, _ := g.sent.Load(o.User); o.Secret == "" || o.Secret != sent {
		t.Fatalf("unknown outcome kept secret %q, sent %q", o.Secret, sent)
	}
}

func TestTimeoutIsUnknown(t *testing.T) {
	g := newGate(backends.FromPolicy) // never released: the request hangs
	r, err := g.start(t, runner.Spec{Users: users(2), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range r.Wait() {
		if o.Status != backends.StatusUnknown {
			t.Fatalf("%+v", o)
		}
	}
}

func TestOutputOrderEqualsInputOrder(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	us := users(200)
	r, err := g.start(t, runner.Spec{Users: us, Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]bool{}
	for i, o := range r.Wait() {
		if o.User != us[i] || o.Status != backends.StatusOK {
			t.Fatalf("position %d holds %+v", i, o)
		}
		sent, _ := g.sent.Load(o.User)
		if o.Secret == "" || o.Secret != sent || secrets[o.Secret] {
			t.Fatalf("%s: secret %q, sent %q (distinct per user)", o.User, o.Secret, sent)
		}
		secrets[o.Secret] = true
	}
}

func TestQuotaSkipsUsersPastIt(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(t backends.Target) (backends.Result, error) {
		if t.User == "user001" {
			return backends.Result{}, backends.NewError(backends.Refused, "no such user")
		}
		return backends.Result{}, nil
	}
	left := 3
	r, err := g.start(t, runner.Spec{Users: users(6), Concurrency: 2}, &hooks{quota: &left})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Wait()
	tally := backends.TallyOf(out)
	// a failure spends no quota: user001 fails, three others succeed, two are skipped
	if tally.OK != 3 || tally.Failed != 1 || tally.Skipped != 2 {
		t.Fatalf("tally %+v", tally)
	}
	if !strings.Contains(out[5].Message, "quota") {
		t.Fatalf("skip message %q", out[5].Message)
	}
	sent := 0
	g.sent.Range(func(any, any) bool { sent++; return true })
	if sent != 4 {
		t.Fatalf("%d requests sent, want 4", sent)
	}
}

func TestRecordRunsBeforeTheOutcomeIsEmitted(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var mu sync.Mutex
	recorded := map[string]string{}
	spec := runner.Spec{Users: users(30), Concurrency: 4}
	rec := &hooks{record: func(o backends.Outcome) error {
		mu.Lock()
		defer mu.Unlock()
		recorded[o.User] = o.Secret
		return nil
	}}
	r, err := g.start(t, spec, rec)
	if err != nil {
		t.Fatal(err)
	}
	for o := range r.Outcomes() {
		if o.Status != backends.StatusOK {
			continue
		}
		mu.Lock()
		got := recorded[o.User]
		mu.Unlock()
		if got != o.Secret {
			t.Fatalf("%s emitted before the journal had it", o.User)
		}
	}
}

func TestRecordFailureKeepsTheSecret(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	r, _ := g.start(t, runner.Spec{Users: users(1)},
		&hooks{record: func(backends.Outcome) error { return fmt.Errorf("disk full") }})
	o := r.Wait()[0]
	if o.Status != backends.StatusOK || o.Secret == "" || !strings.Contains(o.Message, "journal write failed: disk full") {
		t.Fatalf("%+v", o)
	}
}

func TestValidateRefusesBeforeSending(t *testing.T) {
	g := newGate(backends.FromPolicy)
	cases := map[string]runner.Spec{
		"typed password for many users": {Mode: "set", Users: users(2), Password: "Secret123!"},
		"control character":             {Mode: "set", Users: []string{"a\x1b[2Jb"}},
		"no users":                      {Mode: "set"},
		"concurrency":                   {Mode: "set", Users: users(1), Concurrency: 1000},
		"unknown mode":                  {Mode: "sip", Users: users(1)},
		"duplicate user":                {Mode: "set", Users: []string{"a", "a"}},
	}
	for name, spec := range cases {
		if _, err := runner.NewRequest(g, g.profile, spec); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if g.logins.Load() != 0 {
		t.Fatal("logged in although the job was invalid")
	}
}

func TestExpiredRenewsOnceSharedByWorkers(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var expired atomic.Bool
	expired.Store(true)
	var mu sync.Mutex
	g.reply = func(backends.Target) (backends.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		if expired.Load() && g.logins.Load() < 2 {
			return backends.Result{}, backends.NewError(backends.Expired, "token expired")
		}
		return backends.Result{}, nil
	}
	r, _ := g.start(t, runner.Spec{Users: users(12), Concurrency: 4})
	for _, o := range r.Wait() {
		if o.Status != backends.StatusOK {
			t.Fatalf("%+v", o)
		}
	}
	if n := g.logins.Load(); n != 2 {
		t.Fatalf("%d logins, want the first and one renewal shared by all workers", n)
	}
}

// BenchmarkRun1000 runs 1000 SIP resets against the fake Odin with 20 ms of latency at
// concurrency 16 and reports wall time over the ideal ceil(N/C) × 1 round trip × latency
// (the batch generator adds one round trip per run; target ≤ 1.15).
func BenchmarkRun1000(b *testing.B) {
	const n, conc, latency = 1000, 16, 20 * time.Millisecond
	srv := odintest.New(n)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: latency})
	p := backends.Profile{Name: "odin", Kind: "odin", URL: srv.BaseURL(), Username: odintest.Username, ServiceProvider: odintest.ServiceProvider, Group: odintest.Group}
	be, _ := odin.New(p, odintest.Password, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}})
	req, err := runner.NewRequest(be, p, runner.Spec{Mode: "sip", Users: srv.Users(), Concurrency: conc, BatchSize: 250})
	if err != nil {
		b.Fatal(err)
	}
	ideal := time.Duration(math.Ceil(float64(n)/conc)) * latency
	var ratio float64
	var mallocs uint64
	b.ResetTimer()
	for range b.N {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		start := time.Now()
		r, err := runner.Start(context.Background(), req, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range r.Wait() {
			if o.Status != backends.StatusOK {
				b.Fatalf("%+v", o)
			}
		}
		el := time.Since(start)
		runtime.ReadMemStats(&ms1)
		ratio += float64(el) / float64(ideal)
		mallocs += ms1.Mallocs - ms0.Mallocs
	}
	b.ReportMetric(ratio/float64(b.N), "wall/ideal")
	b.ReportMetric(float64(mallocs)/float64(b.N)/n, "allocs/user(client+fake)")
}

func TestRefusedCredentialsStopTheRun(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var calls atomic.Int64
	g.reply = func(backends.Target) (backends.Result, error) {
		if calls.Add(1) >= 3 {
			return backends.Result{}, backends.NewError(backends.BadLogin, "invalid API credentials")
		}
		return backends.Result{}, nil
	}
	r, _ := g.start(t, runner.Spec{Users: users(100), Concurrency: 1})
	out := r.Wait()
	tally := backends.TallyOf(out)
	// every further request would be another failed login: at most the one in flight
	if tally.OK != 2 || tally.Failed != 1 || tally.Skipped != 97 || calls.Load() != 3 {
		t.Fatalf("tally %+v after %d requests", tally, calls.Load())
	}
	if !strings.Contains(out[99].Message, "credentials were refused") {
		t.Fatalf("skip message %q", out[99].Message)
	}
}

func TestUnknownSpendsQuota(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(backends.Target) (backends.Result, error) {
		return backends.Result{}, backends.NewError(backends.Unanswered, "no answer")
	}
	left := 2
	r, _ := g.start(t, runner.Spec{Users: users(5), Concurrency: 1}, &hooks{quota: &left})
	tally := backends.TallyOf(r.Wait())
	if tally.Unknown != 2 || tally.Skipped != 3 {
		t.Fatalf("an unknown reset may have spent quota: %+v", tally)
	}
}

func TestSentSecretIsScrubbedFromMessages(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	g.reply = func(t backends.Target) (backends.Result, error) {
		return backends.Result{}, backends.NewError(backends.Refused, `invalid request {"newPassword":"`+t.Secret+`"}`)
	}
	r, _ := g.start(t, runner.Spec{Users: users(1)})
	o := r.Wait()[0]
	sent, _ := g.sent.Load(o.User)
	if o.Status != backends.StatusFailed || strings.Contains(o.Message, sent.(string)) || !strings.Contains(o.Message, "[secret]") {
		t.Fatalf("%+v", o)
	}
}

// While a run is paused nothing more is sent; what was in flight finishes; Resume sends
// the rest, and Stop while paused skips it.
func TestPauseHoldsEveryRequestNotYetSent(t *testing.T) {
	for _, then := range []string{"resume", "stop"} {
		t.Run(then, func(t *testing.T) {
			g := newGate(backends.FromPolicy)
			r, err := g.start(t, runner.Spec{Users: users(10), Concurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			<-g.started
			<-g.started
			r.Pause()
			g.release <- struct{}{}
			g.release <- struct{}{}
			// The two in flight finish; their workers reach the gate and wait there.
			got := 0
			for o := range r.Outcomes() {
				if o.Status.Final() {
					if got++; got == 2 {
						break
					}
				}
			}
			select {
			case u := <-g.started:
				t.Fatalf("%s was sent while the run was paused", u)
			default:
			}
			if then == "stop" {
				r.Stop()
			} else {
				close(g.release)
				r.Resume()
			}
			tally := backends.TallyOf(r.Wait())
			switch {
			case then == "stop" && (len(g.started) != 0 || tally.Skipped != 8):
				t.Fatalf("stopped while paused: %d more sent, %d skipped", len(g.started), tally.Skipped)
			case then == "resume" && tally.OK != 8:
				t.Fatalf("resumed: %+v", tally)
			}
		})
	}
}

// Finish gets every final outcome before the stream closes.
func TestFinishBeforeTheStreamCloses(t *testing.T) {
	g := newGate(backends.FromPolicy)
	close(g.release)
	var finished []backends.Outcome
	rec := &finishHook{done: func(o []backends.Outcome) { finished = o }}
	r, err := g.start(t, runner.Spec{Users: users(5)}, rec)
	if err != nil {
		t.Fatal(err)
	}
	for range r.Outcomes() {
	}
	if len(finished) != 5 || finished[4].User != "user004" || finished[4].Status != backends.StatusOK {
		t.Fatalf("Finish saw %+v", finished)
	}
}

type finishHook struct {
	hooks
	done func([]backends.Outcome)
}

func (f *finishHook) Finish(o []backends.Outcome) { f.done(o) }

// A profile's own login and its protected globs are refused before anything is sent.
func TestProtectedAccountsAreRefused(t *testing.T) {
	g := newGate(backends.FromPolicy)
	p := g.profile
	p.Username = `CORP\Administrator`
	p.Protected = []string{"svc-*", "krbtgt"}
	for _, u := range []string{"administrator", "Administrator@corp.example.com", "svc-backup", "KRBTGT"} {
		_, err := runner.NewRequest(g, p, runner.Spec{Mode: "set", Users: []string{"alice", u}})
		if err == nil || !strings.Contains(err.Error(), u) {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := runner.NewRequest(g, p, runner.Spec{Mode: "set", Users: []string{"alice", "svcbackup"}}); err != nil {
		t.Errorf("an unprotected user refused: %v", err)
	}
	if bad := runner.Protected(p, []string{"a", "administrator"}); len(bad) != 1 || !strings.Contains(bad[0].Err.Error(), "own login") {
		t.Errorf("%+v", bad)
	}
}
