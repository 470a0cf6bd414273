package ui

import (
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/ui/fit"
	"resetdesk/ui/table"
)

// progressLines draws the bar with the count, then the counts per status, rate and ETA.
func progressLines(sh *shared, width int, t backends.Tally, total int, elapsed time.Duration) string {
	th := sh.th
	done := t.Total()
	frac := 0.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	label := fmt.Sprintf(" %d/%d %3.0f%%", done, total, frac*100)
	w := max(width-fit.Width(label)-2, 10)
	fill := int(frac * float64(w))
	bar := th.Bar.Render(strings.Repeat("█", fill)) + th.BarEmpty.Render(strings.Repeat("░", w-fill))
	counts := th.OK.Render(fmt.Sprintf("ok %d", t.OK)) + "  " + th.Failed.Render(fmt.Sprintf("failed %d", t.Failed)) + "  " +
		th.Unknown.Render(fmt.Sprintf("unknown %d", t.Unknown)) + "  " + th.Skipped.Render(fmt.Sprintf("skipped %d", t.Skipped))
	if secs := elapsed.Seconds(); secs > 0 && done > 0 {
		rate := float64(done) / secs
		counts += th.Subtle.Render(fmt.Sprintf("  ·  %.1f/s", rate))
		if done < total {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			counts += th.Subtle.Render("  ETA " + table.FormatElapsed(eta.Round(time.Second)))
		} else {
			counts += th.Subtle.Render("  in " + table.FormatElapsed(elapsed))
		}
	}
	return bar + label + "\n" + counts
}
