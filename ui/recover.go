package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/desk"
	"resetdesk/sanitize"
)

// recoverPage lists the journal's recent secrets, as `resetdesk recover` prints them:
// a dropped session loses nothing. Secrets stay masked until revealed; c copies one.
type recoverPage struct {
	sh        *shared
	loading   bool
	entries   []RecoverEntry // as read; every string is sanitized before it is drawn
	note      string
	err       string
	cursor    int
	win       window
	revealed  map[int]bool
	revealAll bool
}

type recoverLoadedMsg struct {
	entries []RecoverEntry
	note    string
	err     error
}

var kReload = bind("ctrl+r", "read again", "ctrl+r")

func newRecoverPage(sh *shared) *recoverPage {
	return &recoverPage{sh: sh, loading: true, revealed: map[int]bool{}}
}

func (r *recoverPage) Title() string { return "recover" }
func (r *recoverPage) Typing() bool  { return false }
func (r *recoverPage) Keys() keyMap {
	return keyMap{
		short: []key2{kUpJ, kDownJ, kReveal, kRevealAl, kCopy, kBack, kQuit},
		full:  [][]key2{{kUpJ, kDownJ, kPgUp, kPgDown, kHome, kEnd}, {kReveal, kRevealAl, kCopy}, {kReload, kBack, kQuit}},
	}
}

func (r *recoverPage) Init() tea.Cmd {
	sh := r.sh
	return func() tea.Msg {
		var m recoverLoadedMsg
		m.err = bounded(sh.ctx, storeTimeout, func(ctx context.Context) error {
			rc, err := sh.desk.Recover(ctx, false)
			m.entries, m.note = recoverEntries(rc)
			return err
		})
		return m
	}
}

// recoverEntries lists a recovery's secrets, newest run first, and what else to know on
// one line.
func recoverEntries(rc desk.Recovery) ([]RecoverEntry, string) {
	notes := rc.Notes
	if rc.Nothing {
		return nil, strings.Join(append(notes, "nothing to recover: no run has journaled a secret here yet"), "; ")
	}
	var entries []RecoverEntry
	for _, r := range rc.Runs {
		for _, e := range r.Entries {
			entries = append(entries, RecoverEntry{Time: e.Time, Profile: e.Profile, Mode: e.Mode, User: e.User,
				Status: desk.RecoverStatus(e), Secret: e.Secret})
		}
	}
	if len(entries) == 0 && rc.Keep > 0 {
		notes = append(notes, fmt.Sprintf("nothing to recover from the last %s", rc.Keep))
	}
	return entries, strings.Join(notes, "; ")
}

func (r *recoverPage) Update(msg tea.Msg) (page, tea.Cmd) {
	cmd := r.update(msg)
	r.win.follow(r.cursor, r.listRows())
	return r, cmd
}

func (r *recoverPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case recoverLoadedMsg:
		r.loading = false
		r.entries, r.note, r.err = msg.entries, sanitize.Line(msg.note), ""
		if msg.err != nil {
			r.err = sanitize.Line(msg.err.Error())
		}
		r.revealed, r.revealAll = map[int]bool{}, false
		r.cursor, r.win = min(r.cursor, max(len(r.entries)-1, 0)), window{}
	case tea.KeyPressMsg:
		return r.key(msg)
	}
	return nil
}

// errLines and noteLines are the error and the note as shown, wrapped to the width.
func (r *recoverPage) errLines() []string  { return wrapNonEmpty(r.err, r.sh.width) }
func (r *recoverPage) noteLines() []string { return wrapNonEmpty(r.note, r.sh.width) }

func wrapNonEmpty(s string, w int) []string {
	if s == "" {
		return nil
	}
	return wrapError(s, w)
}

// rows is the room for entries: the page less the header, a detail line, the error and
// the note.
func (r *recoverPage) rows() int {
	return max(r.sh.height-2-len(r.errLines())-len(r.noteLines()), 1)
}

// detail is the current row in full, for under the list: its status explained
// and, when revealed, its whole secret (a link outgrows a column).
func (r *recoverPage) detail() []string {
	if len(r.entries) == 0 {
		return nil
	}
	e := r.entries[r.cursor]
	detail := sanitize.Line(e.User) + ": " + sanitize.Line(e.Status)
	if r.shown(r.cursor) && e.Secret != "" {
		detail += " · " + sanitize.Line(e.Secret)
	}
	dl := wrap(detail, r.sh.width)
	if len(dl) > detailLines {
		dl = dl[:detailLines]
	}
	return dl
}

// listRows is the room for entries once the current row's detail is under them.
func (r *recoverPage) listRows() int { return max(r.rows()-len(r.detail())+1, 1) }

func (r *recoverPage) key(k tea.KeyPressMsg) tea.Cmd {
	n := len(r.entries)
	switch {
	case matches(k, kBack):
		return r.sh.nav(backMsg{})
	case matches(k, kReload):
		if !r.loading {
			r.loading = true
			return r.Init()
		}
	case n == 0:
	case matches(k, kUpJ):
		r.cursor = max(r.cursor-1, 0)
	case matches(k, kDownJ):
		r.cursor = min(r.cursor+1, n-1)
	case matches(k, kPgUp):
		r.cursor = max(r.cursor-r.rows(), 0)
	case matches(k, kPgDown):
		r.cursor = min(r.cursor+r.rows(), n-1)
	case matches(k, kHome):
		r.cursor = 0
	case matches(k, kEnd):
		r.cursor = n - 1
	default:
		cmd, _ := secretKey(k, r, "no secret on this row")
		return cmd
	}
	return nil
}

func (r *recoverPage) toggleReveal() { r.revealed[r.cursor] = !r.revealed[r.cursor] }
func (r *recoverPage) toggleRevealAll() {
	r.revealAll = !r.revealAll
	r.revealed = map[int]bool{}
}
func (r *recoverPage) copyCurrent() (secret, what string) {
	e := r.entries[r.cursor]
	return e.Secret, "the secret of " + sanitize.Line(e.User)
}

func (r *recoverPage) shown(i int) bool { return r.revealAll != r.revealed[i] }

func (r *recoverPage) View() string {
	th := r.sh.th
	w := r.sh.width
	var b strings.Builder
	if r.loading {
		return th.Subtle.Render("reading the journal…")
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
	dl := r.detail()
	from, to := r.win.span(len(r.entries), r.listRows())
	line := func(ts, prof, mode, user, status, secret string) string {
		return fmt.Sprintf("%-11s %-12s %-6s %-20s %-10s %s", ts, ansi.Truncate(prof, 12, "…"), ansi.Truncate(mode, 6, "…"),
			ansi.Truncate(user, 20, "…"), ansi.Truncate(status, 10, "…"), secret)
	}
	b.WriteString(th.Header.Render(ansi.Truncate(line("TIME", "PROFILE", "MODE", "USER", "STATUS", "SECRET"), w, "")) + "\n")
	for i := from; i < to; i++ {
		e := r.entries[i]
		secret := "••••••••"
		if e.Secret == "" {
			secret = ""
		} else if r.shown(i) {
			secret = sanitize.Line(e.Secret)
		}
		status := sanitize.Line(e.Status)
		l := ansi.Truncate(line(e.Time.Local().Format("01-02 15:04"), sanitize.Line(e.Profile), sanitize.Line(e.Mode),
			sanitize.Line(e.User), status, secret), w-2, "…")
		if i == r.cursor {
			b.WriteString("> " + th.Cursor.Render(l) + "\n")
		} else if status != "ok" {
			b.WriteString("  " + th.Warn.Render(l) + "\n")
		} else {
			b.WriteString("  " + l + "\n")
		}
	}
	for i, l := range dl {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(th.Subtle.Render(l))
	}
	return b.String()
}
