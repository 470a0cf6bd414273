package table

// Drawing: the rows on screen, their cells and the header.

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/ui/fit"
)

// View draws the header and the visible rows.
func (m *Model) View() string {
	m.rebuild()
	var b strings.Builder
	b.Grow((m.height + 1) * (m.width + 16))
	b.WriteString(m.header())
	b.WriteByte('\n')
	if m.list.Len() == 0 {
		if m.list.Query() != "" || m.list.Filtering() {
			b.WriteString(m.list.View(func(int, bool) string { return "" }) + "\n")
		}
		b.WriteString(m.th.Subtle.Render("  no rows to show"))
		return b.String()
	}
	m.list.Render(&b, func(p int, current bool) string {
		i := m.baseAt(p)
		switch {
		case current:
			return m.row(i, true)
		case m.rows[i].Status == backends.StatusRunning:
			return m.row(i, false)
		}
		if m.cache[i] == "" {
			m.cache[i] = m.row(i, false)
		}
		return m.cache[i]
	})
	return strings.TrimSuffix(b.String(), "\n")
}

// secretIndent starts the lines of a secret drawn under its row.
const secretIndent = "    "

// rowLines is how many lines the row at base position p takes: one, and the lines of
// its revealed secret when that goes under it.
func (m *Model) rowLines(p int) int { return 1 + len(m.secretBelow(m.baseAt(p))) }

// SecretBelow reports whether row i's revealed secret is drawn whole under its row
// (too wide for its column).
func (m *Model) SecretBelow(i int) bool { return len(m.secretBelow(i)) > 0 }

// secretBelow is row i's revealed secret on lines of its own, broken where it must
// (a link has no spaces) and never cut; nil when it shows in its column or is hidden.
func (m *Model) secretBelow(i int) []string {
	r := &m.rows[i]
	if !m.below || r.Secret == "" || !m.Revealed(i) || fit.Width(r.Secret) <= m.cols.secret {
		return nil
	}
	return strings.Split(ansi.Hardwrap(r.Secret, max(m.width-len(secretIndent), 1), true), "\n")
}

// row draws row i: its cells, the cursor's marker and style when current (the status
// keeps its colour there), and its secret under it when it goes there.
func (m *Model) row(i int, current bool) string {
	r := &m.rows[i]
	c := m.cols
	st := string(r.Status)
	if st == "" {
		st = "waiting"
	}
	status := fit.Pad(Glyph(r.Status, m.spinner)+" "+st, c.status)
	below := m.secretBelow(i)
	secret := ""
	switch {
	case r.Secret == "":
	case len(below) > 0:
		secret = "↓" // under the row, whole
	case m.Revealed(i):
		secret = r.Secret
	default:
		secret = Mask
	}
	elapsed := ""
	if r.Status.Final() && r.Status != backends.StatusSkipped {
		elapsed = FormatElapsed(r.Elapsed)
	}
	rest := " "
	if c.secret > 0 {
		rest += fit.Pad(secret, c.secret) + " "
	}
	if c.message > 0 {
		// Whole words only; a message with no word that fits is left to the detail
		// under the table, never a lone "…" beside a secret.
		msg := fit.Words(r.Message, c.message)
		if msg == fit.Ellipsis {
			msg = ""
		}
		rest += fit.Pad(msg, c.message) + " "
	}
	rest += fit.PadLeft(elapsed, c.elapsed)
	styleStatus := m.statusStyle(r.Status)
	who := fit.Pad(r.User, c.user) + " "
	if c.name > 0 {
		who += fit.Pad(fit.Truncate(r.Name, c.name), c.name) + " "
	}
	var line string
	if current {
		cur := m.th.Cursor
		line = cur.Render("> "+who) + styleStatus.Inherit(cur).Render(status) + cur.Render(rest)
	} else {
		line = "  " + who + styleStatus.Render(status) + rest
	}
	for _, l := range below {
		line += "\n" + secretIndent + l
	}
	return line
}

func (m *Model) header() string {
	if m.head == "" {
		m.head = m.drawHeader()
	}
	return m.head
}

func (m *Model) drawHeader() string {
	c := m.cols
	h := "  " + fit.Pad("user", c.user) + " "
	if c.name > 0 {
		h += fit.Pad("name", c.name) + " "
	}
	h += fit.Pad("status", c.status) + " "
	if c.secret > 0 {
		h += fit.Pad("secret", c.secret) + " "
	}
	h += fit.Pad("message", c.message) + " " + fit.PadLeft("elapsed", c.elapsed)
	return m.th.Header.Render(fit.Truncate(h, m.width))
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

func (m *Model) statusStyle(s backends.Status) lipgloss.Style {
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

// Pace is the rate of n answers in elapsed and the time left, to the second, for left
// more at that rate: the console's progress and run's line on a terminal both say it.
// ok is false before a second of the run or its first answer: a rate then says nothing
// true (6279.7/s).
func Pace(n, left int, elapsed time.Duration) (perSecond float64, eta time.Duration, ok bool) {
	if elapsed < time.Second || n <= 0 {
		return 0, 0, false
	}
	perSecond = float64(n) / elapsed.Seconds()
	return perSecond, time.Duration(float64(left) / perSecond * float64(time.Second)).Round(time.Second), true
}
