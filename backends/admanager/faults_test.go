package admanager_test

import (
	"context"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/runner"
)

func TestConformance(t *testing.T) { backendtest.Conformance(t, harness()) }

func TestSearchFaults(t *testing.T) {
	s, b := setup(t, 3)
	s.SetFaults(admanagertest.Faults{Fail: "SearchUser", FailBody: fakekit.BodyTruncated})
	_, err := b.Search(context.Background(), "smith", 5)
	if err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Errorf("truncated: %v", err)
	}
	s.SetFaults(admanagertest.Faults{Fail: "SearchUser", FailStatus: 503})
	err = b.Login(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || backends.KindOf(err) == backends.BadLogin {
		t.Errorf("a down server is not a bad token: %v", err)
	}
	noSecret(t, err.Error())
}

func TestQuota(t *testing.T) {
	t.Run("reported from the profile", func(t *testing.T) {
		// The product reads the quota from backends.Profile; the client only reports it.
		s, b := setup(t, 50)
		if msg, err := b.Check(context.Background()); err != nil || !strings.Contains(msg, "daily quota 150 ") {
			t.Errorf("quota 150: %q %v", msg, err)
		}
		p := profile(s)
		p.DailyQuota = 0
		if msg, err := backendtest.Client(t, p, admanagertest.Token).Check(context.Background()); err != nil || strings.Contains(msg, "daily quota") {
			t.Errorf("no quota: %q %v", msg, err)
		}
	})
	t.Run("already spent: nothing sent", func(t *testing.T) {
		s, b := setup(t, 4)
		left := 0
		out := backendtest.RunWith(t, b, runner.Spec{Mode: "set", Users: s.Users()}, backendtest.Quota(left), admanagertest.Token)
		for _, o := range out {
			if o.Status != backends.StatusSkipped || o.Secret != "" {
				t.Fatalf("%+v", o)
			}
			wantContains(t, o.Message, "not sent", "daily quota is spent")
		}
		if n := len(resets(s)); n != 0 {
			t.Errorf("%d resets sent past a spent quota", n)
		}
	})
	t.Run("users past it are skipped", func(t *testing.T) {
		s, b := setup(t, 5)
		left := 2
		out := backendtest.RunWith(t, b, runner.Spec{Mode: "set", Users: s.Users(), Concurrency: 3}, backendtest.Quota(left), admanagertest.Token)
		tally := backends.TallyOf(out)
		if tally.OK != 2 || tally.Skipped != 3 || len(resets(s)) != 2 {
			t.Errorf("%+v, %d sent", tally, len(resets(s)))
		}
	})
	for _, form := range []admanagertest.QuotaForm{admanagertest.QuotaPerAccount, admanagertest.QuotaSeverity} {
		t.Run("spent on the server, form "+[]string{"per account", "SEVERITY"}[form], func(t *testing.T) {
			s, b := setup(t, 5, admanagertest.WithQuota(2, form))
			out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users(), Concurrency: 1})
			for i, o := range out {
				if i < 2 {
					if o.Status != backends.StatusOK {
						t.Errorf("%+v", o)
					}
					continue
				}
				// The first the server refused has failed; the rest were not sent to be
				// refused again: skipped, with the server's reason.
				want := backends.StatusFailed
				if i > 2 {
					want = backends.StatusSkipped
					wantContains(t, o.Message, "not sent")
				}
				if o.Status != want || o.Secret != "" {
					t.Errorf("%+v, want %s", o, want)
				}
				wantContains(t, o.Message, "daily quota is spent", admanagertest.MsgQuota)
			}
			if n := len(resets(s)); n != 3 {
				t.Errorf("%d resets sent, want 2 and the one refused", n)
			}
		})
	}
}

// Generate resets queued behind a request that hangs are never sent when the run gives
// up: they are skipped, "not sent", never failed; the accounts of the hung request are
// unknown.
func TestGenerateQueuedBehindAHungRequestIsSkipped(t *testing.T) {
	s := admanagertest.New(4)
	t.Cleanup(s.Close)
	p := profile(s)
	p.RateLimit = 10 // one user every 100 ms: the first request goes out alone
	b := backendtest.Client(t, p, admanagertest.Token)
	s.SetFaults(admanagertest.Faults{Hang: "ResetPwd"})
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "generate", Users: s.Users(), Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run, err := runner.Start(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]backends.Outcome, 4)
	running := 0
	for o := range run.Outcomes() {
		if o.Status != backends.StatusRunning {
			out[o.Index] = o
			continue
		}
		// Once every user is past the runner's last gate (queued behind the hung
		// request, or in it) the run is aborted.
		if running++; running == 4 {
			cancel()
		}
	}
	sent := map[string]bool{}
	for _, r := range resets(s) {
		for _, a := range accountsOf(t, r) {
			sent[a] = true
		}
	}
	skipped := 0
	for _, o := range out {
		switch {
		case sent[o.User]:
			backendtest.Expect(t, o, backends.StatusUnknown, nil, nil)
		default:
			backendtest.Expect(t, o, backends.StatusSkipped, []string{"not sent"}, nil)
			skipped++
		}
	}
	if skipped == 0 {
		t.Fatalf("every account went in the hung request: nothing was queued behind it (%d requests)", len(resets(s)))
	}
}
