package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/theme"
)

// A run stopped at 48% does not look done: the bar fills with what was sent and shows
// the skipped users apart, the rate counts only what was sent, and no ETA is given.
func TestProgressOfAStoppedRun(t *testing.T) {
	sh := testShared()
	tally := backends.Tally{OK: 100, Failed: 15, Skipped: 125}
	v := ansi.Strip(progressLines(sh, 80, tally, 240, nil, 10*time.Second, finished))
	lines := strings.Split(v, "\n")
	bar := lines[0]
	if n := strings.Count(bar, "█"); n < 25 || n > 32 {
		t.Fatalf("115 of 240 sent fills %d of 60 cells:\n%s", n, v)
	}
	if !strings.Contains(bar, "·") || !strings.Contains(bar, "115/240 answered  48%") {
		t.Fatalf("the skipped users are not shown apart:\n%s", v)
	}
	if !strings.Contains(lines[1], "11.5/s") || strings.Contains(v, "ETA") {
		t.Fatalf("rate or ETA wrong (want 11.5/s, no ETA):\n%s", v)
	}
	v = ansi.Strip(progressLines(sh, 60, tally, 240, nil, 10*time.Second, stopping))
	if strings.Contains(v, "ETA") || !strings.Contains(v, "stopping") {
		t.Fatalf("a stopping run:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("a line of %d cells at 60: %q", ansi.StringWidth(l), l)
		}
	}
	running := ansi.Strip(progressLines(sh, 80, backends.Tally{OK: 60}, 240, nil, 10*time.Second, running))
	if !strings.Contains(running, "ETA 30.0s") {
		t.Fatalf("a running run's ETA:\n%s", running)
	}
}

// At the start of a run the rate and the time left say nothing true: no rate before a
// second of the run, no time left before a few answers, never "ETA 0ms"; a zero count
// draws plain, not in its status's colour.
func TestProgressSaysNothingUntrueAtTheStart(t *testing.T) {
	sh := testShared()
	for _, c := range []struct {
		tally   backends.Tally
		elapsed time.Duration
		state   runState
	}{
		{backends.Tally{OK: 2}, 300 * time.Millisecond, running},
		{backends.Tally{OK: 2}, 2 * time.Second, running},
		{backends.Tally{OK: 96}, 10 * time.Second, running},
		{backends.Tally{OK: 13}, time.Millisecond, finished},
	} {
		v := ansi.Strip(progressLines(sh, 80, c.tally, 100, nil, c.elapsed, c.state))
		if strings.Contains(v, "ETA 0") || strings.Contains(v, "ETA 1ms") || strings.Contains(v, "/s  in 1ms") {
			t.Fatalf("%+v after %s: %s", c.tally, c.elapsed, v)
		}
		if c.elapsed < time.Second && strings.Contains(v, "/s") {
			t.Fatalf("a rate over %s: %s", c.elapsed, v)
		}
		if c.tally.Total() < rateSample && strings.Contains(v, "ETA") {
			t.Fatalf("a time left from %d answers: %s", c.tally.Total(), v)
		}
	}
	th := theme.New(true, false)
	sh.th = th
	line := strings.Split(progressLines(sh, 80, backends.Tally{OK: 1}, 2, nil, time.Second, running), "\n")[1]
	if strings.Contains(line, th.Unknown.Render("unknown 0")) || !strings.Contains(line, th.Subtle.Render("unknown 0")) {
		t.Fatalf("unknown 0 is drawn as if it needed attention: %q", line)
	}
}
