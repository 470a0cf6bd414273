// Package uitest is what the console's tests share: key presses as Bubble Tea delivers
// them, by the names the help shows.
package uitest

import tea "charm.land/bubbletea/v2"

// named are the keys Press knows by name.
var named = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"esc":       {Code: tea.KeyEscape},
	"space":     {Code: tea.KeySpace, Text: " "},
	"tab":       {Code: tea.KeyTab},
	"down":      {Code: tea.KeyDown},
	"up":        {Code: tea.KeyUp},
	"right":     {Code: tea.KeyRight},
	"pgdown":    {Code: tea.KeyPgDown},
	"end":       {Code: tea.KeyEnd},
	"backspace": {Code: tea.KeyBackspace},
	"ctrl+a":    {Code: 'a', Mod: tea.ModCtrl},
	"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
	"ctrl+x":    {Code: 'x', Mod: tea.ModCtrl},
	"ctrl+r":    {Code: 'r', Mod: tea.ModCtrl},
}

// Press is the key press named s ("enter", "ctrl+a"), or the typed character s.
func Press(s string) tea.KeyPressMsg {
	if k, ok := named[s]; ok {
		return k
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}
