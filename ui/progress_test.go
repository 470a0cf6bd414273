package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

// A run stopped at 48% does not look done: the bar fills with what was sent and shows
// the skipped users apart, the rate counts only what was sent, and no ETA is given.
func TestProgressOfAStoppedRun(t *testing.T) {
	sh := testShared()
	tally := backends.Tally{OK: 100, Failed: 15, Skipped: 125}
	v := ansi.Strip(progressLines(sh, 80, tally, 240, 10*time.Second, finished))
	lines := strings.Split(v, "\n")
	bar := lines[0]
	if n := strings.Count(bar, "█"); n < 25 || n > 32 {
		t.Fatalf("115 of 240 sent fills %d of 60 cells:\n%s", n, v)
	}
	if !strings.Contains(bar, "·") || !strings.Contains(bar, "115/240 sent  48%") {
		t.Fatalf("the skipped users are not shown apart:\n%s", v)
	}
	if !strings.Contains(lines[1], "11.5/s") || strings.Contains(v, "ETA") {
		t.Fatalf("rate or ETA wrong (want 11.5/s, no ETA):\n%s", v)
	}
	v = ansi.Strip(progressLines(sh, 60, tally, 240, 10*time.Second, stopping))
	if strings.Contains(v, "ETA") || !strings.Contains(v, "stopping") {
		t.Fatalf("a stopping run:\n%s", v)
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("a line of %d cells at 60: %q", ansi.StringWidth(l), l)
		}
	}
	running := ansi.Strip(progressLines(sh, 80, backends.Tally{OK: 60}, 240, 10*time.Second, running))
	if !strings.Contains(running, "ETA 30.0s") {
		t.Fatalf("a running run's ETA:\n%s", running)
	}
}
