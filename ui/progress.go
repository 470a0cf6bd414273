package ui

import (
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/ui/fit"
	"resetdesk/ui/table"
)

// runState is where a run is, for its progress line.
type runState int

const (
	running  runState = iota
	paused            // a question is on screen: nothing new goes out
	stopping          // stopped: the requests in flight finish
	aborting          // aborted: the requests in flight are given up
	finished
)

// progressLines draws the bar and the counts. The bar fills with what was sent; the
// users skipped (never sent) show as dots, so a stopped run does not look done. The
// rate counts what was sent, and the time left shows only while the run sends.
func progressLines(sh *shared, width int, t backends.Tally, total int, elapsed time.Duration, state runState) string {
	th := sh.th
	sent := t.OK + t.Failed + t.Unknown
	frac := 0.0
	if total > 0 {
		frac = float64(sent) / float64(total)
	}
	label := fmt.Sprintf(" %d/%d sent %3.0f%%", sent, total, frac*100)
	w := max(width-fit.Width(label)-1, 10)
	fill := int(frac * float64(w))
	skip := 0
	if total > 0 {
		skip = min(int(float64(t.Skipped)/float64(total)*float64(w)+0.5), w-fill)
	}
	bar := th.Bar.Render(strings.Repeat("█", fill)) + th.Skipped.Render(strings.Repeat("·", skip)) +
		th.BarEmpty.Render(strings.Repeat("░", w-fill-skip))
	line := th.OK.Render(fmt.Sprintf("ok %d", t.OK)) + "  " + th.Failed.Render(fmt.Sprintf("failed %d", t.Failed)) + "  " +
		th.Unknown.Render(fmt.Sprintf("unknown %d", t.Unknown)) + "  " + th.Skipped.Render(fmt.Sprintf("skipped %d", t.Skipped))
	// What follows the counts goes in whole or not at all, most needed first.
	add := func(forms ...string) {
		for _, f := range forms {
			if fit.Width(line)+2+fit.Width(f) <= width {
				line += "  " + f
				return
			}
		}
	}
	switch state {
	case paused:
		add(th.Warn.Render("paused: nothing more is sent until you answer"), th.Warn.Render("paused"))
	case stopping:
		add(th.Warn.Render("stopping: the requests in flight finish"), th.Warn.Render("stopping…"))
	case aborting:
		add(th.Warn.Render("aborting the requests in flight"), th.Warn.Render("aborting…"))
	}
	if secs := elapsed.Seconds(); secs > 0 && sent > 0 {
		rate := float64(sent) / secs
		add(th.Subtle.Render(fmt.Sprintf("· %.1f/s", rate)))
		if left := total - t.Total(); state == running && left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second))
			add(th.Subtle.Render("ETA " + table.FormatElapsed(eta.Round(time.Second))))
		}
	}
	if state == finished && elapsed > 0 {
		add(th.Subtle.Render("in " + table.FormatElapsed(elapsed)))
	}
	return bar + label + "\n" + line
}
