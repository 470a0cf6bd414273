package webadm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
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

func TestConformance(t *testing.T) { backendtest.Conformance(t, harness()) }

// A link the server made although its answer was lost is unknown, and no link is shown:
// the server never said which it made.
func TestLinkAnswerLostIsUnknownWithoutALink(t *testing.T) {
	s, b := setup(t, 3)
	s.SetFaults(webadmtest.Faults{Drop: "PwReset.Send_Request"})
	user := s.Users()[0]
	o := linkJob(t, b, []string{user}, 0)[0]
	backendtest.Expect(t, o, backends.StatusUnknown, []string{"link for", "no answer", backends.MessageUnknown}, nil)
	if _, n := s.Link(user); n != 1 || o.Secret != "" {
		t.Errorf("server made %d links, outcome shows %q", n, o.Secret)
	}
}

func TestCredentialsRefusedForGoodLogsInOnceThenFails(t *testing.T) {
	s, b := setup(t, 1)
	if err := b.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(webadmtest.Faults{Refuse: "*"}) // the admin password was changed
	// Start itself logs in: it must refuse.
	_, err := backendtest.TryRun(b, runner.Spec{Mode: "link", Users: s.Users()})
	if err == nil {
		t.Fatal("Start succeeded")
	}
	wantContains(t, err.Error(), "login failed, nothing sent", "manager_clients")

	// Refused after the run started: one new login, then failed with the reason.
	s.SetFaults(webadmtest.Faults{})
	s2, b2 := setup(t, 1)
	s2.SetQuirks(webadmtest.Quirks{ErrorMethod: "PwReset.Send_Request", ErrorCode: -32600})
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
	s, b := setup(t, 2)
	s.SetFaults(webadmtest.Faults{Hang: "Get_User_DN"})
	out := runJob(t, b, runner.Spec{Mode: "set", Users: s.Users()[:1], Timeout: 300 * time.Millisecond})
	if out[0].Status != backends.StatusFailed {
		t.Fatalf("%+v", out[0])
	}
	// "within 300ms", or a moment less on a loaded machine: what the lookup was left of the run's limit.
	wantContains(t, out[0].Message, "looking up", "no answer within ", "password was not changed")
	if strings.Contains(out[0].Message, "may have been made") {
		t.Errorf("contradicting message %q", out[0].Message)
	}
	if len(s.Calls("Set_User_Password")) != 0 {
		t.Error("Set_User_Password sent")
	}
}

func TestStopSkipsTheRest(t *testing.T) {
	s, b := setup(t, 20)
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
