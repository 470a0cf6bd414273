package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"resetdesk/ui/fit"
)

// Styles draw the help.
type Styles struct {
	Key, Desc, Sep lipgloss.Style
}

const shortSep = " • "

// Short is the one-line help in w cells: the bindings in order, then sticky (help and
// the way out), which are never dropped; a binding that does not fit is left out (a long
// one does not take the shorter ones after it along), and "…" says so.
func Short(bindings, sticky []key.Binding, w int, st Styles) string {
	item := func(b key.Binding) string {
		h := b.Help()
		return st.Key.Render(h.Key) + " " + st.Desc.Render(h.Desc)
	}
	var tail []string
	for _, b := range sticky {
		if b.Enabled() && b.Help().Key != "" {
			tail = append(tail, item(b))
		}
	}
	tailText := strings.Join(tail, st.Sep.Render(shortSep))
	room := w - fit.Width(tailText)
	var head []string
	used := 0
	dropped := false
	for _, b := range bindings {
		if !b.Enabled() || b.Help().Key == "" || contains(sticky, b) {
			continue
		}
		it := item(b)
		need := fit.Width(it) + fit.Width(shortSep)
		if used+need > room-2 { // room for " …"
			dropped = true
			continue
		}
		head = append(head, it)
		used += need
	}
	line := strings.Join(head, st.Sep.Render(shortSep))
	switch {
	case dropped && line != "":
		line += " " + st.Sep.Render("…") + st.Sep.Render(shortSep)
	case dropped:
		line = st.Sep.Render("…") + st.Sep.Render(shortSep)
	case line != "" && tailText != "":
		line += st.Sep.Render(shortSep)
	}
	return fit.Truncate(line+tailText, w)
}

func contains(list []key.Binding, b key.Binding) bool {
	for _, x := range list {
		if x.Help() == b.Help() {
			return true
		}
	}
	return false
}

// Full is the whole help in lines of at most w cells: the groups side by side as
// columns, flowing onto further rows of columns when they do not fit across.
func Full(groups [][]key.Binding, w int, st Styles) []string {
	type column struct {
		lines []string
		width int
	}
	var cols []column
	for _, g := range groups {
		var bs []key.Binding
		kw := 0
		for _, b := range g {
			if b.Enabled() && b.Help().Key != "" {
				bs = append(bs, b)
				kw = max(kw, fit.Width(b.Help().Key))
			}
		}
		if len(bs) == 0 {
			continue
		}
		var c column
		for _, b := range bs {
			l := st.Key.Render(fit.Pad(b.Help().Key, kw)) + " " + st.Desc.Render(b.Help().Desc)
			l = fit.Truncate(l, w)
			c.lines = append(c.lines, l)
			c.width = max(c.width, fit.Width(l))
		}
		cols = append(cols, c)
	}
	const gap = 4
	var out []string
	for len(cols) > 0 {
		// As many columns as fit across, at least one.
		n, used := 1, cols[0].width
		for n < len(cols) && used+gap+cols[n].width <= w {
			used += gap + cols[n].width
			n++
		}
		band := cols[:n]
		cols = cols[n:]
		rows := 0
		for _, c := range band {
			rows = max(rows, len(c.lines))
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		for r := range rows {
			var b strings.Builder
			for i, c := range band {
				cell := ""
				if r < len(c.lines) {
					cell = c.lines[r]
				}
				if i < len(band)-1 {
					cell = fit.Pad(cell, c.width) + strings.Repeat(" ", gap)
				}
				b.WriteString(cell)
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
	}
	return out
}
