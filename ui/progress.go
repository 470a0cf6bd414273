package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

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

// rateSample is how many answers the time left waits for.
const rateSample = 5

// progressLines draws the bar and the counts. The bar fills with what was answered; the
// users skipped (never sent) show as dots, so a stopped run does not look done. The
// rate counts what was answered, and the time left shows only while the run sends.
// flight says what is out and not answered yet ("4 in flight"; none when nothing is),
// in forms from the longest: a request in flight was sent, and "0/12 sent" beside four
// of them would say it was not.
func progressLines(sh *shared, width int, t backends.Tally, total int, flight []string, elapsed time.Duration, state runState) string {
	th := sh.th
	sent := t.OK + t.Failed + t.Unknown
	frac := 0.0
	if total > 0 {
		frac = float64(sent) / float64(total)
	}
	label := fmt.Sprintf(" %d/%d answered %3.0f%%", sent, total, frac*100)
	w := max(width-fit.Width(label)-1, 10)
	fill := int(frac * float64(w))
	skip := 0
	if total > 0 {
		skip = min(int(float64(t.Skipped)/float64(total)*float64(w)+0.5), w-fill)
	}
	bar := th.Bar.Render(strings.Repeat("█", fill)) + th.Skipped.Render(strings.Repeat("·", skip)) +
		th.BarEmpty.Render(strings.Repeat("░", w-fill-skip))
	// A count draws in its status's colour only when it is not zero: "unknown 0" in
	// bold orange would call for attention that nothing needs.
	count := func(style lipgloss.Style, name string, n int) string {
		if n == 0 {
			style = th.Subtle
		}
		return style.Render(fmt.Sprintf("%s %d", name, n))
	}
	line := count(th.OK, "ok", t.OK) + "  " + count(th.Failed, "failed", t.Failed) + "  " +
		count(th.Unknown, "unknown", t.Unknown) + "  " + count(th.Skipped, "skipped", t.Skipped)
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
	var forms []string
	for _, f := range flight {
		forms = append(forms, th.Subtle.Render("· "+f))
	}
	add(forms...)
	// A rate over less than a second, or over a handful of answers, says nothing true
	// (6279.7/s, ETA 0ms): the rate waits for a second of the run, the time left for
	// rateSample answers and is never under a second.
	if rate, eta, ok := table.Pace(sent, total-t.Total(), elapsed); ok {
		add(th.Subtle.Render(fmt.Sprintf("· %.1f/s", rate)))
		if state == running && sent >= rateSample && eta >= time.Second {
			add(th.Subtle.Render("ETA " + table.FormatElapsed(eta)))
		}
	}
	if state == finished && elapsed > 0 {
		add(th.Subtle.Render("in " + table.FormatElapsed(elapsed)))
	}
	return bar + label + "\n" + line
}
