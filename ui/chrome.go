package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// helpStyles draw the help: muted, and plain under NO_COLOR.
func (c *Console) helpStyles() keys.Styles {
	th := c.sh.th
	if th.NoColor {
		return keys.Styles{Key: th.Key, Desc: th.Text, Sep: th.Subtle}
	}
	pick := lipgloss.LightDark(th.Dark)
	return keys.Styles{
		Key:  lipgloss.NewStyle().Foreground(pick(lipgloss.Color("#6B6B6B"), lipgloss.Color("#9A9A9A"))),
		Desc: lipgloss.NewStyle().Foreground(pick(lipgloss.Color("#8A8A8A"), lipgloss.Color("#7A7A7A"))),
		Sep:  lipgloss.NewStyle().Foreground(pick(lipgloss.Color("#C8C8C8"), lipgloss.Color("#4A4A4A"))),
	}
}

// quitKey is the page's way out as the help shows it.
func (c *Console) quitKey() key.Binding {
	if q := c.top().Help().Quit; q.Help().Key != "" {
		return q
	}
	if c.top().Input() != noInput {
		return c.sh.keys.Interrupt
	}
	return c.sh.keys.Quit
}

// shortHelp is the one-line help: the page's keys, then help and the way out, which
// never give way.
func (c *Console) shortHelp() string {
	km := c.sh.keys
	if c.helpOpen {
		return keys.Short(nil, []key.Binding{keys.Named(km.Help, "close the help"), km.Interrupt}, c.width, c.helpStyles())
	}
	sticky := []key.Binding{c.helpKey(), c.quitKey()}
	return keys.Short(c.top().Help().ShortKeys, sticky, c.width, c.helpStyles())
}

// helpKey is the key that shows the help now, as the footer names it: ? where no text
// is being typed, f1 in a field that holds text (where ? is typed). F1 works everywhere.
func (c *Console) helpKey() key.Binding {
	if c.top().Input() == textInput {
		return c.sh.keys.HelpAnywhere
	}
	return c.sh.keys.Help
}

// helpLines is the page's whole help drawn to the width, and whether it covers the page
// (it leaves less than minBody lines) rather than sitting under it.
func (c *Console) helpLines() (lines []string, overlay bool) {
	if !c.helpOpen {
		return nil, false
	}
	km := c.sh.keys
	groups := append([][]key.Binding(nil), c.top().Help().Groups...)
	way := []key.Binding{keys.Named(km.Help, "close the help"), c.quitKey()}
	if q := c.quitKey(); q.Help() != km.Interrupt.Help() && q.Help() != km.Stop.Help() {
		way = append(way, km.Interrupt) // ctrl+c quits too, also from a text field
	}
	groups = append(groups, way)
	lines = keys.Full(groups, c.width, c.helpStyles())
	return lines, c.height-2-len(lines) < minBody
}

// clampHelp keeps the help overlay's first line where a line of help is still shown
// last: a ↓ past the end does nothing.
func (c *Console) clampHelp() {
	lines, overlay := c.helpLines()
	if !overlay {
		c.helpTop = 0
		return
	}
	room := max(c.bodyHeight()-2, 1)
	c.helpTop = max(min(c.helpTop, len(lines)-room), 0)
}

// helpOverlay is the help drawn over the page's room, scrolled when it is longer.
func (c *Console) helpOverlay(lines []string, h int) string {
	th := c.sh.th
	head := th.Title.Render("Keys of this page") + th.Subtle.Render(" · esc or ? closes")
	room := max(h-1, 1)
	if len(lines) > room {
		room--
		top := min(c.helpTop, len(lines)-room) // helpTop is kept within it (clampHelp)
		shown := append([]string{head}, lines[top:top+room]...)
		below := len(lines) - top - room
		return strings.Join(append(shown, th.Subtle.Render(strings.TrimSpace(list.Marker(top, below))+" · ↑/↓ scroll")), "\n")
	}
	return strings.Join(append([]string{head}, lines...), "\n")
}

// maxStatusLines bounds how much of the page a long toast may take; a question, which
// must show its end (the keys that answer it), may take maxQuestionLines.
const (
	maxStatusLines   = 3
	maxQuestionLines = 6
)

// statusLines is the question or the toast, wrapped to the width (one empty line when
// there is neither).
func (c *Console) statusLines() []string {
	th := c.sh.th
	w := max(c.width, 20)
	var lines []string
	switch {
	case c.question != nil:
		hint := c.question.hint
		if hint == "" {
			hint = "y/n"
		}
		for _, l := range fit.Wrap(c.question.text+"  ("+hint+")", w) {
			lines = append(lines, th.Warn.Render(l))
		}
		if len(lines) > maxQuestionLines {
			lines = lines[len(lines)-maxQuestionLines:] // its end says how to answer
		}
	case c.toast != "":
		style := th.Toast // padded by one cell each side
		if c.toastBad {
			style = th.Danger.Padding(0, 1)
		}
		for _, l := range fit.WrapMax(c.toast, w-2, maxStatusLines) {
			lines = append(lines, style.Render(l))
		}
	default:
		return []string{""}
	}
	return lines
}

// headerPart is a part of the header; parts with a higher keep give way later.
type headerPart struct {
	text  string
	short string // the part in fewer cells, tried before it is dropped
	style lipgloss.Style
	keep  int
	tight bool // joined to the part before by a space, not a dot
}

// keepAlways marks the part the header cuts rather than drops: the profile's name.
const keepAlways = 9

// header is the first line: the console, the profile and the page on the left; on the
// right what must stay in sight: the profile's transport, its quota left and the
// clipboard's countdown. Parts give way from the least needed when the width is short.
func (c *Console) header() string {
	th := c.sh.th
	parts := []headerPart{{text: "resetdesk", style: th.Title, keep: 1}}
	if c.sh.desk.Demo() {
		parts = append(parts, headerPart{text: "[demo]", style: th.Warn, keep: 4, tight: true})
	}
	var pr *profile
	for i := len(c.stack) - 1; i >= 0 && pr == nil; i-- {
		if p, ok := c.stack[i].(profiled); ok {
			pr = p.Profile()
		}
	}
	if tech := clean(c.sh.desk.Technician()); tech != "" {
		// A served console: who works here, as the history will say.
		parts = append(parts, headerPart{text: "technician " + tech, short: tech, style: th.Text, keep: 2})
	}
	if pr != nil {
		parts = append(parts, headerPart{text: pr.name, style: th.Key, keep: keepAlways})
	}
	parts = append(parts, headerPart{text: c.top().Title(), style: th.Text, keep: 3})
	nLeft := len(parts)
	if pr != nil {
		badge, exposed := transportBadge(pr)
		style := th.OK
		if exposed {
			style = th.Danger
		}
		parts = append(parts, headerPart{text: badge, style: style, keep: 8})
		if left, ok := c.sh.quota[pr.p.Name]; ok {
			parts = append(parts, headerPart{text: fmt.Sprintf("quota %d left", left), short: fmt.Sprintf("quota %d", left), style: th.Text, keep: 7})
		}
	}
	if n := len(c.sh.pending); n > 0 {
		// On every page: another technician's run waits for this one (a opens them).
		parts = append(parts, headerPart{text: fmt.Sprintf("%d waiting for approval", n), short: fmt.Sprintf("%d to approve", n),
			style: th.Warn, keep: 8})
	}
	if c.clipHeld {
		secs := max(int(c.clipUntil.Sub(c.now()).Round(time.Second)/time.Second), 0)
		parts = append(parts, headerPart{text: fmt.Sprintf("clipboard clears in %ds", secs), short: fmt.Sprintf("clip %ds", secs), style: th.Warn, keep: 6})
	}
	for {
		l, lw := c.renderHeader(parts[:nLeft])
		r, rw := c.renderHeader(parts[nLeft:])
		if lw+rw+2 <= c.width {
			return l + strings.Repeat(" ", c.width-lw-rw) + r
		}
		// The part that matters least gives way: shortened if it can be, else dropped.
		at := -1
		for i, p := range parts {
			if p.text != "" && p.keep < keepAlways && (at < 0 || p.keep < parts[at].keep) {
				at = i
			}
		}
		switch {
		case at < 0:
			return fit.Truncate(l+"  "+r, c.width)
		case parts[at].short != "":
			parts[at].text, parts[at].short = parts[at].short, ""
		default:
			parts[at].text = ""
		}
	}
}

// renderHeader draws parts joined by dots (or a space for a tight part), and says how
// many cells they take.
func (c *Console) renderHeader(ps []headerPart) (string, int) {
	sep := c.sh.th.Subtle.Render(" · ")
	var b strings.Builder
	w := 0
	for _, p := range ps {
		if p.text == "" {
			continue
		}
		if w > 0 {
			if p.tight {
				b.WriteByte(' ')
				w++
			} else {
				b.WriteString(sep)
				w += 3
			}
		}
		b.WriteString(p.style.Render(p.text))
		w += fit.Width(p.text)
	}
	return b.String(), w
}

// transportBadge names how the profile's connection is protected, and whether that
// exposes its secrets: the badge is red exactly when the review warns. Plain http to
// this machine itself (the demo, an SSH tunnel) never leaves it.
func transportBadge(p *profile) (string, bool) { return p.p.Badge() }
