package desk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/all"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// testDesk is a desk on a config with one Odin profile "lab" (daily_quota 3) pointing at
// srv, its secret and the journal key from the environment, its state in a temporary
// home: what a scripted run on a jump host has.
func testDesk(t *testing.T, srv *odintest.Server, home string) *desk.Desk {
	t.Helper()
	cfg := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") + "daily_quota = 3\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HOME":                         home,
		"RESETDESK_SECRET_LAB":         odintest.Password,
		"RESETDESK_SECRET_JOURNAL_KEY": journalKey,
	}
	d, err := desk.New(desk.Options{ConfigPath: cfg, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// journalKey is a fixed age identity for the tests' journals.
const journalKey = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"

func runOn(t *testing.T, d *desk.Desk, users []string) []backends.Outcome {
	t.Helper()
	out, err := tryRun(t, d, users)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryRun runs users on the desk's profile "lab" in mode sip; safe outside the test's
// goroutine.
func tryRun(t *testing.T, d *desk.Desk, users []string) ([]backends.Outcome, error) {
	return tryRunAs(t, d, "lab", users)
}

// A run at the desk is kept by the journal (recover lists its secrets) and the history
// (who, what, the outcomes), and spends the daily quota counted from the history, so
// that a second desk, in another process, sees what is left.
func TestStartKeepsJournalHistoryAndQuota(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	home := t.TempDir()
	d := testDesk(t, srv, home)
	users := srv.Users()
	out := runOn(t, d, []string{users[0], "ghost@odinapi.net", users[1]})
	tally := backends.TallyOf(out)
	if tally.OK != 2 || tally.Failed != 1 {
		t.Fatalf("outcomes %+v", out)
	}

	other := testDesk(t, srv, home)
	ctx := context.Background()
	p, _ := other.Profile("lab")
	left, has, err := other.QuotaLeft(ctx, p)
	if err != nil || !has || left != 1 {
		t.Fatalf("quota left %d %v %v, want 1 of 3 after two successes", left, has, err)
	}
	rc, err := other.Recover(ctx, false)
	if err != nil || rc.Entries() != 2 {
		t.Fatalf("recover: %+v %v", rc, err)
	}
	for _, e := range rc.Runs[0].Entries {
		if srv.SIPPassword(e.User) != e.Secret {
			t.Errorf("%s: journal holds %q, the server %q", e.User, e.Secret, srv.SIPPassword(e.User))
		}
	}
	runs, outs, err := other.History(ctx, history.Filter{}, true)
	if err != nil || len(runs) != 1 || len(outs) != 3 || outs[1].Status != "failed" {
		t.Fatalf("history: %d runs, %+v, %v", len(runs), outs, err)
	}

	// The quota holds: of two more users, one is sent and one skipped.
	out = runOn(t, other, users[2:4])
	if tally := backends.TallyOf(out); tally.OK != 1 || tally.Skipped != 1 {
		t.Fatalf("past the quota: %+v", out)
	}
}

// Two runs at once on one quota profile (two desks: two technicians, two processes)
// together never send past the quota: each starts believing 3 places are left, and the
// history's reservation refuses what the other took.
func TestConcurrentRunsHoldTheDailyQuota(t *testing.T) {
	srv := odintest.New(12)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 20 * time.Millisecond})
	home := t.TempDir()
	a, b := testDesk(t, srv, home), testDesk(t, srv, home)
	users := srv.Users()
	type result struct {
		out []backends.Outcome
		err error
	}
	results := make(chan result, 2)
	for i, d := range []*desk.Desk{a, b} {
		go func() {
			out, err := tryRun(t, d, users[6*i:6*i+6])
			results <- result{out, err}
		}()
	}
	var tally backends.Tally
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		for _, o := range r.out {
			tally.Add(o)
		}
	}
	if tally.OK != 3 || srv.Resets() != 3 {
		t.Fatalf("%d ok, %d resets sent against a daily quota of 3", tally.OK, srv.Resets())
	}
}

// A served technician sees and opens only the profiles their globs allow, runs at most
// max_users at once, cannot change the host's credentials, is named in the history, and
// recovers only their own runs.
func TestTechnicianDesk(t *testing.T) {
	srv := odintest.New(6)
	defer srv.Close()
	home := t.TempDir()
	cfgPath := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") +
		srv.ProfileTOML("other") +
		"[technicians.alice]\nkeys = [\"ssh-ed25519 AAAA alice\"]\nprofiles = [\"l*\"]\nmax_users = 2\n" +
		"[technicians.bob]\nkeys = [\"ssh-ed25519 AAAB bob\"]\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password, "RESETDESK_SECRET_OTHER": odintest.Password, "RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	host, err := desk.NewHost(desk.Options{ConfigPath: cfgPath, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := host.Desk("alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, _ := host.Desk("bob")
	if _, err := host.Desk("mallory"); err == nil {
		t.Fatal("a technician not in the config got a desk")
	}
	if ps := alice.Profiles(); len(ps) != 1 || ps[0].Name != "lab" {
		t.Fatalf("alice sees %v", ps)
	}
	if _, err := alice.Profile("other"); err == nil || !strings.Contains(err.Error(), "not open to technician alice") {
		t.Fatalf("alice opened other: %v", err)
	}
	if len(bob.Profiles()) != 2 {
		t.Fatalf("bob (no globs) sees %v", bob.Profiles())
	}
	if err := alice.Secrets().Set(context.Background(), "lab", "x"); err == nil || !strings.Contains(err.Error(), "creds set") {
		t.Fatalf("a session changed the host's credentials: %v", err)
	}
	users := srv.Users()
	if _, err := tryRunAs(t, alice, "lab", users[:3]); err == nil || !strings.Contains(err.Error(), "max_users = 2") {
		t.Fatalf("3 users past max_users 2: %v", err)
	}
	if _, err := tryRunAs(t, alice, "lab", users[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := tryRunAs(t, bob, "lab", users[2:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := tryRunAs(t, bob, "other", users[3:4]); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// alice may not open "other": bob's run there is not in her history.
	if runs, outs, err := alice.History(ctx, history.Filter{}, true); err != nil || len(runs) != 2 || len(outs) != 3 {
		t.Fatalf("alice's history: %d runs, %d outcomes, %v", len(runs), len(outs), err)
	}
	runs, _, err := bob.History(ctx, history.Filter{}, false)
	if err != nil || len(runs) != 3 {
		t.Fatalf("history: %v %v", runs, err)
	}
	by := map[string]bool{}
	for _, r := range runs {
		by[r.Technician] = true
	}
	if !by["alice"] || !by["bob"] {
		t.Fatalf("the history names %v", by)
	}
	for who, d := range map[string]*desk.Desk{"alice": alice, "bob": bob} {
		rc, err := d.Recover(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rc.Runs {
			if r.Technician != who {
				t.Fatalf("%s recovers a run of %q", who, r.Technician)
			}
		}
		if want := map[string]int{"alice": 2, "bob": 2}[who]; rc.Entries() != want {
			t.Fatalf("%s recovers %d secrets, want %d", who, rc.Entries(), want)
		}
	}
}

func tryRunAs(t *testing.T, d *desk.Desk, profile string, users []string) ([]backends.Outcome, error) {
	ctx := context.Background()
	p, err := d.Profile(profile)
	if err != nil {
		return nil, err
	}
	b, err := d.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "sip", Users: users})
	if err != nil {
		return nil, err
	}
	return submitted(t, d, req)
}

// submitted plans req at d, submits it to the host and waits for its end: its final
// outcomes, or why it did not start (logged: its warnings).
func submitted(t testing.TB, d *desk.Desk, req runner.Request) ([]backends.Outcome, error) {
	t.Helper()
	ctx := context.Background()
	plan, err := d.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	h, err := d.Submit(ctx, plan)
	if h != nil {
		<-h.Done()
		for _, w := range h.Info().Warnings {
			t.Log(w)
		}
	}
	if err != nil {
		return nil, err
	}
	return h.Outcomes(), nil
}
