package keys

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"resetdesk/ui/fit"
)

func TestShortNeverDropsTheWayOut(t *testing.T) {
	m := Default()
	page := []key.Binding{m.Reveal, m.Copy, m.OnlyFailed, m.Retry, m.Export, m.NewRun, m.Sort}
	for _, w := range []int{140, 80, 60, 40} {
		line := Short(page, []key.Binding{m.Help, m.Quit}, w, Styles{})
		if fit.Width(line) > w {
			t.Fatalf("%d cells: %d wide: %q", w, fit.Width(line), line)
		}
		if !strings.HasSuffix(line, "? help • q quit") {
			t.Fatalf("%d cells: the way out is not shown: %q", w, line)
		}
		if w == 140 && strings.Contains(line, "…") {
			t.Fatalf("140 cells dropped a binding: %q", line)
		}
		if w == 60 && !strings.Contains(line, "… •") {
			t.Fatalf("60 cells should say some are left out: %q", line)
		}
	}
}

// A binding too long for the line is left out, not every binding after it: at 60
// columns a filter's "esc clear the filter" stays in sight after a long "enter" one.
func TestShortLeavesOutOnlyWhatDoesNotFit(t *testing.T) {
	m := Default()
	long := Named(m.Accept, "keep the filter, then enter opens the profile")
	line := Short([]key.Binding{long, m.Clear}, []key.Binding{m.HelpAnywhere, m.Interrupt}, 60, Styles{})
	if !strings.Contains(line, "esc clear the filter") || !strings.Contains(line, "…") {
		t.Fatalf("the way out went with the long binding: %q", line)
	}
}

func TestFullFlowsGroupsIntoTheWidth(t *testing.T) {
	m := Default()
	groups := [][]key.Binding{m.List(), {m.Reveal, m.RevealAll, m.Copy, m.Detail}, {m.OnlyFailed, m.Sort, m.Retry}, {m.Export, m.NewRun, m.Back, m.Help, m.Quit}}
	all := 0
	for _, g := range groups {
		all += len(g)
	}
	for _, w := range []int{120, 80, 60} {
		lines := Full(groups, w, Styles{})
		text := strings.Join(lines, "\n")
		for _, l := range lines {
			if fit.Width(l) > w {
				t.Fatalf("%d cells: a line of %d: %q", w, fit.Width(l), l)
			}
		}
		for _, g := range groups {
			for _, b := range g {
				if !strings.Contains(text, b.Help().Desc) {
					t.Fatalf("%d cells: %q missing from\n%s", w, b.Help().Desc, text)
				}
			}
		}
		if w == 60 && len(lines) <= 7 {
			t.Fatalf("60 cells: the groups did not flow onto more rows:\n%s", text)
		}
	}
}
