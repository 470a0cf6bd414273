package webadm_test

import (
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
	"resetdesk/backends/webadm/webadmtest"
)

// BenchmarkSetRun measures a 100-user set run (lookup + set per user) through the
// runner against the in-process fake, so that client overhead shows without latency.
func BenchmarkSetRun(b *testing.B) {
	s := webadmtest.New(100)
	defer s.Close()
	be := backendtest.Client(b, profile(s), webadmtest.Password)
	m := mode(b, "set")
	users := s.Users()
	b.ResetTimer()
	for b.Loop() {
		out := runJob(b, be, runner.Spec{Mode: m.Name, Users: users, Concurrency: 8})
		if out[len(out)-1].Status != backends.StatusOK {
			b.Fatal(out[len(out)-1].Message)
		}
	}
}
