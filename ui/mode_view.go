package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"

	"resetdesk/ui/fit"
	"resetdesk/ui/list"
)

// View draws the modes and the fields. A form taller than the page scrolls (follow) so
// that the focused mode or field and the error under the form stay in sight.
func (m *modePage) View() string {
	lines, _, _ := m.formLines()
	errLines := m.errLines()
	if room := max(m.height-len(errLines), 1); len(lines) > room {
		rows := max(room-1, 1) // one line says what is out of sight
		top := max(min(m.top, len(lines)-rows), 0)
		end := min(top+rows, len(lines))
		marker := m.sh.th.Subtle.Render(list.Marker(top, len(lines)-end))
		lines = append(append([]string(nil), lines[top:end]...), marker)
	}
	return fit.Clip(strings.Join(append(lines, errLines...), "\n"), m.width)
}

// errLines are the form's error under it, with a blank line above (none without one).
func (m *modePage) errLines() []string {
	if m.plan.running() {
		return []string{"", fit.Cut(m.plan.task.View(), m.width)}
	}
	if m.err == "" {
		return nil
	}
	lines := []string{""}
	for _, l := range fit.Wrap(m.err, m.width) {
		lines = append(lines, m.sh.th.Failed.Render(l))
	}
	return lines
}

// follow moves the window the least that keeps the focused lines in it: called when
// the focus, the form or the size change, never while drawing.
func (m *modePage) follow() {
	lines, from, to := m.formLines()
	room := max(m.height-len(m.errLines()), 1)
	if len(lines) <= room {
		m.top = 0
		return
	}
	rows := max(room-1, 1)
	m.top = min(m.top, from)
	if to > m.top+rows {
		m.top = to - rows
	}
	m.top = max(min(m.top, len(lines)-rows), 0)
}

// formLines are the lines of the form, and the lines [from, to) of what has the focus.
func (m *modePage) formLines() (lines []string, from, to int) {
	th := m.sh.th
	w := m.width
	lines = append(lines, th.Subtle.Render("Reset mode:"))
	for i, md := range m.modes {
		// The whole description, wrapped under its name: it says what the mode does.
		rows := fit.Indent(fit.Pad(md.Name, 10)+" ", md.Label, max(w-2, 12))
		if i == m.mode && m.focus == 0 {
			from, to = len(lines), len(lines)+len(rows)
		}
		for j, l := range rows {
			marker := "  "
			switch {
			case j > 0:
			case i == m.mode && m.focus == 0:
				marker = "> "
			case i == m.mode:
				marker = "* "
			}
			switch {
			case i == m.mode && m.focus == 0:
				l = th.Cursor.Render(l)
			case i == m.mode:
				l = th.Selected.Render(l)
			}
			lines = append(lines, marker+l)
		}
	}
	lines = append(lines, "")
	labelW := 0
	for _, f := range m.fields {
		labelW = max(labelW, fit.Width(f.label))
	}
	labelW = min(max(labelW, 20), 32) + 1
	for i, f := range m.fields {
		if m.focus == i+1 {
			from = len(lines)
		}
		lines = append(lines, m.fieldLines(f, m.focus == i+1, labelW)...)
		if m.focus == i+1 {
			to = len(lines)
		}
	}
	return lines, from, to
}

// fieldLines draws field f: its label and value on one line when they fit, else the
// label wrapped and the value under it; a typed password's hint under it.
func (m *modePage) fieldLines(f *field, focused bool, labelW int) []string {
	th := m.sh.th
	w := m.width
	marker := "  "
	if focused {
		marker = "> "
	}
	val := m.fieldValue(f)
	var lines []string
	if fit.Width(f.label) <= labelW && 2+labelW+1+fit.Width(val) <= w {
		l := fit.Pad(f.label, labelW)
		if focused {
			l = th.Key.Render(l)
		}
		lines = append(lines, marker+l+" "+val)
	} else {
		for j, l := range fit.Wrap(f.label, max(w-2, 10)) {
			if focused {
				l = th.Key.Render(l)
			}
			if j == 0 {
				lines = append(lines, marker+l)
			} else {
				lines = append(lines, "  "+l)
			}
		}
		lines = append(lines, "    "+val)
	}
	if f.kind == fPassword {
		if pw := f.input.Value(); pw != "" {
			hint := strength(pw, m.current(), m.users[0])
			if focused {
				verb := " shows it"
				if f.input.EchoMode != textinput.EchoPassword {
					verb = " hides it"
				}
				hint += " · " + m.sh.keys.ShowPassword.Help().Key + verb
			}
			for _, l := range fit.Indent("    ", hint, w) {
				lines = append(lines, th.Subtle.Render(l))
			}
		}
	}
	return lines
}

// fieldValue draws a field's value.
func (m *modePage) fieldValue(f *field) string {
	th := m.sh.th
	switch f.kind {
	case fChoice:
		var parts []string
		for ci, c := range f.choices {
			if c == "" {
				c = "server's"
			}
			if ci == f.choice {
				parts = append(parts, th.Selected.Render("["+c+"]"))
			} else {
				parts = append(parts, th.Subtle.Render(c))
			}
		}
		return strings.Join(parts, " ")
	case fBool:
		if f.on {
			return "[x] yes"
		}
		return "[ ] no"
	}
	return f.input.View()
}
