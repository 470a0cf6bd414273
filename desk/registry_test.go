package desk_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// approverLine makes bob an approver.
const approverLine = "approver = true\n"

// teamConfig is a config of two Odin profiles on srv, lab (with extra lines) and
// other, and five technicians: alice (lab only), bob (both; an approver), carol (other
// only), dave (lab, max_users 2) and erin (other only; an approver).
func teamConfig(t *testing.T, srv *odintest.Server, home, extra string) string {
	t.Helper()
	path := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") + extra + srv.ProfileTOML("other") +
		"[technicians.alice]\nkeys = [\"ssh-ed25519 AAAA alice\"]\nprofiles = [\"lab\"]\n" +
		"[technicians.bob]\nkeys = [\"ssh-ed25519 AAAB bob\"]\n" + approverLine +
		"[technicians.carol]\nkeys = [\"ssh-ed25519 AAAC carol\"]\nprofiles = [\"other\"]\n" +
		"[technicians.dave]\nkeys = [\"ssh-ed25519 AAAD dave\"]\nprofiles = [\"lab\"]\nmax_users = 2\n" +
		"[technicians.erin]\nkeys = [\"ssh-ed25519 AAAE erin\"]\nprofiles = [\"other\"]\n" + approverLine
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// teamHost is a host on teamConfig with the secrets and the journal key in the
// environment and its state under home; closed at the end of the test.
func teamHost(t *testing.T, srv *odintest.Server, home, extra string, o desk.Options) *desk.Host {
	t.Helper()
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password, "RESETDESK_SECRET_OTHER": odintest.Password,
		"RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	o.ConfigPath = teamConfig(t, srv, home, extra)
	o.Getenv = func(k string) string { return env[k] }
	h, err := desk.NewHost(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// gated is a back end whose resets wait at a gate: the test lets each through, and so
// holds a run mid-flight without sleeping.
type gated struct {
	backends.Backend
	batch   backends.SecretBatcher
	entered chan string   // a reset reached the gate
	pass    chan struct{} // one reset goes through
	opened  chan struct{} // closed: every reset goes through
	login   error         // Login's answer
}

func (g *gated) Login(ctx context.Context) error {
	if g.login != nil {
		return g.login
	}
	return g.Backend.Login(ctx)
}

// open lets every reset through from now on.
func (g *gated) open() { close(g.opened) }

func (g *gated) BatchSecrets(ctx context.Context, mode string, n int) ([]string, error) {
	return g.batch.BatchSecrets(ctx, mode, n)
}

func (g *gated) Reset(ctx context.Context, tg backends.Target) (backends.Result, error) {
	g.entered <- tg.User
	select {
	case <-g.pass:
	case <-g.opened:
	case <-ctx.Done():
		return backends.Result{}, backends.NewError(backends.Unanswered, "aborted at the gate")
	}
	return g.Backend.Reset(ctx, tg)
}

// through lets one reset through the gate and waits for the next to reach it (unless
// last).
func (g *gated) through(t *testing.T) {
	t.Helper()
	select {
	case g.pass <- struct{}{}:
	case <-time.After(time.Minute):
		t.Fatal("no reset waits at the gate")
	}
}

// gatedPlan plans a sip run of users on profile at d, one request at a time, through a
// gate.
func gatedPlan(t *testing.T, d *desk.Desk, profile string, users []string) (*desk.Plan, *gated) {
	t.Helper()
	ctx := context.Background()
	p, err := d.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{Backend: b, batch: b.(backends.SecretBatcher), entered: make(chan string, len(users)), pass: make(chan struct{}),
		opened: make(chan struct{})}
	req, err := runner.NewRequest(g, p, runner.Spec{Mode: "sip", Users: users, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := d.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return plan, g
}

// watched is what a watch delivered.
type watched struct {
	updates  int
	finals   map[int]backends.Outcome
	running  []int // users whose request going out was delivered
	warnings []string
	info     desk.Info
}

// next reads one update into seen.
func (s *watched) next(t *testing.T, w *desk.Watch) desk.Update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u, err := w.Next(ctx)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	if s.finals == nil {
		s.finals = map[int]backends.Outcome{}
	}
	s.updates++
	for _, o := range u.Outcomes {
		if o.Status.Final() {
			s.finals[o.Index] = o
		} else {
			s.running = append(s.running, o.Index)
		}
	}
	s.warnings = append(s.warnings, u.Warnings...)
	s.info = u.Info
	return u
}

// until reads updates until cond holds of what was seen.
func (s *watched) until(t *testing.T, w *desk.Watch, cond func() bool) {
	t.Helper()
	for !cond() {
		if u := s.next(t, w); u.Over && !cond() {
			t.Fatalf("the run ended before the condition held: %+v", s)
		}
	}
}

func (s *watched) toEnd(t *testing.T, w *desk.Watch) {
	t.Helper()
	over := false
	for !over {
		over = s.next(t, w).Over
	}
}

// A run is watched by two front ends at once: each sees every outcome, the one that
// attaches late first gets the whole run so far (and no "going out" for a user that is
// over), then the rest live; both see the secrets of the run's own technician.
func TestRegistryRunIsWatchedByTwoFrontEndsFromItsStart(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	alice := deskOf(t, host, "alice")
	users := srv.Users()
	plan, g := gatedPlan(t, alice, "lab", users)
	h, err := alice.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	if in := h.Info(); in.State != desk.StateRunning || in.Technician != "alice" || len(in.Users) != 4 || in.HistoryID == 0 {
		t.Fatalf("submitted run %+v", in)
	}
	var first, late watched
	w1 := h.Watch()
	g.through(t)
	g.through(t)
	first.until(t, w1, func() bool { return len(first.finals) == 2 })

	w2 := h.Watch()
	late.next(t, w2)
	if len(late.finals) != 2 || late.finals[0].Secret == "" || late.finals[1].Secret != first.finals[1].Secret {
		t.Fatalf("the late watch's first update: %+v", late)
	}
	for _, i := range late.running {
		if i < 2 {
			t.Fatalf("the late watch was told user %d goes out, after its outcome: %v", i, late.running)
		}
	}
	g.through(t)
	g.through(t)
	first.toEnd(t, w1)
	late.toEnd(t, w2)
	for i, u := range users {
		a, b := first.finals[i], late.finals[i]
		if a.Status != backends.StatusOK || a != b || a.Secret != srv.SIPPassword(u) {
			t.Fatalf("user %d: first watch %+v, late %+v, server %q", i, a, b, srv.SIPPassword(u))
		}
	}
	if first.info.State != desk.StateDone || first.info.Tally.OK != 4 || first.info.Finished.IsZero() {
		t.Fatalf("final info %+v", first.info)
	}
	if u, err := w2.Next(context.Background()); err != nil || !u.Over || len(u.Outcomes) != 0 {
		t.Fatalf("a watch of a run over: %+v, %v", u, err)
	}
}

// Stop lets the request in flight finish and skips the rest; the run is stopping, then
// done. Only its starter may stop it.
func TestRegistryStopFinishesWhatIsInFlightAndSkipsTheRest(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	alice, bob := deskOf(t, host, "alice"), deskOf(t, host, "bob")
	plan, g := gatedPlan(t, alice, "lab", srv.Users())
	h, err := alice.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	<-g.entered // the first request is in flight
	theirs, err := bob.Run(h.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := theirs.Stop(); err == nil {
		t.Fatal("bob stopped alice's run")
	}
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	if in := h.Info(); in.State != desk.StateStopping {
		t.Fatalf("state after Stop: %s", in.State)
	}
	var s watched
	w := h.Watch()
	g.through(t)
	s.toEnd(t, w)
	tally := backends.TallyOf(h.Outcomes())
	if tally.OK != 1 || tally.Skipped != 3 || s.info.State != desk.StateDone || srv.Resets() != 1 {
		t.Fatalf("stopped run: %+v, %s, %d resets", tally, s.info.State, srv.Resets())
	}
}

// A run is the host's: the session that started it ends (its desk closed) and the run
// goes on to its end; the technician, back in a new session, finds it with its results
// and secrets; another technician on the profile sees it without its secrets, and one
// who may not use the profile does not see it.
func TestRegistryRunOutlivesTheSessionThatStartedIt(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	session := deskOf(t, host, "alice")
	users := srv.Users()
	plan, g := gatedPlan(t, session, "lab", users)
	h, err := session.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	<-g.entered
	session.Close() // the SSH connection dropped
	g.through(t)
	g.through(t)
	g.through(t)
	<-h.Done()

	back := deskOf(t, host, "alice")
	ra, err := back.Reattach(context.Background())
	if err != nil || len(ra.Runs) != 1 || len(ra.CutOff) != 0 {
		t.Fatalf("alice's reattach: %+v, %v", ra, err)
	}
	mine := ra.Runs[0]
	if !mine.Secrets() || mine.Info().Tally.OK != 3 {
		t.Fatalf("alice's run on her return: %+v", mine.Info())
	}
	for i, o := range mine.Outcomes() {
		if o.Secret != srv.SIPPassword(users[i]) {
			t.Fatalf("alice's outcome %d: %+v", i, o)
		}
	}
	var s watched
	s.toEnd(t, mine.Watch())
	if len(s.finals) != 3 || s.finals[2].Secret != srv.SIPPassword(users[2]) {
		t.Fatalf("alice's watch of the run from its start: %+v", s)
	}

	bob := deskOf(t, host, "bob")
	theirs, err := bob.Run(mine.ID())
	if err != nil || theirs.Secrets() {
		t.Fatalf("bob's view: %v, secrets %v", err, theirs != nil && theirs.Secrets())
	}
	for _, o := range theirs.Outcomes() {
		if o.Secret != "" || o.Status != backends.StatusOK {
			t.Fatalf("bob sees %+v", o)
		}
	}
	var b watched
	b.toEnd(t, theirs.Watch())
	for _, o := range b.finals {
		if o.Secret != "" {
			t.Fatalf("bob's watch shows a secret: %+v", o)
		}
	}
	if ra, _ := bob.Reattach(context.Background()); len(ra.Runs) != 0 {
		t.Fatalf("bob finds alice's run as his own: %+v", ra.Runs)
	}
	carol := deskOf(t, host, "carol")
	if _, err := carol.Run(mine.ID()); err == nil || len(carol.Runs()) != 0 {
		t.Fatal("carol, who may not use lab, sees a run on it")
	}
}

// Drain stops every run, waits for what is in flight, and takes no new run.
func TestRegistryDrainStopsEveryRunAndTakesNoMore(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	alice, bob := deskOf(t, host, "alice"), deskOf(t, host, "bob")
	users := srv.Users()
	pa, ga := gatedPlan(t, alice, "lab", users[:2])
	pb, gb := gatedPlan(t, bob, "other", users[2:])
	ha, err := alice.Submit(context.Background(), pa)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := bob.Submit(context.Background(), pb)
	if err != nil {
		t.Fatal(err)
	}
	<-ga.entered
	<-gb.entered
	drained := make(chan error, 1)
	go func() { drained <- host.Runs().Drain(context.Background()) }()
	for _, h := range []*desk.Handle{ha, hb} {
		var s watched
		s.until(t, h.Watch(), func() bool { return s.info.State == desk.StateStopping })
	}
	ga.through(t)
	gb.through(t)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	for _, h := range []*desk.Handle{ha, hb} {
		if tally := h.Info().Tally; tally.OK != 1 || tally.Skipped != 1 {
			t.Fatalf("drained run: %+v", tally)
		}
	}
	again, _ := gatedPlan(t, alice, "lab", users[:1])
	if _, err := alice.Submit(context.Background(), again); !errors.Is(err, desk.ErrClosing) {
		t.Fatalf("a run submitted after the drain: %v", err)
	}
}

// A run that a shutdown of the host stopped (SIGTERM to serve, the usual restart) says
// so: its users not sent are skipped "because the host shut down", not as if their
// technician had stopped it, and the technician's next session at the new host says
// what became of it — how many went out, how many did not.
func TestReattachFindsARunTheHostsShutdownStopped(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	home := t.TempDir()
	first := teamHost(t, srv, home, "", desk.Options{})
	alice := deskOf(t, first, "alice")
	plan, g := gatedPlan(t, alice, "lab", srv.Users())
	h, err := alice.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	<-g.entered
	drained := make(chan error, 1)
	go func() { drained <- first.Runs().Drain(context.Background()) }()
	var s watched
	s.until(t, h.Watch(), func() bool { return s.info.State == desk.StateStopping })
	g.through(t)
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	s.until(t, h.Watch(), func() bool { return len(s.finals) == 4 })
	if o := s.finals[3]; o.Status != backends.StatusSkipped || !strings.Contains(o.Message, "the host shut down") {
		t.Fatalf("a user the shutdown kept from going out: %+v", o)
	}
	first.Close()

	second := teamHost(t, srv, home, "", desk.Options{})
	ra, err := deskOf(t, second, "alice").Reattach(context.Background())
	if err != nil || len(ra.CutOff) != 1 {
		t.Fatalf("alice's reattach at the new host: %+v, %v", ra, err)
	}
	c := ra.CutOff[0]
	want := "a run of yours on lab was stopped by a shutdown of the host at " + runner.TimeText(c.At) + " — 1 of 4 sent, 3 not sent — see recover"
	if !c.Stopped || c.Tally.OK != 1 || c.Tally.Skipped != 3 || c.String() != want {
		t.Fatalf("the stopped run: %+v\n%q", c, c.String())
	}
	if ra, _ := deskOf(t, second, "bob").Reattach(context.Background()); len(ra.CutOff) != 0 {
		t.Fatalf("bob finds alice's stopped run: %+v", ra.CutOff)
	}
}

// A run that a host's end cut off is found by its technician from the history when
// they come back to a new host: when, and how far it got; their runs only.
func TestReattachFindsARunCutOffByAHostRestart(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	home := t.TempDir()
	first := teamHost(t, srv, home, "", desk.Options{})
	alice := deskOf(t, first, "alice")
	users := srv.Users()
	plan, g := gatedPlan(t, alice, "lab", users)
	h, err := alice.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	<-g.entered // the first request reached the gate
	g.through(t)
	<-g.entered // the second request is out when the host dies
	var s watched
	s.until(t, h.Watch(), func() bool { return len(s.finals) == 1 })
	// The process is killed here: nothing more is recorded of the run. (The host is
	// closed at the end of the test, after the new one has looked.)
	killed := h.Info().HistoryID

	second := teamHost(t, srv, home, "", desk.Options{})
	ra, err := deskOf(t, second, "alice").Reattach(context.Background())
	if err != nil || len(ra.Runs) != 0 || len(ra.CutOff) != 1 {
		t.Fatalf("alice's reattach at the new host: %+v, %v", ra, err)
	}
	c := ra.CutOff[0]
	if c.HistoryID != killed || c.Total != 4 || c.Done() != 2 || c.Tally.OK != 1 || c.Tally.Unknown != 1 || c.Profile != "lab" || c.At.Before(c.Started) {
		t.Fatalf("cut-off run %+v", c)
	}
	if msg := c.String(); msg != "a run of yours on lab was cut off at "+runner.TimeText(c.At)+" — 2 of 4 done — see recover" {
		t.Fatalf("message %q", msg)
	}
	if ra, _ := deskOf(t, second, "bob").Reattach(context.Background()); len(ra.CutOff) != 0 {
		t.Fatalf("bob finds alice's cut-off run: %+v", ra.CutOff)
	}
	runs, _, err := deskOf(t, second, "bob").History(context.Background(), history.Filter{}, false)
	if err != nil || len(runs) != 1 || !runs[0].Finished.IsZero() {
		t.Fatalf("history: %+v, %v", runs, err)
	}
	g.open() // the first host's run ends with the test
}

// A run that cannot start (the login refused) is kept, over, with its cause: the error
// comes back with its handle, and a session that looks later reads why.
func TestRegistryKeepsARunThatCouldNotStart(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	alice := deskOf(t, host, "alice")
	plan, g := gatedPlan(t, alice, "lab", srv.Users())
	g.login = backends.NewError(backends.BadLogin, "credentials refused")
	h, err := alice.Submit(context.Background(), plan)
	if err == nil || h == nil {
		t.Fatalf("Submit with a refused login: %v, %v", h, err)
	}
	<-h.Done()
	ra, _ := deskOf(t, host, "alice").Reattach(context.Background())
	if len(ra.Runs) != 1 {
		t.Fatalf("reattach: %+v", ra)
	}
	in := ra.Runs[0].Info()
	if in.State != desk.StateDone || !strings.Contains(in.Err, "credentials refused") || in.Tally.Total() != 0 || srv.Resets() != 0 {
		t.Fatalf("the run that could not start: %+v", in)
	}
}

// Abort aborts what is in flight (its outcome unknown) and skips the rest; the host
// takes no new run.
func TestRegistryAbortAbortsWhatIsInFlight(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "", desk.Options{})
	alice := deskOf(t, host, "alice")
	plan, g := gatedPlan(t, alice, "lab", srv.Users())
	h, err := alice.Submit(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	<-g.entered
	host.Runs().Abort()
	if err := host.Runs().Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tally := h.Info().Tally; tally.Unknown != 1 || tally.Skipped != 2 || srv.Resets() != 0 {
		t.Fatalf("aborted run %+v, %d resets", tally, srv.Resets())
	}
	if _, err := alice.Submit(context.Background(), plan); !errors.Is(err, desk.ErrClosing) {
		t.Fatalf("a run submitted after the abort: %v", err)
	}
}
