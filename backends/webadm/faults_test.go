package webadm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/demo"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm/webadmtest"
)

// linkJob resets users in link mode (NONE: the link comes back) through the runner.
func linkJob(t *testing.T, b backends.Backend, users []string, timeout time.Duration) []backends.Outcome {
	t.Helper()
	return runJob(t, b, runner.Spec{Mode: "link", Users: users, Timeout: timeout,
		Options: backends.Options{Method: "NONE", Expires: 24},
	})
}

func TestFaultsThroughRunner(t *testing.T) {
	const send = "PwReset.Send_Request"
	cases := []struct {
		name    string
		faults  webadmtest.Faults
		timeout time.Duration
		status  backends.Status
		wants   []string
		linked  bool // the server made the link even though the answer was lost
	}{
		{name: "hung request", faults: webadmtest.Faults{HangMethod: send}, timeout: 300 * time.Millisecond,
			status: backends.StatusUnknown, wants: []string{"link for", "no answer (timed out)", backends.MessageUnknown}},
		{name: "HTTP 500", faults: webadmtest.Faults{FailMethod: send, FailStatus: 500},
			status: backends.StatusFailed, wants: []string{"HTTP 500", "Injected server failure"}},
		{name: "HTTP 502 HTML page", faults: webadmtest.Faults{FailMethod: send, FailStatus: 502, FailBody: "html"},
			status: backends.StatusUnknown, wants: []string{"HTTP 502", "503 Service Unavailable", backends.MessageUnknown}},
		{name: "HTML where JSON was due", faults: webadmtest.Faults{FailMethod: send, FailBody: "html"},
			status: backends.StatusFailed, wants: []string{"expected JSON", `HTML page "503 Service Unavailable"`}},
		{name: "truncated JSON", faults: webadmtest.Faults{FailMethod: send, FailBody: "truncated"},
			status: backends.StatusUnknown, wants: []string{"cut off", "may have been made", backends.MessageUnknown}},
		{name: "connection reset", faults: webadmtest.Faults{DropMethod: send},
			status: backends.StatusUnknown, wants: []string{"no answer", backends.MessageUnknown}, linked: true},
		{name: "credentials refused once mid-run", faults: webadmtest.Faults{ErrorMethod: send, ErrorCode: -32600, ErrorTimes: 1},
			status: backends.StatusOK, wants: []string{"link created"}, linked: true},
		{name: "server error -32000", faults: webadmtest.Faults{ErrorMethod: send, ErrorCode: -32000, ErrorData: "SQL server down"},
			status: backends.StatusFailed, wants: []string{"WebADM server error", "SQL server down"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, b := setup(t, webadmtest.WithUsers(3))
			if err := b.Login(context.Background()); err != nil { // the fault starts after login
				t.Fatal(err)
			}
			s.SetFaults(c.faults)
			user := s.Users()[0]
			out := runJob(t, b, runner.Spec{Mode: "link", Users: []string{user}, Timeout: c.timeout,
				Options: backends.Options{Method: "NONE"},
			})
			o := out[0]
			if o.Status != c.status {
				t.Fatalf("status %s, want %s: %s", o.Status, c.status, o.Message)
			}
			wantContains(t, o.Message, c.wants...)
			if _, n := s.Link(user); (n == 1) != c.linked {
				t.Errorf("server made %d links", n)
			}
		})
	}
}

func TestThrottleHonoursRetryAfter(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(1))
	s.SetFaults(webadmtest.Faults{FailMethod: "PwReset.Send_Request", FailStatus: 429, RetryAfter: 1, FailTimes: 1})
	start := time.Now()
	out := linkJob(t, b, s.Users(), 0)
	if out[0].Status != backends.StatusOK {
		t.Fatal(out[0].Message)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", waited)
	}
	if n := len(s.Calls("PwReset.Send_Request")); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestCredentialsRefusedForGoodLogsInOnceThenFails(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(1))
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(webadmtest.Faults{RejectAuth: 1000}) // the admin password was changed
	// Start itself logs in: it must refuse.
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "link", Users: s.Users()})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	wantContains(t, err.Error(), "login failed, nothing sent", "manager_clients")

	// Refused after the run started: one new login, then failed with the reason.
	s.SetFaults(webadmtest.Faults{})
	s2, b2 := setup(t, webadmtest.WithUsers(1))
	s2.SetFaults(webadmtest.Faults{ErrorMethod: "PwReset.Send_Request", ErrorCode: -32600})
	out := linkJob(t, b2, s2.Users(), 0)
	if out[0].Status != backends.StatusFailed {
		t.Fatalf("%+v", out[0])
	}
	wantContains(t, out[0].Message, "expired again", "refused the API credentials")
	if n := len(s2.Calls("Server_Status")); n != 2 {
		t.Errorf("%d Server_Status calls, want login + one re-login", n)
	}
}

func TestLookupLostIsFailedNotUnknown(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(2))
	s.SetFaults(webadmtest.Faults{HangMethod: "Get_User_DN"})
	out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1], Timeout: 300 * time.Millisecond})
	if out[0].Status != backends.StatusFailed {
		t.Fatalf("%+v", out[0])
	}
	wantContains(t, out[0].Message, "looking up", "timed out", "password was not changed")
	if strings.Contains(out[0].Message, "may have been made") {
		t.Errorf("contradicting message %q", out[0].Message)
	}
	if len(s.Calls("Set_User_Password")) != 0 {
		t.Error("Set_User_Password sent")
	}
}

func TestSetAnswerLostIsUnknown(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(2))
	s.SetFaults(webadmtest.Faults{DropMethod: "Set_User_Password"})
	user := s.Users()[0]
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{user}})
	if out[0].Status != backends.StatusUnknown || s.Password(user) == "" {
		t.Fatalf("%+v (server password set: %v)", out[0], s.Password(user) != "")
	}
}

func TestServerGoneIsNotSent(t *testing.T) {
	s := webadmtest.New(webadmtest.WithUsers(1))
	user := s.Users()[0]
	s.Close()
	// A fresh client: a POST on a pooled connection the server closed counts as sent.
	b := backendtest.Client(t, profile(s), webadmtest.Password)
	_, err := b.Reset(context.Background(), backends.Target{User: user, Mode: "link"})
	if kindOf(t, err) != backends.NotSent {
		t.Fatalf("%v", err)
	}
	wantContains(t, err.Error(), "link for "+user+" not sent", "cannot connect")
}

func TestConcurrencyIsBounded(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(24))
	s.SetFaults(webadmtest.Faults{Latency: 15 * time.Millisecond})
	out := runJob(t, b, runner.Spec{Mode: "link", Users: s.Users(), Concurrency: 3,
		Options: backends.Options{Method: "MAIL"},
	})
	tally := backends.TallyOf(out)
	if tally.OK != 24 {
		t.Fatalf("%+v", tally)
	}
	if m := s.MaxInFlight(); m > 3 || m < 2 {
		t.Errorf("max in flight %d, want 2..3", m)
	}
}

func TestStopSkipsTheRest(t *testing.T) {
	s, b := setup(t, webadmtest.WithUsers(20))
	s.SetFaults(webadmtest.Faults{Latency: 20 * time.Millisecond})
	run := backendtest.Start(t, b, runner.Spec{Mode: "link", Users: s.Users(), Concurrency: 1,
		Options: backends.Options{Method: "NONE"},
	})
	var tally backends.Tally
	for o := range run.Outcomes() {
		if o.Status == backends.StatusOK {
			tally.Add(o)
			run.Stop()
			break
		}
	}
	for _, o := range run.Wait() {
		tally.Add(o)
	}
	if tally.Skipped == 0 || tally.Total() != 20 || tally.Failed+tally.Unknown != 0 {
		t.Errorf("%+v", tally)
	}
	if n := len(s.Calls("PwReset.Send_Request")); n != tally.OK {
		t.Errorf("%d links sent, %d ok", n, tally.OK)
	}
}

func TestDemoProfileWorks(t *testing.T) {
	env, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	in, ok := env.Instance("demo-webadm")
	if !ok {
		t.Fatal("no demo-webadm profile")
	}
	s := in.Server.(*webadmtest.Server)
	if n := len(s.Users()); n != demo.SampleUsers {
		t.Errorf("%d demo users", n)
	}
	b := backendtest.Client(t, in.Profile, in.Secret)
	hits, err := b.Search(context.Background(), "smith", 5)
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v, %v", hits, err)
	}
	start := time.Now()
	out := linkJob(t, b, []string{hits[0].ID}, 0)
	if out[0].Status != backends.StatusOK || out[0].Secret == "" {
		t.Fatalf("%+v", out[0])
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("demo answered in %v: no simulated latency", d)
	}
}
