package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/desk"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
	"resetdesk/ui/slow"
	"resetdesk/ui/table"
)

// recoverPage lists the journal's recent secrets, as `resetdesk recover` prints them:
// a dropped session loses nothing. Secrets stay masked until revealed; c copies one.
type recoverPage struct {
	sh            *shared
	width, height int
	load          slow.Task
	entries       []recoverRow
	note          string
	err           string
	list          list.Model
	revealed      map[int]bool
	revealAll     bool
}

// recoverRow is a journal entry: secret is copied as is, the rest is drawn.
type recoverRow struct {
	time, profile, mode, user, status string
	shownSecret                       string
	secret                            string
}

type recoverLoadedMsg struct {
	entries []recoverRow
	note    string
	err     string
}

func newRecoverPage(sh *shared) *recoverPage {
	r := &recoverPage{sh: sh, load: slow.NewTask(), revealed: map[int]bool{}, list: sh.newList()}
	r.list.SetRowLines(func(i int) int { return len(r.rowLines(i)) })
	r.list.SetFilter(list.Contains(func() int { return len(r.entries) }, func(i int) string {
		e := r.entries[i]
		return e.user + "\x00" + e.profile + "\x00" + e.mode + "\x00" + e.status
	}))
	return r
}

func (r *recoverPage) Title() string { return "recover" }
func (r *recoverPage) Input() input {
	if r.list.Filtering() {
		return inputOf(true, r.list.Query())
	}
	return noInput
}
func (r *recoverPage) Help() keys.Help {
	km := r.sh.keys
	if r.list.Filtering() {
		return keys.Help{ShortKeys: []key.Binding{km.Accept, km.Clear}, Groups: [][]key.Binding{{km.Accept, km.Clear, km.ArrowUp, km.ArrowDown}}}
	}
	return keys.Help{
		ShortKeys: []key.Binding{km.Up, km.Down, km.Reveal, km.RevealAll, km.Copy, km.Filter, km.Back},
		Groups:    [][]key.Binding{km.List(), {km.Reveal, km.RevealAll, km.Copy}, {km.Reload, km.Back}},
	}
}

func (r *recoverPage) SetSize(w, h int) {
	r.width, r.height = w, h
	r.layout()
}

func (r *recoverPage) Init() tea.Cmd {
	sh := r.sh
	return r.load.Start("reading the journal", func() tea.Msg {
		rc, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (desk.Recovery, error) {
			return sh.desk.Recover(ctx, false)
		})
		entries, note := recoverEntries(rc)
		return recoverLoadedMsg{entries: entries, note: clean(note), err: cleanErr(err)}
	})
}

// recoverEntries lists a recovery's secrets, newest run first, and what else to know on
// one line.
func recoverEntries(rc desk.Recovery) ([]recoverRow, string) {
	notes := rc.Notes
	if rc.Nothing {
		return nil, strings.Join(append(notes, "nothing to recover: no run has journaled a secret here yet"), "; ")
	}
	var entries []recoverRow
	for _, r := range rc.Runs {
		for _, e := range r.Entries {
			entries = append(entries, recoverRow{time: e.Time.Local().Format("01-02 15:04"), profile: clean(e.Profile),
				mode: clean(e.Mode), user: clean(e.User), status: clean(desk.RecoverStatus(e)),
				shownSecret: cleanSecret(e.Secret), secret: e.Secret})
		}
	}
	if len(entries) == 0 && rc.Keep > 0 {
		notes = append(notes, fmt.Sprintf("nothing to recover from the last %s", rc.Keep))
	}
	return entries, strings.Join(notes, "; ")
}

func (r *recoverPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	cmd, n := r.update(msg)
	r.layout()
	return cmd, n
}

func (r *recoverPage) update(msg tea.Msg) (tea.Cmd, nav) {
	km := r.sh.keys
	switch msg := msg.(type) {
	case recoverLoadedMsg:
		r.load.Done()
		r.entries, r.note, r.err = msg.entries, msg.note, msg.err
		r.revealed, r.revealAll = map[int]bool{}, false
		r.list.SetItems(len(r.entries))
		return nil, nil
	case tea.KeyPressMsg:
		if r.list.Filtering() {
			cmd, _ := r.list.Update(msg)
			return cmd, nil
		}
		switch {
		case key.Matches(msg, km.Back):
			if r.list.Query() != "" {
				r.list.ClearFilter()
				return nil, nil
			}
			return nil, back{}
		case key.Matches(msg, km.Reload):
			if !r.load.Running() {
				return r.Init(), nil
			}
			return nil, nil
		}
		cur, ok := r.list.Current()
		if !ok {
			return nil, nil
		}
		switch {
		case key.Matches(msg, km.Reveal):
			r.revealed[cur] = !r.revealed[cur]
			r.list.SetItems(len(r.entries)) // the row's height changed
		case key.Matches(msg, km.RevealAll):
			r.revealAll = !r.revealAll
			r.revealed = map[int]bool{}
			r.list.SetItems(len(r.entries))
		case key.Matches(msg, km.Copy):
			e := r.entries[cur]
			if e.secret == "" {
				return toastBad("no secret on this row"), nil
			}
			what := "the secret of " + e.user
			return func() tea.Msg { return copyMsg{secret: e.secret, what: what} }, nil
		default:
			cmd, _ := r.list.Update(msg)
			return cmd, nil
		}
		return nil, nil
	case tea.MouseWheelMsg, tea.PasteMsg:
		cmd, _ := r.list.Update(msg)
		return cmd, nil
	}
	return r.load.Update(msg), nil
}

// errLines and noteLines are the error and the note as shown, wrapped to the width.
func (r *recoverPage) errLines() []string  { return wrapNonEmpty(r.err, r.width) }
func (r *recoverPage) noteLines() []string { return wrapNonEmpty(r.note, r.width) }

func wrapNonEmpty(s string, w int) []string {
	if s == "" {
		return nil
	}
	return fit.WrapMax(s, max(w, 20), maxErrorLines)
}

// layout gives the list the page less the header line, the error, the note and the
// current row's detail.
func (r *recoverPage) layout() {
	r.list.SetHeight(max(r.height-2-len(r.errLines())-len(r.noteLines())-len(r.detail())+1, 1))
}

// detail is the current row in full, for under the list: its status explained
// and, when revealed, its whole secret (a link outgrows a column).
func (r *recoverPage) detail() []string {
	cur, ok := r.list.Current()
	if !ok {
		return nil
	}
	e := r.entries[cur]
	// The status whole; the secret is whole in its row when revealed.
	return fit.WrapMax(e.user+": "+e.status, r.width, detailLines)
}

func (r *recoverPage) shown(i int) bool { return r.revealAll != r.revealed[i] }

func (r *recoverPage) View() string {
	th := r.sh.th
	w := r.width
	var b strings.Builder
	if r.load.Running() {
		return r.load.View()
	}
	for _, l := range r.errLines() {
		b.WriteString(th.Failed.Render(l) + "\n")
	}
	for _, l := range r.noteLines() {
		b.WriteString(th.Warn.Render(l) + "\n")
	}
	if len(r.entries) == 0 {
		if r.err == "" && r.note == "" {
			b.WriteString(th.Subtle.Render("nothing to recover") + "\n")
		}
		return b.String()
	}
	b.WriteString(th.Header.Render(fit.Truncate("  "+strings.TrimRight(recoverColumns(w, "TIME", "PROFILE", "MODE", "USER", "STATUS"), " "), w)) + "\n")
	b.WriteString(r.list.View(func(i int, current bool) string {
		lines := r.rowLines(i)
		style := th.Text
		switch {
		case current:
			style = th.Cursor
		case r.entries[i].status != "ok":
			style = th.Warn
		}
		for j, l := range lines {
			marker := "  "
			if j == 0 && current {
				marker = "> "
			}
			lines[j] = marker + style.Render(l)
		}
		return strings.Join(lines, "\n")
	}))
	for _, l := range r.detail() {
		b.WriteString("\n" + th.Subtle.Render(l))
	}
	return b.String()
}

// recoverColumns lines up a row's columns for a page w cells wide; the secret follows
// them. The profile and the user give way on a narrow page; the status is cut at whole
// words (the detail under the list has it whole). A wide page gives the user and the
// status what the columns and a masked secret leave: at 120 columns they were cut
// beside 40 empty ones.
func recoverColumns(w int, ts, prof, mode, user, status string) string {
	const fixed = 11 + 1 + 8 + 1 + 12 + 1 // time, mode, the narrowest status and their spaces
	room := max(w-2-fixed-2, 18)          // profile and user, and their spaces
	profW := min(12, max(room/3, 8))
	userW := min(20, max(room-profW, 10))
	if w >= 100 {
		userW = min(28, max(room-profW, 10))
	}
	statusW := 12
	if spare := w - 2 - (11 + 1 + profW + 1 + 8 + 1 + userW + 1) - 1 - fit.Width(table.Mask); spare > statusW {
		statusW = min(spare, 48)
	}
	return fit.Pad(ts, 11) + " " + fit.Pad(prof, profW) + " " + fit.Pad(mode, 8) + " " + fit.Pad(user, userW) + " " +
		fit.PadWords(status, statusW) + " "
}

// rowLines is entry i as drawn (without the cursor's marker): its columns and its
// secret, masked, or revealed whole: after the columns when it fits, else on lines of
// its own under them (R shows every secret whole at every size).
func (r *recoverPage) rowLines(i int) []string {
	e := r.entries[i]
	w := max(r.width-2, 10)
	cols := recoverColumns(r.width, e.time, e.profile, e.mode, e.user, e.status)
	switch {
	case e.secret == "":
		return []string{fit.Truncate(strings.TrimRight(cols, " "), w)}
	case !r.shown(i) && fit.Width(cols)+fit.Width(table.Mask) <= w:
		return []string{cols + table.Mask}
	case !r.shown(i):
		return []string{fit.Truncate(strings.TrimRight(cols, " "), w)} // r reveals it
	case fit.Width(cols)+fit.Width(e.shownSecret) <= w:
		return []string{cols + e.shownSecret}
	}
	lines := []string{fit.Truncate(strings.TrimRight(cols, " ")+" ↓", w)}
	for _, l := range strings.Split(ansi.Hardwrap(e.shownSecret, max(w-4, 1), true), "\n") {
		lines = append(lines, "    "+l)
	}
	return lines
}
