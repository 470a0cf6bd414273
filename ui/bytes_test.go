package ui

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

type countWriter struct{ n atomic.Int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n.Add(int64(len(p))); return len(p), nil }

// slowFake answers each reset after 10 ms, like a near server.
type slowFake struct{ fakeBackend }

func (s *slowFake) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	time.Sleep(10 * time.Millisecond)
	return s.fakeBackend.Reset(ctx, t)
}

// BenchmarkBytesPerOutcome runs 1000 users through a real program at 120x40 and reports
// the bytes written to the terminal per outcome.
func BenchmarkBytesPerOutcome(b *testing.B) {
	for b.Loop() {
		users := make([]string, 1000)
		for i := range users {
			users[i] = fmt.Sprintf("user%04d", i)
		}
		m := newModel(context.Background(), &testDesk{})
		be := &slowFake{}
		req, err := runner.NewRequest(be, backends.Profile{Name: "p", Kind: "fake", Concurrency: 8}, runner.Spec{Mode: fakeModes()[0].Name, Users: users})
		if err != nil {
			b.Fatal(err)
		}
		rp := newRunPage(m.sh, req)
		m.stack = append(m.stack, rp)
		out := &countWriter{}
		p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(out), tea.WithWindowSize(120, 40),
			tea.WithColorProfile(colorprofile.ANSI256), tea.WithoutSignals(),
			tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
				if _, done := msg.(runFinishedMsg); done {
					return tea.QuitMsg{}
				}
				return msg
			}))
		if _, err := p.Run(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(out.n.Load())/1000, "bytes/outcome")
	}
}
