package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// maxErrorLines bounds how much of a page a long error may take.
const maxErrorLines = 4

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// newTextInput is a text field with a steady cursor: a blinking one repaints the screen
// twice a second, which over a slow SSH link is noise. Under NO_COLOR it has no color.
func (s *shared) newTextInput() textinput.Model {
	in := textinput.New()
	// bubbles v2.2.1 draws only the first character of a placeholder when no width is
	// set; a width also keeps long input scrolling within an 80-column screen.
	in.SetWidth(48)
	in.SetStyles(fieldStyles(s.noColor))
	return in
}

// fieldStyles are the styles of a text field: bubbles' own, or none under NO_COLOR
// (the cursor is still drawn, in reverse).
func fieldStyles(noColor bool) textinput.Styles {
	st := textinput.DefaultDarkStyles()
	if noColor {
		plain := textinput.StyleState{Text: lipgloss.NewStyle(), Placeholder: lipgloss.NewStyle(),
			Suggestion: lipgloss.NewStyle(), Prompt: lipgloss.NewStyle()}
		st.Focused, st.Blurred = plain, plain
		st.Cursor.Color = nil
	}
	st.Cursor.Blink = false
	return st
}

// expandHome turns a leading ~/ into the session's home directory.
func expandHome(sh *shared, path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home := sh.desk.Getenv("HOME"); home != "" {
			return strings.TrimSuffix(home, "/") + "/" + rest
		}
	}
	return path
}
