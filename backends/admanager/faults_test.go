package admanager_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/admanager"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/demo"
	"resetdesk/backends/runner"
)

func TestFaultsThroughRunner(t *testing.T) {
	const reset = "ResetPwd"
	cases := []struct {
		name    string
		faults  admanagertest.Faults
		timeout time.Duration
		status  backends.Status
		wants   []string
		changed bool // the server set the password although the answer was lost
	}{
		{name: "hung request", faults: admanagertest.Faults{HangPath: reset}, timeout: 300 * time.Millisecond,
			status: backends.StatusUnknown, wants: []string{"no answer (timed out)", backends.MessageUnknown}},
		{name: "HTTP 500 page", faults: admanagertest.Faults{FailPath: reset, FailStatus: 500},
			status: backends.StatusFailed, wants: []string{"HTTP 500", `HTML page "HTTP Status 500`}},
		{name: "HTTP 502 page", faults: admanagertest.Faults{FailPath: reset, FailStatus: 502},
			status: backends.StatusUnknown, wants: []string{"HTTP 502", backends.MessageUnknown}},
		{name: "HTML where JSON was due", faults: admanagertest.Faults{FailPath: reset},
			status: backends.StatusFailed, wants: []string{"expected JSON", `HTML page "ADManager Plus"`}},
		{name: "truncated JSON", faults: admanagertest.Faults{FailPath: reset, FailBody: "truncated"},
			status: backends.StatusUnknown, wants: []string{"cut off", "may have been made", backends.MessageUnknown}},
		{name: "connection reset", faults: admanagertest.Faults{DropPath: reset},
			status: backends.StatusUnknown, wants: []string{"no answer", backends.MessageUnknown}, changed: true},
		{name: "throttled then fine", faults: admanagertest.Faults{FailPath: reset, FailStatus: 429, FailTimes: 2},
			status: backends.StatusOK, wants: []string{admanagertest.MsgSuccess}, changed: true},
		{name: "token refused once", faults: admanagertest.Faults{RejectToken: 1},
			status: backends.StatusOK, wants: []string{admanagertest.MsgSuccess}, changed: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, b := setup(t, admanagertest.WithUsers(3))
			if err := b.Login(context.Background()); err != nil { // the fault starts after login
				t.Fatal(err)
			}
			s.SetFaults(c.faults)
			user := s.Users()[0]
			out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}, Timeout: c.timeout})
			o := out[0]
			if o.Status != c.status {
				t.Fatalf("status %s, want %s: %s", o.Status, c.status, o.Message)
			}
			wantContains(t, o.Message, c.wants...)
			if held := s.Password(user); (held != "") != c.changed {
				t.Errorf("server password set: %v, want %v", held != "", c.changed)
			}
			// Whenever the password may be in effect, the outcome keeps the one sent.
			if c.status != backends.StatusFailed && o.Secret == "" {
				t.Error("the outcome lost the password that may be in effect")
			}
			if c.changed && s.Password(user) != o.Secret {
				t.Errorf("server holds %q, shown %q", s.Password(user), o.Secret)
			}
		})
	}
}

func TestThrottleHonoursRetryAfter(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(1))
	s.SetFaults(admanagertest.Faults{FailPath: "ResetPwd", FailStatus: 429, RetryAfter: 1, FailTimes: 1})
	start := time.Now()
	out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()})
	if out[0].Status != backends.StatusOK {
		t.Fatal(out[0].Message)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", waited)
	}
	if n := len(resets(s)); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestSearchFaults(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(3))
	s.SetFaults(admanagertest.Faults{FailPath: "SearchUser", FailBody: "truncated"})
	_, err := b.Search(context.Background(), "smith", 5)
	if err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Errorf("truncated: %v", err)
	}
	s.SetFaults(admanagertest.Faults{FailPath: "SearchUser", FailStatus: 503})
	err = b.Login(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || backends.KindOf(err) == backends.BadLogin {
		t.Errorf("a down server is not a bad token: %v", err)
	}
	noSecret(t, err.Error())
}

func TestQuota(t *testing.T) {
	t.Run("reported from the profile", func(t *testing.T) {
		// The product reads the quota from backends.Profile; the client only reports it.
		s, b := setup(t)
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
		s, b := setup(t, admanagertest.WithUsers(4))
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
		s, b := setup(t, admanagertest.WithUsers(5))
		left := 2
		out := backendtest.RunWith(t, b, runner.Spec{Mode: "generate", Users: s.Users(), Concurrency: 3}, backendtest.Quota(left), admanagertest.Token)
		tally := backends.TallyOf(out)
		if tally.OK != 2 || tally.Skipped != 3 || len(resets(s)) != 2 {
			t.Errorf("%+v, %d sent", tally, len(resets(s)))
		}
	})
	for _, form := range []admanagertest.QuotaForm{admanagertest.QuotaPerAccount, admanagertest.QuotaSeverity} {
		t.Run("spent on the server, form "+[]string{"per account", "SEVERITY"}[form], func(t *testing.T) {
			s, b := setup(t, admanagertest.WithUsers(5), admanagertest.WithQuota(2, form))
			out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users(), Concurrency: 1})
			for i, o := range out {
				if i < 2 {
					if o.Status != backends.StatusOK {
						t.Errorf("%+v", o)
					}
					continue
				}
				if o.Status != backends.StatusFailed || o.Secret != "" {
					t.Errorf("%+v", o)
				}
				wantContains(t, o.Message, "daily quota is spent", admanagertest.MsgQuota)
			}
			// The refusal told the client: the rest were not sent to be refused again.
			if n := len(resets(s)); n != 3 {
				t.Errorf("%d resets sent, want 2 and the one refused", n)
			}
			wantContains(t, out[4].Message, "not sent")
		})
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	s, b := setup(t, admanagertest.WithUsers(24))
	s.SetFaults(admanagertest.Faults{Latency: 15 * time.Millisecond})
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: s.Users(), Concurrency: 3})
	tally := backends.TallyOf(out)
	if tally.OK != 24 {
		t.Fatalf("%+v", tally)
	}
	if m := s.MaxInFlight(); m > 3 || m < 2 {
		t.Errorf("max in flight %d, want 2..3", m)
	}
}

func TestServerGoneIsNotSent(t *testing.T) {
	s := admanagertest.New(admanagertest.WithUsers(1))
	user := s.Users()[0]
	s.Close()
	b := backendtest.Client(t, profile(s), admanagertest.Token)
	_, err := b.Reset(context.Background(), backends.Target{User: user, Mode: admanager.ModeSet, Secret: "Abc-12345-xyz"})
	if backends.KindOf(err) != backends.NotSent {
		t.Fatalf("%v", err)
	}
	wantContains(t, err.Error(), "password reset of "+user+" not sent", "cannot connect")
	noSecret(t, err.Error(), "Abc-12345-xyz")
}

func TestDemoProfileWorks(t *testing.T) {
	env, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	in, ok := env.Instance("demo-admanager")
	if !ok {
		t.Fatal("no demo-admanager profile")
	}
	if in.Profile.DailyQuota <= 0 {
		t.Error("the demo profile shows no daily quota")
	}
	s := in.Server.(*admanagertest.Server)
	if n := len(s.Users()); n != demo.SampleUsers {
		t.Errorf("%d demo users", n)
	}
	b := backendtest.Client(t, in.Profile, in.Secret)
	hits, err := b.Search(context.Background(), "smith", 5)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v, %v", hits, err)
	}
	start := time.Now()
	out := runJob(t, b, runner.Spec{Mode: "generate", Users: []string{hits[0].ID}})
	if out[0].Status != backends.StatusOK || out[0].Secret == "" || s.Password(hits[0].ID) != out[0].Secret {
		t.Fatalf("%+v", out[0])
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("demo answered in %v: no simulated latency", d)
	}
}
