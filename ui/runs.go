package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// runsPage lists the runs of this session, newest first; enter opens a run's results.
// It is how earlier results are reached on purpose: esc on a run's results never goes
// to another run's table.
type runsPage struct {
	sh            *shared
	list          list.Model
	width, height int
	from          page // the page it was opened from
}

// newRunsPage lists the session's runs, opened from page from.
func newRunsPage(sh *shared, from page) *runsPage {
	p := &runsPage{sh: sh, list: sh.newList(), from: from}
	p.list.SetItems(len(sh.runs))
	p.list.SetRowLines(func(i int) int { return len(p.rowLines(i)) })
	return p
}

func (p *runsPage) Title() string { return "runs of this session" }
func (p *runsPage) Input() input  { return noInput }
func (p *runsPage) Help() keys.Help {
	km := p.sh.keys
	open := keys.Named(km.Open, "open the results")
	return keys.Help{ShortKeys: []key.Binding{km.Up, km.Down, open, km.Back},
		Groups: [][]key.Binding{km.List()[:6], {open, km.Back}}}
}
func (p *runsPage) Init() tea.Cmd { return nil }
func (p *runsPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.SetHeight(max(h-len(p.headLines())-1, 1))
}

func (p *runsPage) headLines() []string {
	return fit.Wrap(plural(len(p.sh.runs), "run")+" of this session, newest first (h on the profiles: every run of this host)", max(p.width, 20))
}

// run is the results at list item i: the newest first.
func (p *runsPage) run(i int) *resultsPage { return p.sh.runs[len(p.sh.runs)-1-i] }

func (p *runsPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := p.sh.keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, km.Back):
			return nil, back{}
		case key.Matches(msg, km.Open):
			if i, ok := p.list.Current(); ok {
				if r := p.run(i); r != p.from {
					return nil, push{p: r}
				}
				return nil, back{} // the results it was opened from
			}
			return nil, nil
		}
		cmd, _ := p.list.Update(msg)
		return cmd, nil
	case tea.MouseWheelMsg:
		cmd, _ := p.list.Update(msg)
		return cmd, nil
	}
	return nil, nil
}

// Resume counts the runs again: one may have ended since the page was drawn.
func (p *runsPage) Resume() tea.Cmd {
	p.list.SetItems(len(p.sh.runs))
	return nil
}

func (p *runsPage) View() string {
	th := p.sh.th
	if len(p.sh.runs) == 0 {
		return th.Subtle.Render(fit.Cut("no run has ended in this session yet", p.width))
	}
	head := th.Subtle.Render(strings.Join(p.headLines(), "\n"))
	return head + "\n\n" + p.list.View(func(i int, current bool) string {
		lines := p.rowLines(i)
		for j, l := range lines {
			marker := "  "
			if current && j == 0 {
				marker = "> "
			}
			if current {
				l = th.Cursor.Render(l)
			}
			lines[j] = marker + l
		}
		return strings.Join(lines, "\n")
	})
}

// rowLines is run i: when, where and how many, then its counts and what is not saved.
func (p *runsPage) rowLines(i int) []string {
	r := p.run(i)
	t := r.tally
	first := fmt.Sprintf("%s  %s  %s  %s", r.started.Format("15:04:05"), r.profile.name, r.req.Mode().Name, plural(len(r.outcomes), "user"))
	second := fmt.Sprintf("ok %d · failed %d · unknown %d · skipped %d", t.OK, t.Failed, t.Unknown, t.Skipped)
	if n := r.Unsaved(); n > 0 {
		second += " · " + plural(n, "secret") + " not copied or exported"
	}
	return append([]string{fit.Truncate(first, max(p.width-2, 1))}, fit.Indent("  ", second, max(p.width-2, 1))...)
}
