package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// runsPage lists this technician's runs at the host, newest first — those of earlier
// sessions too, while the host keeps them: running, waiting for approval, or over.
// Enter opens a run (its results once it is over). It is how earlier results are
// reached on purpose: esc on a run's results never goes to another run's table.
type runsPage struct {
	sh            *shared
	list          list.Model
	runs          []*desk.Handle
	infos         []desk.Info // as last read (Resume, a change of the registry)
	width, height int
	from          page // the page it was opened from
}

// runsChangedMsg says the host's runs changed (the registry's Changes).
type runsChangedMsg struct{}

// newRunsPage lists the technician's runs, opened from page from.
func newRunsPage(sh *shared, from page) *runsPage {
	p := &runsPage{sh: sh, list: sh.newList(), from: from}
	p.read()
	p.list.SetRowLines(func(i int) int { return len(p.rowLines(i)) })
	return p
}

// read reads the runs again: the technician's (they started or approved them).
func (p *runsPage) read() {
	p.runs, p.infos = nil, nil
	for _, h := range p.sh.desk.Runs() {
		if h.Secrets() { // theirs: they see its secrets, and may steer it
			p.runs = append(p.runs, h)
			p.infos = append(p.infos, h.Info())
		}
	}
	p.list.SetItems(len(p.runs))
}

func (p *runsPage) Title() string { return "your runs" }
func (p *runsPage) Input() input  { return noInput }
func (p *runsPage) Help() keys.Help {
	km := p.sh.keys
	open := keys.Named(km.Open, "open the run")
	return keys.Help{ShortKeys: []key.Binding{km.Up, km.Down, open, km.Back},
		Groups: [][]key.Binding{km.List()[:6], {open, km.Back}}}
}
func (p *runsPage) Init() tea.Cmd { return nil }
func (p *runsPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.SetHeight(max(h-len(p.headLines())-1, 1))
}

func (p *runsPage) headLines() []string {
	return fit.Wrap(plural(len(p.runs), "run")+" of yours at this host, newest first (h on the profiles: the history)", max(p.width, 20))
}

func (p *runsPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := p.sh.keys
	switch msg := msg.(type) {
	case runsChangedMsg: // the root waits for the next
		p.read()
		return nil, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, km.Back):
			return nil, back{}
		case key.Matches(msg, km.Open):
			if i, ok := p.list.Current(); ok {
				return nil, p.open(i)
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

// open is the page of run i: its results when it is over (the ones this session has
// shown, with what was copied), else the run as it goes.
func (p *runsPage) open(i int) nav {
	h := p.runs[i]
	pr := p.sh.profileOf(h.Info())
	var pg page
	switch res, ok := p.sh.results[h.ID()]; {
	case ok:
		pg = res
	case h.Info().State.Over():
		pg = resultsOfHandle(p.sh, pr, h)
	default:
		pg = watchRunPage(p.sh, pr, h)
	}
	if pg == p.from {
		return back{} // the page it was opened from
	}
	return push{p: pg}
}

// Resume reads the runs again: one may have ended since the page was drawn.
func (p *runsPage) Resume() tea.Cmd {
	p.read()
	return nil
}

func (p *runsPage) View() string {
	th := p.sh.th
	if len(p.runs) == 0 {
		return th.Subtle.Render(fit.Cut("no run of yours at this host yet", p.width))
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

// rowLines is run i: when, where and how many, then where it is and its counts.
func (p *runsPage) rowLines(i int) []string {
	in := p.infos[i]
	when := in.Started
	if when.IsZero() {
		when = in.Requested
	}
	first := fmt.Sprintf("%s  %s  %s  %s", when.Format("15:04:05"), clean(in.Profile), clean(in.Mode), plural(len(in.Users), "user"))
	if me := p.sh.desk.Technician(); in.Technician != "" && in.Technician != me {
		first += "  " + clean(in.Technician) + "'s, decided by you" // a run this approver approved or declined
	}
	return append([]string{fit.Truncate(first, max(p.width-2, 1))}, fit.Indent("  ", p.stateLine(i), max(p.width-2, 1))...)
}

// stateLine says where run i is: waiting (until when), running, or how it ended.
func (p *runsPage) stateLine(i int) string {
	in := p.infos[i]
	t := in.Tally
	counts := fmt.Sprintf("ok %d · failed %d · unknown %d · skipped %d", t.OK, t.Failed, t.Unknown, t.Skipped)
	switch {
	case in.State == desk.StateWaiting && in.Approval != nil:
		return "waiting for approval, until " + runner.TimeText(in.Approval.Expires)
	case !in.State.Over():
		return string(in.State) + " · " + counts
	case in.Started.IsZero():
		why := clean(in.Err)
		if !strings.HasPrefix(why, string(in.State)) { // "declined by bob: …" says it already
			why = string(in.State) + ": " + why
		}
		return why
	}
	if res, ok := p.sh.results[p.runs[i].ID()]; ok {
		if n := res.Unsaved(); n > 0 {
			counts += " · " + plural(n, "secret") + " not copied or exported"
		}
	}
	return counts
}

// changesCmd waits for the next change of the host's runs.
func changesCmd(sh *shared) tea.Cmd {
	ch := sh.desk.Changes()
	return func() tea.Msg {
		select {
		case <-ch:
			return runsChangedMsg{}
		case <-sh.ctx.Done():
			return nil
		}
	}
}

// profileOf is the profile of run in: this console's, by its name (a run on a profile
// the console does not list, which the desk never shows it, is drawn by its name and
// kind).
func (s *shared) profileOf(in desk.Info) *profile {
	for _, pr := range s.profiles {
		if pr.p.Name == in.Profile {
			return pr
		}
	}
	return newProfile(backends.Profile{Name: in.Profile, Kind: in.Kind})
}
