package desk_test

import (
	"context"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// The demo's quota counts down like the real one: the header's count falls as a run
// spends it, and the users past it are skipped before they are sent (never sent and
// refused by the simulated server as failed); another session of the host sees what is
// left, and a run with none left is refused before anything is sent.
func TestDemoQuotaCountsDownAndSkipsBeforeSending(t *testing.T) {
	h, err := desk.NewHost(desk.Options{Demo: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	a, _ := h.Desk("")
	ctx := context.Background()
	p, err := a.Profile("demo-admanager")
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := h.DemoEnv().Instance("demo-admanager")
	srv := inst.Server.(*admanagertest.Server)
	users := srv.Users()
	quota := p.DailyQuota

	run := func(d *desk.Desk, users []string) ([]backends.Outcome, error) {
		b, err := d.Open(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		req, err := runner.NewRequest(b, p, runner.Spec{Mode: "generate", Users: users, Concurrency: 16})
		if err != nil {
			t.Fatal(err)
		}
		return submitted(t, d, req)
	}
	out, err := run(a, users[:quota-10])
	if err != nil {
		t.Fatal(err)
	}
	if tally := backends.TallyOf(out); tally.OK != quota-10 {
		t.Fatalf("the first run: %+v", tally)
	}
	if left, has, err := a.QuotaLeft(ctx, p); err != nil || !has || left != 10 {
		t.Fatalf("quota left %d %v %v after %d of %d, want 10", left, has, err, quota-10, quota)
	}
	b, _ := h.Desk("") // another session of the same host
	out, err = run(b, users[quota-10:quota+5])
	if err != nil {
		t.Fatal(err)
	}
	tally := backends.TallyOf(out)
	if tally.OK != 10 || tally.Skipped != 5 || tally.Failed != 0 || srv.QuotaUsed() != quota {
		t.Fatalf("past the quota: %+v, the server counted %d of %d", tally, srv.QuotaUsed(), quota)
	}
	if _, err := run(a, users[quota+5:quota+6]); err == nil || !strings.Contains(err.Error(), "quota") {
		t.Fatalf("a run with no quota left: %v", err)
	}
}
