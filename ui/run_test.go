package ui

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// A run's warnings reach the status line as the Watch brings them (not at its end),
// never stderr; those of its last update show on its results.
func TestRunWarningsGoToTheStatusLine(t *testing.T) {
	sh := testShared()
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := sized(runPageOf(t, sh, p, fakeRequest(t, &fakeBackend{}, p, []string{"alice", "bob"})), 80, 20)
	submitted := msgsOf[submittedMsg](rp.Init())
	if len(submitted) != 1 || submitted[0].h == nil {
		t.Fatalf("the run was not submitted: %+v", submitted)
	}
	rp.Update(submitted[0])
	running := desk.Info{State: desk.StateRunning, Users: make([]desk.User, 2)}
	cmd, _ := rp.Update(updateMsg{w: rp.w, u: desk.Update{Warnings: []string{"journal: purge failed"}, Info: running}})
	if got := badToasts(cmd); !strings.Contains(got, "journal: purge failed") {
		t.Fatalf("a warning mid-run is not on the status line: %q", got)
	}
	over := rp.h.Info()
	over.State = desk.StateDone
	over.Started = time.Now()
	_, n := rp.Update(updateMsg{w: rp.w, u: desk.Update{Warnings: []string{"history: disk full"}, Info: over, Over: true}})
	r, ok := n.(replace)
	if !ok {
		t.Fatalf("the run's end went to %#v", n)
	}
	if got := badToasts(r.p.Init()); !strings.Contains(got, "history: disk full") {
		t.Fatalf("the last warning is not on the results: %q", got)
	}
}

// badToasts are the bad toasts among cmd's messages, joined.
func badToasts(cmd tea.Cmd) string {
	var out []string
	for _, m := range msgsOf[toastMsg](cmd) {
		if m.bad {
			out = append(out, m.text)
		}
	}
	return strings.Join(out, "|")
}

// A run that could not start has nothing to stop: q and ctrl+c quit as the help says,
// and its whole error shows at 80 columns.
func TestFailedRunStartQuitsAndShowsTheWholeError(t *testing.T) {
	c := New(context.Background(), &testDesk{})
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := runPageOf(t, c.sh, p, fakeRequest(t, &fakeBackend{}, p, []string{"a"}))
	c.stack = append(c.stack, rp)
	c.layout()
	long := "cannot prepare the run, nothing sent: the journal key is not in the keyring (no answer within 15s): check the Secret Service"
	c.Update(submittedMsg{err: long})
	if v := flat(c.View().Content); !strings.Contains(v, "check the Secret Service") {
		t.Fatalf("the start error is cut:\n%s", ansi.Strip(c.View().Content))
	}
	for _, k := range []string{"q", "ctrl+c"} {
		c.quitting = false
		_, cmd := c.Update(press(k))
		if cmd == nil || !c.quitting {
			t.Fatalf("%s does not quit on a run that could not start", k)
		}
	}
}

// runPageWith10k returns a run page of 10 000 users at 120x40 and their outcomes (a
// start and an end each), not applied yet.
func runPageWith10k(tb testing.TB) (*runPage, []backends.Outcome) { return runPageWith(tb, 10000) }

// runPageWith is runPageWith10k for n users.
func runPageWith(tb testing.TB, n int) (*runPage, []backends.Outcome) {
	sh := testShared()
	users := make([]string, n)
	outs := make([]backends.Outcome, 0, 2*n)
	for i := range users {
		users[i] = fmt.Sprintf("user%05d@example.com", i)
		outs = append(outs, backends.Outcome{Index: i, User: users[i], Status: backends.StatusRunning},
			backends.Outcome{Index: i, User: users[i], Status: backends.StatusOK, Secret: "Xy7#pQ2!mN", Message: "password set", Elapsed: 42 * time.Millisecond})
	}
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := sized(runPageOf(tb, sh, p, fakeRequest(tb, &fakeBackend{}, p, users)), 120, 37)
	rp.started = time.Now().Add(-time.Minute)
	rp.info.State = desk.StateRunning
	return rp, outs
}

func BenchmarkRunPageView10k(b *testing.B) {
	rp, outs := runPageWith10k(b)
	rp.apply(outs[:10000])
	b.ReportAllocs()
	for b.Loop() {
		_ = rp.View()
	}
}

// BenchmarkApply10kOutcomes applies 10 000 outcome messages one by one (the worst case:
// no batching).
func BenchmarkApply10kOutcomes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		rp, outs := runPageWith10k(b)
		b.StartTimer()
		for _, o := range outs[10000:] {
			rp.update(desk.Update{Outcomes: []backends.Outcome{o}, Info: rp.info})
		}
	}
}

// The console at 100 000 rows (issue 13's targets): View at most 1 ms, applying 100 000
// outcomes one message each at most 1 s, and the whole page within 100 MB.
//
//	go test -run XXX -bench 100k -benchtime 3x ./ui/
func BenchmarkRunPageView100k(b *testing.B) {
	rp, outs := runPageWith(b, 100000)
	rp.apply(outs[:100000])
	b.ReportAllocs()
	for b.Loop() {
		_ = rp.View()
	}
}

func BenchmarkApply100kOutcomes(b *testing.B) {
	var heap, rss float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		rp, outs := runPageWith(b, 100000)
		b.StartTimer()
		for _, o := range outs {
			rp.update(desk.Update{Outcomes: []backends.Outcome{o}, Info: rp.info})
		}
		b.StopTimer()
		_ = rp.View()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		heap += float64(after.HeapInuse-min(before.HeapInuse, after.HeapInuse)) / (1 << 20)
		rss += residentMB()
		runtime.KeepAlive(rp)
		b.StartTimer()
	}
	b.ReportMetric(heap/float64(b.N), "heap-MB")
	b.ReportMetric(rss/float64(b.N), "rss-MB")
}

// residentMB is the process's resident set (Linux /proc/self/statm), 0 where unknown.
func residentMB() float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(data), &size, &resident); err != nil {
		return 0
	}
	return float64(resident*int64(os.Getpagesize())) / (1 << 20)
}

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
		c := New(context.Background(), &testDesk{})
		p := fakeProfile(backends.Profile{Name: "p", Concurrency: 8})
		req, err := runner.NewRequest(&slowFake{}, p.p, runner.Spec{Mode: fakeModes()[0].Name, Users: users})
		if err != nil {
			b.Fatal(err)
		}
		c.stack = append(c.stack, runPageOf(b, c.sh, p, req))
		out := &countWriter{}
		prog := tea.NewProgram(c, tea.WithInput(nil), tea.WithOutput(out), tea.WithWindowSize(120, 40),
			tea.WithColorProfile(colorprofile.ANSI256), tea.WithoutSignals(),
			tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
				if u, ok := msg.(updateMsg); ok && u.u.Over {
					return tea.QuitMsg{}
				}
				return msg
			}))
		if _, err := prog.Run(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(out.n.Load())/1000, "bytes/outcome")
	}
}

// A request in flight was sent: the progress never says "0/2 sent" beside it. Before the
// first request goes out (a batch of secrets asked for first, a slow server), a spinner
// says the run is under way rather than a still "0/2".
func TestRunProgressSaysWhatIsInFlight(t *testing.T) {
	sh := testShared()
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := sized(runPageOf(t, sh, p, fakeRequest(t, &fakeBackend{}, p, []string{"alice", "bob"})), 80, 20)
	submitted := msgsOf[submittedMsg](rp.Init())
	if len(submitted) != 1 || submitted[0].h == nil {
		t.Fatalf("the run was not submitted: %+v", submitted)
	}
	rp.Update(submitted[0])
	running := desk.Info{State: desk.StateRunning, Users: make([]desk.User, 2)}
	rp.Update(updateMsg{w: rp.w, u: desk.Update{Info: running}})
	if v := ansi.Strip(rp.View()); !strings.Contains(v, "preparing the first requests") {
		t.Fatalf("nothing says the run is under way before its first request:\n%s", v)
	}
	rp.SetSize(60, 16)
	if v := ansi.Strip(rp.View()); !strings.Contains(v, "preparing") {
		t.Fatalf("at 60 columns nothing says the run is under way:\n%s", v)
	}
	rp.SetSize(80, 20)
	rp.Update(updateMsg{w: rp.w, u: desk.Update{Info: running,
		Outcomes: []backends.Outcome{{Index: 0, User: "alice", Status: backends.StatusRunning}}}})
	if v := ansi.Strip(rp.View()); !strings.Contains(v, "0/2 answered") || !strings.Contains(v, "1 in flight") || strings.Contains(v, "0/2 sent") {
		t.Fatalf("a request in flight is not counted as out:\n%s", v)
	}
}
