package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// countField is where the count of a large run is typed to confirm it (the review) or
// approve it (the approvals): a key pressed by habit must not reset hundreds of
// accounts. It takes digits, typed or pasted, and the keys that type nothing (the
// cursor, backspace); the rest is the page's.
type countField struct{ textinput.Model }

func newCountField(sh *shared) countField {
	in := sh.newTextInput()
	in.Prompt, in.CharLimit = "count: ", 7
	in.SetWidth(8)
	return countField{in}
}

// holds reports whether the count typed is n.
func (c countField) holds(n int) bool { return strings.TrimSpace(c.Value()) == strconv.Itoa(n) }

// take gives msg to the field when it is one the field takes, and reports whether it
// was.
func (c *countField) take(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if !onlyDigits(strings.TrimSpace(msg.Content)) {
			return nil, false
		}
	case tea.KeyPressMsg:
		if msg.Text != "" && !onlyDigits(msg.Text) {
			return nil, false
		}
	default:
		return nil, false
	}
	var cmd tea.Cmd
	c.Model, cmd = c.Model.Update(msg)
	return cmd, true
}

func onlyDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}
