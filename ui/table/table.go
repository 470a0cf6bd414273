// Package table is the console's results table: one row per user of a run, drawn in a
// window of the terminal's height. Only the visible rows are rendered, each row's line is
// cached until the row (or the width, or what is revealed) changes, and filtering and
// sorting go through an index of row positions, so that a run of many thousand users
// costs the same per frame as a run of forty.
package table

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/theme"
)

// Row is one user's line. Strings must already be sanitized (sanitize.Line).
type Row struct {
	User    string
	Status  backends.Status // "" while waiting to be sent
	Secret  string
	Message string
	Elapsed time.Duration
}

// Filter selects which rows are shown.
type Filter int

const (
	All   Filter = iota
	NotOK        // failed, unknown and skipped: what needs a technician's attention
)

// Sort orders the shown rows.
type Sort int

const (
	InputOrder Sort = iota
	ByStatus        // running first, then failed, unknown, skipped, ok, waiting
)

// Mask stands for a hidden secret; it has a fixed length so that it does not leak one.
const Mask = "••••••••"

// Model is the table. The zero value is not usable: call New.
type Model struct {
	th   theme.Theme
	rows []Row
	// cache holds the rendered line of each row (without the cursor marker); ""
	// means not rendered yet or stale.
	cache []string
	// index lists the positions of the shown rows in display order; nil means every
	// row in input order (the common case during a run, which costs nothing to keep).
	index      []int
	indexDirty bool
	filter     Filter
	sortBy     Sort

	cursor, offset int // in display positions
	width, height  int
	cols           columns

	revealAll bool
	revealed  map[int]bool
	spinner   string
}

type columns struct{ user, status, secret, message, elapsed int }

// New makes a table for users, all waiting.
func New(th theme.Theme, users []string) Model {
	m := Model{th: th, rows: make([]Row, len(users)), cache: make([]string, len(users)), revealed: map[int]bool{}, spinner: "*"}
	for i, u := range users {
		m.rows[i].User = u
	}
	m.SetSize(80, 10)
	return m
}

// SetTheme changes the styles (the terminal told its background).
func (m *Model) SetTheme(th theme.Theme) { m.th = th; m.invalidate() }

// SetSize sets the width and the height in lines, the header included.
func (m *Model) SetSize(w, h int) {
	if w == m.width && h == m.height {
		return
	}
	m.width, m.height = max(w, 20), max(h, 2)
	const status, elapsed, secret = 9, 7, 10
	user := min(max((m.width-2)/3, 8), 28)
	msg := m.width - 2 - user - status - secret - elapsed - 4
	m.cols = columns{user: user, status: status, secret: secret, message: max(msg, 0), elapsed: elapsed}
	m.invalidate()
	m.clamp()
}

func (m *Model) invalidate() { clear(m.cache) }

// Len is the number of rows; Shown the number the filter lets through.
func (m *Model) Len() int { return len(m.rows) }

// Shown is the number of rows the filter lets through.
func (m *Model) Shown() int {
	m.rebuild()
	if m.index == nil {
		return len(m.rows)
	}
	return len(m.index)
}

// Rows returns the rows in input order (not a copy: do not change them).
func (m *Model) Rows() []Row { return m.rows }

// Row returns row i in input order.
func (m *Model) Row(i int) Row { return m.rows[i] }

// Apply puts an outcome of the run into its row.
func (m *Model) Apply(o backends.Outcome, user, secret, message string) {
	if o.Index < 0 || o.Index >= len(m.rows) {
		return
	}
	r := &m.rows[o.Index]
	r.Status, r.Elapsed = o.Status, o.Elapsed
	if user != "" {
		r.User = user
	}
	r.Secret, r.Message = secret, message
	m.cache[o.Index] = ""
	if m.filter != All || m.sortBy != InputOrder {
		m.indexDirty = true
	}
}

// SetSpinner sets the frame drawn on running rows (they are never cached).
func (m *Model) SetSpinner(frame string) { m.spinner = frame }

// SetFilter changes the filter; the cursor goes back to the top.
func (m *Model) SetFilter(f Filter) {
	if f == m.filter {
		return
	}
	m.filter, m.indexDirty, m.cursor, m.offset = f, true, 0, 0
}

// Filter returns the current filter.
func (m *Model) Filter() Filter { return m.filter }

// SetSort changes the order of the shown rows.
func (m *Model) SetSort(s Sort) {
	if s == m.sortBy {
		return
	}
	m.sortBy, m.indexDirty, m.cursor, m.offset = s, true, 0, 0
}

// SortBy returns the current order.
func (m *Model) SortBy() Sort { return m.sortBy }

func statusRank(s backends.Status) int {
	switch s {
	case backends.StatusRunning:
		return 0
	case backends.StatusFailed:
		return 1
	case backends.StatusUnknown:
		return 2
	case backends.StatusSkipped:
		return 3
	case backends.StatusOK:
		return 4
	}
	return 5
}

func (m *Model) rebuild() {
	if !m.indexDirty {
		return
	}
	m.indexDirty = false
	if m.filter == All && m.sortBy == InputOrder {
		m.index = nil
		m.clamp()
		return
	}
	idx := m.index[:0]
	for i, r := range m.rows {
		if m.filter == NotOK && (r.Status == backends.StatusOK || !r.Status.Final()) {
			continue
		}
		idx = append(idx, i)
	}
	if m.sortBy == ByStatus {
		sort.SliceStable(idx, func(a, b int) bool {
			return statusRank(m.rows[idx[a]].Status) < statusRank(m.rows[idx[b]].Status)
		})
	}
	if idx == nil {
		idx = []int{}
	}
	m.index = idx
	m.clamp()
}

func (m *Model) rowAt(pos int) int {
	if m.index == nil {
		return pos
	}
	return m.index[pos]
}

func (m *Model) body() int { return m.height - 1 }

func (m *Model) clamp() {
	n := len(m.rows)
	if m.index != nil {
		n = len(m.index)
	}
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+m.body() {
		m.offset = m.cursor - m.body() + 1
	}
	m.offset = min(max(m.offset, 0), max(n-m.body(), 0))
}

// Move moves the cursor by delta rows (a page is the body height).
func (m *Model) Move(delta int) { m.rebuild(); m.cursor += delta; m.clamp() }

// Page is the number of rows a page key moves.
func (m *Model) Page() int { return max(m.body()-1, 1) }

// Top and Bottom jump to the ends.
func (m *Model) Top() { m.rebuild(); m.cursor = 0; m.clamp() }

// Bottom jumps to the last shown row.
func (m *Model) Bottom() { m.rebuild(); m.cursor = 1 << 30; m.clamp() }

// Follow puts the cursor on row i (input order) when it is shown: the run page keeps the
// latest started row in sight until the technician moves.
func (m *Model) Follow(i int) {
	m.rebuild()
	if m.index == nil {
		m.cursor = i
	} else {
		for p, r := range m.index {
			if r == i {
				m.cursor = p
				break
			}
		}
	}
	m.clamp()
}

// Current returns the input position of the row under the cursor.
func (m *Model) Current() (int, bool) {
	if m.Shown() == 0 {
		return 0, false
	}
	return m.rowAt(m.cursor), true
}

// ToggleReveal shows or hides the secret of the row under the cursor.
func (m *Model) ToggleReveal() {
	if i, ok := m.Current(); ok {
		m.revealed[i] = !m.revealed[i]
		m.cache[i] = ""
	}
}

// SetRevealAll shows or hides every secret.
func (m *Model) SetRevealAll(v bool) {
	if v != m.revealAll {
		m.revealAll = v
		clear(m.revealed)
		m.invalidate()
	}
}

// RevealAll reports whether every secret is shown.
func (m *Model) RevealAll() bool { return m.revealAll }

// Revealed reports whether row i's secret is shown.
func (m *Model) Revealed(i int) bool { return m.revealAll || m.revealed[i] }

// HideAll hides every secret again.
func (m *Model) HideAll() { m.revealAll = false; clear(m.revealed); m.invalidate() }

// View draws the header and the visible rows.
func (m *Model) View() string {
	m.rebuild()
	var b strings.Builder
	b.Grow((m.height + 1) * (m.width + 16))
	b.WriteString(m.header())
	n := m.Shown()
	end := min(m.offset+m.body(), n)
	for p := m.offset; p < end; p++ {
		b.WriteByte('\n')
		i := m.rowAt(p)
		switch {
		case p == m.cursor:
			b.WriteString(m.th.Cursor.Render("> " + m.cells(i, false)))
		case m.rows[i].Status == backends.StatusRunning:
			b.WriteString("  " + m.cells(i, true))
		default:
			if m.cache[i] == "" {
				m.cache[i] = "  " + m.cells(i, true)
			}
			b.WriteString(m.cache[i])
		}
	}
	if n == 0 {
		b.WriteString("\n" + m.th.Subtle.Render("  no rows to show"))
	}
	return b.String()
}

func (m *Model) header() string {
	c := m.cols
	h := "  " + pad("user", c.user) + " " + pad("status", c.status) + " " + pad("secret", c.secret) + " " +
		pad("message", c.message) + " " + padLeft("elapsed", c.elapsed)
	return m.th.Header.Render(ansi.Truncate(h, m.width, ""))
}

// Glyph is the mark of a status.
func Glyph(s backends.Status, spinner string) string {
	switch s {
	case backends.StatusOK:
		return "✓"
	case backends.StatusFailed:
		return "✗"
	case backends.StatusUnknown:
		return "?"
	case backends.StatusSkipped:
		return "-"
	case backends.StatusRunning:
		return spinner
	}
	return "·"
}

func (m *Model) cells(i int, styled bool) string {
	r := &m.rows[i]
	c := m.cols
	st := string(r.Status)
	if st == "" {
		st = "waiting"
	}
	status := pad(Glyph(r.Status, m.spinner)+" "+st, c.status)
	if styled {
		status = m.statusStyle(r.Status).Render(status)
	}
	secret := ""
	if r.Secret != "" {
		secret = Mask
		if m.Revealed(i) {
			secret = r.Secret
		}
	}
	elapsed := ""
	if r.Status.Final() && r.Status != backends.StatusSkipped {
		elapsed = FormatElapsed(r.Elapsed)
	}
	return pad(r.User, c.user) + " " + status + " " + pad(secret, c.secret) + " " +
		pad(r.Message, c.message) + " " + padLeft(elapsed, c.elapsed)
}

func (m *Model) statusStyle(s backends.Status) interface{ Render(...string) string } {
	switch s {
	case backends.StatusOK:
		return m.th.OK
	case backends.StatusFailed:
		return m.th.Failed
	case backends.StatusUnknown:
		return m.th.Unknown
	case backends.StatusSkipped:
		return m.th.Skipped
	case backends.StatusRunning:
		return m.th.Running
	}
	return m.th.Subtle
}

// FormatElapsed writes a duration the way the table does: "420ms", "1.3s", "2m05s".
func FormatElapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// pad cuts s to w cells (with an ellipsis) or fills it with spaces.
func pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

func padLeft(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw >= w {
		return ansi.Truncate(s, w, "")
	}
	return strings.Repeat(" ", w-sw) + s
}
