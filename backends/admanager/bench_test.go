package admanager_test

import (
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
)

// A 1,000-user set run through Prepare and the runner against the fake answering every
// request after 20 ms, once named by login (nothing to look up) and once by
// userPrincipalName (every id looked up with SearchUser before anything is sent).
//
//	go test -run XXX -bench LookupRun -benchtime 3x ./backends/admanager/
//
// upn/login is the UPN run's wall time over the login run's (target ≤ 1.6).
func BenchmarkLookupRun(b *testing.B) {
	const n, latency = 1000, 20 * time.Millisecond
	s := admanagertest.New(n, admanagertest.WithFaults(admanagertest.Faults{Latency: latency}))
	defer s.Close()
	be := backendtest.Client(b, profile(s), admanagertest.Token)
	logins := s.Users()
	upns := make([]string, n)
	for i, u := range logins {
		upns[i] = u + "@" + admanagertest.Domain
	}
	timed := func(users []string) time.Duration {
		start := time.Now()
		_, out := backendtest.Prepared(b, be, runner.Spec{Mode: "set", Users: users, Timeout: 10 * time.Second}, admanagertest.Token)
		if t := backends.TallyOf(out); t.OK != n {
			b.Fatalf("%+v", t)
		}
		return time.Since(start)
	}
	var ratio float64
	for b.Loop() {
		plain := timed(logins)
		ratio += float64(timed(upns)) / float64(plain)
	}
	b.ReportMetric(ratio/float64(b.N), "upn/login")
}
