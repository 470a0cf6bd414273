package ui

import (
	"strconv"

	"charm.land/bubbles/v2/textinput"
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
// twice a second, which over a slow SSH link is noise.
func newTextInput() textinput.Model {
	in := textinput.New()
	// bubbles v2.2.1 draws only the first character of a placeholder when no width is
	// set; a width also keeps long input scrolling within an 80-column screen.
	in.SetWidth(48)
	s := in.Styles()
	s.Cursor.Blink = false
	in.SetStyles(s)
	return in
}
