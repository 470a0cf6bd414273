package table

// Drawing: the rows on screen, their cells and the header.

import (
	"fmt"
	"strings"
	"time"

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
			return m.th.Cursor.Render("> " + m.cells(i, false))
		case m.rows[i].Status == backends.StatusRunning:
			return "  " + m.cells(i, true)
		}
		if m.cache[i] == "" {
			m.cache[i] = "  " + m.cells(i, true)
		}
		return m.cache[i]
	})
	return strings.TrimSuffix(b.String(), "\n")
}

func (m *Model) header() string {
	if m.head == "" {
		m.head = m.drawHeader()
	}
	return m.head
}

func (m *Model) drawHeader() string {
	c := m.cols
	h := "  " + fit.Pad("user", c.user) + " " + fit.Pad("status", c.status) + " " + fit.Pad("secret", c.secret) + " " +
		fit.Pad("message", c.message) + " " + fit.PadLeft("elapsed", c.elapsed)
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

func (m *Model) cells(i int, styled bool) string {
	r := &m.rows[i]
	c := m.cols
	st := string(r.Status)
	if st == "" {
		st = "waiting"
	}
	status := fit.Pad(Glyph(r.Status, m.spinner)+" "+st, c.status)
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
	line := fit.Pad(r.User, c.user) + " " + status + " " + fit.Pad(secret, c.secret) + " "
	if c.message > 0 {
		line += fit.Pad(r.Message, c.message) + " "
	}
	return line + fit.PadLeft(elapsed, c.elapsed)
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
