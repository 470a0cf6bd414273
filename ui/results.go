package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/theme"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/slow"
	"resetdesk/ui/table"
)

// resultsPage is a finished run of the host: reveal, copy, filter, retry, export, new
// run. Its secrets are there only when this technician sees them (they started or
// approved the run): to anyone else it has no secret column.
type resultsPage struct {
	sh            *shared
	profile       *profile
	h             *desk.Handle
	info          desk.Info
	mode          backends.Mode
	be            backends.Backend // the profile's back end, once opened (n, t)
	password      string           // the typed password of a run of this session, for its retry
	width, height int
	tbl           table.Model
	outcomes      []backends.Outcome
	tally         backends.Tally
	took          time.Duration
	secrets       bool // this technician sees the run's secrets

	copied    map[int]bool
	exported  bool
	exporting bool
	path      textinput.Model
	// expanded gives the current row's detail the room of its whole text.
	expanded bool
	// warnings are what the desk reported at the run's end, shown when the page first
	// shows; banner is a line above the table (a run that ended while its technician
	// was away).
	warnings []string
	banner   string
	// open opens the profile for n and t when the run was not started in this session;
	// then runs once it has.
	open slow.Task
	then func() (tea.Cmd, nav)
	// retrying plans a retry; retryMode is its options, under its review.
	retrying  planner
	retryMode *modePage
}

type exportedMsg struct {
	path string
	err  string
}

// resultsFromRun is the results of the run r watched to its end.
func resultsFromRun(r *runPage) *resultsPage {
	res := newResultsPage(r.sh, r.profile, r.h, r.tbl)
	if r.plan != nil {
		res.be, res.password = r.plan.Request.Backend(), r.plan.Request.TypedPasswordValue()
	}
	if r.banner != "" {
		res.banner = awayBanner(res.info) // the page found it going on as the console opened
	}
	return res
}

// resultsOfHandle is the results of a run that is over, read from the host.
func resultsOfHandle(sh *shared, p *profile, h *desk.Handle) *resultsPage {
	info := h.Info()
	tbl := table.New(sh.th, sh.keys, infoRows(info))
	for _, o := range h.Outcomes() {
		if o.Status.Final() {
			tbl.Apply(o, cleanSecret(o.Secret), clean(o.Message))
		}
	}
	return newResultsPage(sh, p, h, tbl)
}

func newResultsPage(sh *shared, p *profile, h *desk.Handle, tbl table.Model) *resultsPage {
	path := sh.newTextInput()
	path.Prompt = "export to: "
	path.SetValue(exportName(p, ""))
	info := h.Info()
	r := &resultsPage{sh: sh, profile: p, h: h, info: info, mode: modeOf(p, info.Mode), tbl: tbl, outcomes: h.Outcomes(),
		tally: info.Tally, secrets: h.Secrets(), copied: map[int]bool{}, path: path, open: slow.NewTask(), retrying: newPlanner()}
	if !info.Started.IsZero() && !info.Finished.IsZero() {
		r.took = info.Finished.Sub(info.Started) // as the host timed it
	}
	r.tbl.SetSecrets(r.secrets)
	r.tbl.Top()
	if sh.results == nil {
		sh.results = map[int64]*resultsPage{}
	}
	sh.results[h.ID()] = r
	return r
}

// modeOf is mode name of profile p's kind.
func modeOf(p *profile, name string) backends.Mode { return modeOfKind(p.p.Kind, name) }

// modeOfKind is mode name of kind (a mode with only its name when the kind has no such
// mode).
func modeOfKind(kind, name string) backends.Mode {
	if k, ok := backends.Lookup(kind); ok {
		for _, m := range k.Modes {
			if m.Name == name {
				return m
			}
		}
	}
	return backends.Mode{Name: clean(name), SecretLabel: "secret"}
}

func (r *resultsPage) Title() string     { return "results · " + r.mode.Name }
func (r *resultsPage) Profile() *profile { return r.profile }
func (r *resultsPage) Input() input {
	switch {
	case r.exporting:
		return inputOf(true, r.path.Value())
	case r.tbl.Filtering():
		return inputOf(true, r.tbl.Query())
	}
	return noInput
}
func (r *resultsPage) Help() keys.Help {
	km := r.sh.keys
	if r.exporting {
		return keys.Help{ShortKeys: []key.Binding{km.WriteFile, km.Cancel}, Groups: [][]key.Binding{{km.WriteFile, km.Cancel}}}
	}
	km.Export.SetEnabled(r.sh.files)
	if r.tbl.Filtering() {
		return keys.Help{ShortKeys: []key.Binding{km.Accept, km.Clear}, Groups: [][]key.Binding{{km.Accept, km.Clear, km.ArrowUp, km.ArrowDown}}}
	}
	return keys.Help{
		ShortKeys: []key.Binding{km.Reveal, km.Copy, km.OnlyFailed, km.Retry, km.Export, km.NewRun},
		Groups: [][]key.Binding{km.List(),
			{km.Reveal, km.RevealAll, km.Copy, km.Detail}, {km.OnlyFailed, km.Sort, km.Retry},
			{km.Export, km.NewRun, km.Runs, keys.Named(km.Back, "clear the filter / back")}},
	}
}

// SetTheme redraws the table's rows in th.
func (r *resultsPage) SetTheme(th theme.Theme) { r.tbl.SetTheme(th) }

func (r *resultsPage) Init() tea.Cmd {
	r.h.Shown() // its technician has seen how it ended
	ws := r.warnings
	r.warnings = nil
	return warnToast(ws)
}

// Unsaved counts secrets neither copied nor exported.
func (r *resultsPage) Unsaved() int {
	if r.exported {
		return 0
	}
	n := 0
	for i, o := range r.outcomes {
		if o.Secret != "" && !r.copied[i] {
			n++
		}
	}
	return n
}

// detailLines is the room under the table for the current row's whole secret and
// message (a reset link is longer than an 80-column line); enter gives it the room of
// its whole text.
const detailLines = 3

func (r *resultsPage) SetSize(w, h int) {
	r.width, r.height = w, h
	r.layout()
}

// detailRoom is the lines the detail may take now: a revealed secret always whole.
func (r *resultsPage) detailRoom() int {
	if r.expanded {
		return max(r.height-2-4, detailLines) // the table keeps its header and three rows
	}
	head, msg := r.detailParts()
	need := len(fit.Wrap(head, r.width))
	if msg != "" {
		// The message, or the hint that enter shows it, takes a line more at most.
		need = min(len(fit.Wrap(head+"  "+msg, r.width)), need+1)
	}
	return max(detailLines, need)
}

func (r *resultsPage) layout() {
	extra := len(wrapBanner(r.banner, r.width))
	if r.exporting {
		extra++
	}
	if r.narrowed() != "" {
		extra++
	}
	r.tbl.SetSize(r.width, max(r.height-2-r.detailRoom()-extra, 2))
}

func (r *resultsPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := r.sh.keys
	defer r.layout()
	if cmd, n, done := r.next(msg); done {
		return cmd, n
	}
	switch msg := msg.(type) {
	case exportedMsg:
		if msg.err != "" {
			// A ? meant for the help: the next e offers the name without it.
			r.path.SetValue(strings.TrimRight(r.path.Value(), "?"))
			return toastBad(msg.err), nil
		}
		r.exported = true
		// The next export must not suggest the file just written.
		r.path.SetValue(exportName(r.profile, msg.path))
		return toast(fmt.Sprintf("exported %s to %s (mode 0600)", plural(len(r.outcomes), "row"), msg.path)), nil
	case tea.KeyPressMsg:
		if r.exporting {
			switch {
			case key.Matches(msg, km.Cancel):
				r.exporting = false
				r.path.Blur()
			case key.Matches(msg, km.WriteFile) && strings.HasSuffix(strings.TrimSpace(r.path.Value()), "?"):
				// A ? meant for the help: the field stays, the name kept without it.
				r.path.SetValue(strings.TrimRight(strings.TrimSpace(r.path.Value()), "?"))
				r.path.CursorEnd()
				return toastBad("the name ended in ?: nothing written; a ? typed in a field is text (f1 shows the help) — the name is kept without it: enter writes it"), nil
			case key.Matches(msg, km.WriteFile):
				r.exporting = false
				r.path.Blur()
				return exportCmd(expandHome(r.sh, strings.TrimSpace(r.path.Value())), r.profile.p.Name, r.mode.Name,
					r.info.Options.Ticket, r.outcomes), nil
			default:
				var cmd tea.Cmd
				r.path, cmd = r.path.Update(msg)
				return cmd, nil
			}
			return nil, nil
		}
		if r.tbl.Filtering() {
			cmd, _ := r.tbl.Update(msg)
			return cmd, nil
		}
		return r.key(msg)
	case tea.PasteMsg:
		if r.tbl.Filtering() {
			cmd, _ := r.tbl.Update(msg)
			return cmd, nil
		}
	case tea.MouseWheelMsg:
		cmd, _ := r.tbl.Update(msg)
		return cmd, nil
	default:
		if r.exporting {
			var cmd tea.Cmd
			r.path, cmd = r.path.Update(msg)
			return cmd, nil
		}
	}
	return nil, nil
}

func (r *resultsPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := r.sh.keys
	switch {
	case key.Matches(k, km.OnlyFailed):
		if r.tbl.Filter() == table.NotOK {
			r.tbl.SetFilter(table.All)
		} else {
			r.tbl.SetFilter(table.NotOK)
		}
	case key.Matches(k, km.Sort):
		if r.tbl.SortBy() == table.ByStatus {
			r.tbl.SetSort(table.InputOrder)
		} else {
			r.tbl.SetSort(table.ByStatus)
		}
	case key.Matches(k, km.Retry):
		return r.retry()
	case key.Matches(k, km.Runs):
		return nil, push{p: newRunsPage(r.sh, r)}
	case key.Matches(k, km.Export):
		if !r.sh.files {
			return toast("no export here: the file would be on the server; reveal (r) or copy (c) each secret"), nil
		}
		r.exporting = true
		return r.path.Focus(), nil
	case key.Matches(k, km.NewRun):
		return r.withBackend(func() (tea.Cmd, nav) { return nil, push{p: newUsersPage(r.sh, r.profile, r.be)} })
	case key.Matches(k, km.Back) && r.tbl.Query() != "":
		r.tbl.ClearQuery() // esc clears the filter first, as in every list
	case key.Matches(k, km.Back) && r.tbl.Filter() != table.All:
		r.tbl.SetFilter(table.All)
	case key.Matches(k, km.Back):
		if n := r.Unsaved(); n > 0 {
			return nil, ask{text: plural(n, "secret") + " not copied or exported yet. Leave these results?",
				yes: func() (tea.Cmd, nav) { return nil, back{} }}
		}
		return nil, back{}
	case key.Matches(k, km.Reveal):
		r.tbl.ToggleReveal()
	case key.Matches(k, km.RevealAll):
		r.tbl.SetRevealAll(!r.tbl.RevealAll())
	case key.Matches(k, km.Copy):
		return r.copyCurrent(), nil
	case key.Matches(k, km.Detail):
		r.expanded = !r.expanded
	default:
		cmd, _ := r.tbl.Update(k)
		return cmd, nil
	}
	return nil, nil
}

// copyCurrent copies the row's secret; once copied it is no longer unsaved.
func (r *resultsPage) copyCurrent() tea.Cmd {
	i, ok := r.tbl.Current()
	if !ok || r.outcomes[i].Secret == "" {
		return toastBad("this row has no secret to copy")
	}
	o := r.outcomes[i]
	what := "the " + r.mode.SecretLabel + " of " + r.tbl.Row(i).User
	return func() tea.Msg { return copyMsg{secret: o.Secret, what: what, copied: func() { r.copied[i] = true }} }
}

func (r *resultsPage) View() string {
	th := r.sh.th
	var b strings.Builder
	for _, l := range wrapBanner(r.banner, r.width) {
		b.WriteString(th.Warn.Render(l) + "\n")
	}
	b.WriteString(progressLines(r.sh, r.width, r.tally, len(r.outcomes), nil, r.took, finished))
	b.WriteByte('\n')
	if l := r.narrowed(); l != "" {
		b.WriteString(th.Warn.Render(fit.Cut(l, r.width)) + "\n")
	}
	b.WriteString(r.tbl.View())
	b.WriteString("\n" + r.detail())
	if r.exporting {
		b.WriteString("\n" + r.path.View())
	}
	return b.String()
}

// detail shows the current row whole: its user, status, secret when revealed, and
// message, wrapped at whole words (a link is broken where it must). A revealed secret
// is never cut: when the row does not fit its room, the message gives way, and its
// last line says that enter shows all.
func (r *resultsPage) detail() string {
	th := r.sh.th
	head, msg := r.detailParts()
	if head == "" {
		return ""
	}
	lines := fit.Wrap(head, r.width)
	room := r.detailRoom()
	if msg != "" {
		all := fit.Wrap(head+"  "+th.Subtle.Render(msg), r.width)
		if len(all) <= room {
			lines = all
		} else {
			more := th.Subtle.Render("enter: the whole row")
			left := max(room-len(lines), 0)
			if left > 0 {
				mlines := fit.WrapMax(msg, r.width, left)
				last := mlines[len(mlines)-1]
				if fit.Width(last)+1+fit.Width(more) > r.width {
					last = fit.Cut(last, max(r.width-1-fit.Width(more), 1))
				}
				mlines[len(mlines)-1] = last + " " + more
				for _, l := range mlines {
					lines = append(lines, th.Subtle.Render(l))
				}
			} else {
				lines = append(lines, more)
			}
		}
	}
	if r.expanded && len(lines) < room {
		lines = append(lines, th.Subtle.Render("enter: back to the table"))
	}
	return strings.Join(lines, "\n")
}

// detailParts are the current row's head (user, and its secret when revealed) and
// message, as drawn.
func (r *resultsPage) detailParts() (head, msg string) {
	th := r.sh.th
	i, ok := r.tbl.Current()
	if !ok {
		return "", ""
	}
	o := r.outcomes[i]
	row := r.tbl.Row(i)
	head = th.Key.Render(row.User)
	if row.Name != "" {
		head += " " + row.Name
	}
	if o.Secret != "" {
		switch {
		case r.tbl.SecretBelow(i):
			// Whole under its row in the table: not twice.
		case r.tbl.Revealed(i):
			head += "  " + r.mode.SecretLabel + ": " + row.Secret
		default:
			head += th.Subtle.Render("  r reveals · c copies")
		}
	}
	return head, row.Message
}

// exportName is a new file name for an export: the profile and the time, and never
// the name of the file just written (last).
func exportName(p *profile, last string) string {
	base := fmt.Sprintf("resetdesk-%s-%s", safeName(p.p.Name), time.Now().Format("20060102-150405"))
	name := base + ".csv"
	for n := 2; strings.HasSuffix(last, name); n++ {
		name = fmt.Sprintf("%s-%d.csv", base, n)
	}
	return name
}

func safeName(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, s)
}
