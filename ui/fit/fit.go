// Package fit measures and places text in terminal cells: every width here is the
// number of cells a string takes on screen (a CJK character takes two, an escape
// sequence none), measured with the ansi width functions the Charm line uses, so that
// columns line up whatever script a name is written in and no line is wider than the
// screen.
package fit

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis ends a string cut to fit.
const Ellipsis = "…"

// Width is the number of cells s takes (styles count for nothing).
func Width(s string) int {
	// Printable ASCII, the most of what a table draws, takes a cell a byte: measuring
	// graphemes costs far more than the drawing.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Truncate cuts s to at most w cells, ending in an ellipsis when something was cut. A
// wide character is never split.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, Ellipsis)
}

// Cut is prose s in at most w cells: cut after the last whole word that fits, ending
// in " …" when something was left out, so that no word looks cut. A single word longer
// than w (a path, a link) is truncated.
func Cut(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 2 {
		return Truncate(s, w)
	}
	return WrapMax(s, w, 1)[0]
}

// Words is prose s in at most w cells for a column whose whole text shows elsewhere (a
// row's detail): cut after the last whole word that fits, ending in " …"; when not even
// the first word fits, only "…". Never a word cut in the middle.
func Words(s string, w int) string {
	switch {
	case Width(s) <= w:
		return s
	case w <= 0:
		return ""
	}
	first := s
	if i := strings.IndexByte(strings.TrimLeft(s, " "), ' '); i > 0 {
		first = strings.TrimLeft(s, " ")[:i]
	}
	if Width(first)+2 > w {
		return Ellipsis
	}
	return Cut(s, w)
}

// PadWords is Words(s, w) filled with spaces to exactly w cells.
func PadWords(s string, w int) string { return Pad(Words(s, w), w) }

// Pad is s in exactly w cells: cut with an ellipsis, or filled with spaces.
func Pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > w {
		s = ansi.Truncate(s, w, Ellipsis)
		sw = Width(s)
	}
	return s + strings.Repeat(" ", w-sw)
}

// PadLeft is s right-aligned in exactly w cells (cut without an ellipsis: it is for
// short figures).
func PadLeft(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := Width(s)
	if sw >= w {
		return ansi.Truncate(s, w, "")
	}
	return strings.Repeat(" ", w-sw) + s
}

// Wrap breaks s into lines of at most w cells at spaces (and after hyphens and commas:
// a DN breaks between its parts); a word longer than a line (a link, a path) is broken
// where it must. Styles carry over the
// breaks. An empty s is one empty line.
func Wrap(s string, w int) []string {
	w = max(w, 1)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if Width(para) <= w {
			out = append(out, para)
			continue
		}
		for _, l := range strings.Split(ansi.Wrap(para, w, "-,"), "\n") {
			l = strings.TrimRight(l, " ")
			if Width(l) > w {
				// ansi.Wrap lets a break character hang one cell past the width ("0
				// unknown," at w+1): wrap that line again at spaces only.
				for _, m := range strings.Split(ansi.Wrap(l, w, ""), "\n") {
					out = append(out, strings.TrimRight(m, " "))
				}
				continue
			}
			out = append(out, l)
		}
	}
	return out
}

// WrapMax is Wrap cut to at most n lines, the last ending in an ellipsis when some
// was left out.
func WrapMax(s string, w, n int) []string {
	lines := Wrap(s, w)
	if n > 0 && len(lines) > n {
		lines = lines[:n]
		// " …" replaces the last word that does not fit with it: no word is cut, and
		// the space keeps the ellipsis off the last word shown.
		last := strings.TrimRight(lines[n-1], " ")
		if Width(last)+2 > w {
			cut := ansi.Truncate(last, max(w-2, 0), "")
			if len(cut) < len(last) && last[len(cut)] != ' ' {
				// The cut fell inside a word: leave the word out.
				if i := strings.LastIndexByte(cut, ' '); i > 0 {
					cut = cut[:i]
				}
			}
			last = cut
		}
		lines[n-1] = strings.TrimRight(last, " ") + " " + Ellipsis
	}
	return lines
}

// Indent wraps s to w cells with every line after the first indented by the width of
// prefix, which starts the first line: a label and its wrapped value.
func Indent(prefix, s string, w int) []string {
	pw := Width(prefix)
	lines := Wrap(s, max(w-pw, 1))
	pad := strings.Repeat(" ", pw)
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	return lines
}

// Height is s with exactly h lines: cut, or filled with empty lines.
func Height(s string, h int) string {
	h = max(h, 0)
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// Clip cuts every line of s to w cells: the last guard before a page reaches the
// screen, so that no line ever wraps in the terminal.
func Clip(s string, w int) string {
	lines := strings.Split(s, "\n")
	changed := false
	for i, l := range lines {
		if Width(l) > w {
			lines[i] = Truncate(l, w)
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(lines, "\n")
}
