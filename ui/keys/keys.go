// Package keys is the console's key map: every binding named once, with the text its
// help shows, and the groups pages compose their help from. A page's help is a Help
// value (bubbles' help.KeyMap); Short and Full draw it to a width.
//
// Bubble Tea v2 names keys as tea.KeyPressMsg.String() does: "space" for the space bar,
// "pgdown" for page down, "ctrl+c"; a binding matches when one of its keys is that name.
package keys

import "charm.land/bubbles/v2/key"

// Map holds every binding of the console by what it does.
type Map struct {
	// Moving in a list: arrows, vi keys, pages, the ends. ArrowUp and ArrowDown are the
	// arrows alone, for a list under a text field that takes the letters.
	Up, Down, ArrowUp, ArrowDown, PageUp, PageDown, Home, End key.Binding
	// Filter opens a list's filter field; Accept leaves it keeping the filter; Clear
	// empties it.
	Filter, Accept, Clear key.Binding

	// Help shows the page's keys where no text is being typed; HelpAnywhere also in a
	// field that holds text, where ? is typed.
	Help, HelpAnywhere, Quit, Interrupt, Back key.Binding
	// LeaveField moves the focus from a text field to what is under it.
	LeaveField key.Binding
	Yes, No    key.Binding

	// Profiles.
	Open, OpenNumber, Credentials, Recover, History key.Binding
	// Runs lists the technician's runs at the host (profiles, results).
	Runs key.Binding
	// Users.
	Toggle, SelectAll, ClearSelection, Import, Paste, Pane, Remove, RemoveInvalid, ChooseMode key.Binding
	// Mode.
	NextField, PrevField, Change, Review key.Binding
	// ChoicePrev and ChoiceNext step through a choice field; Toggle flips a yes/no one.
	ChoicePrev, ChoiceNext, Flip key.Binding
	// ShowPassword shows or hides a typed password before it is sent.
	ShowPassword key.Binding
	// Review.
	Confirm key.Binding
	// Verify opens the verification of the caller (review); SendCode, CheckCode,
	// Resend and Attest are its steps: a code sent, the code read back checked, a new
	// code, a callback recorded. None is a printable key but v, which only opens the page.
	Verify, SendCode, CheckCode, Resend, Attest key.Binding
	// Run.
	Stop key.Binding
	// Withdraw takes back a run that waits for approval.
	Withdraw key.Binding
	// Approvals opens the approval requests (a); Approve and Decline decide one;
	// PrevRequest and NextRequest show another.
	Approvals, Approve, Decline, PrevRequest, NextRequest key.Binding
	// Results and recover.
	Reveal, RevealAll, Copy, OnlyFailed, Sort, Retry, Export, NewRun, Detail, Reload key.Binding
	// Credentials.
	SetSecret, DeleteSecret, TestConnection, Store, Cancel key.Binding
	// WriteFile writes an export.
	WriteFile key.Binding
}

func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default is the console's key map.
func Default() Map {
	m := Map{
		Up:        bind("↑/k", "up", "up", "k", "ctrl+p"),
		Down:      bind("↓/j", "down", "down", "j", "ctrl+n"),
		ArrowUp:   bind("↑", "up", "up", "ctrl+p"),
		ArrowDown: bind("↓", "down", "down", "ctrl+n"),
		PageUp:    bind("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:  bind("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:      bind("g/home", "first", "home", "g"),
		End:       bind("G/end", "last", "end", "G"),
		Filter:    bind("/", "filter", "/"),
		Accept:    bind("enter", "keep the filter", "enter"),
		Clear:     bind("esc", "clear the filter", "esc"),

		Help:         bind("?", "help", "?"),
		HelpAnywhere: bind("f1", "help", "f1"),
		Quit:         bind("q", "quit", "q"),
		Interrupt:    bind("ctrl+c", "quit", "ctrl+c"),
		Back:         bind("esc", "back", "esc"),
		LeaveField:   bind("tab", "leave the field", "tab"),
		Yes:          bind("y", "yes", "y", "Y"),
		No:           bind("n/esc", "no", "n", "N", "esc"),

		Open:        bind("enter", "open", "enter"),
		OpenNumber:  bind("1…9", "open by number", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Credentials: bind("c", "credentials", "c"),
		Recover:     bind("r", "recover", "r"),
		History:     bind("h", "history", "h"),
		Runs:        bind("l", "your runs", "l"),

		Toggle:         bind("space", "select", "space"),
		SelectAll:      bind("ctrl+a", "select all hits", "ctrl+a"),
		ClearSelection: bind("ctrl+x", "clear selection", "ctrl+x"),
		Import:         bind("ctrl+o", "import file", "ctrl+o"),
		Paste:          bind("paste", "add a list", "paste"),
		Pane:           bind("tab", "selection pane", "tab"),
		Remove:         bind("d/space", "remove from the selection", "d", "space", "delete"),
		RemoveInvalid:  bind("D", "remove every refused id", "D"),
		ChooseMode:     bind("enter", "choose the mode", "enter"),

		NextField: bind("tab", "next field", "tab"),
		PrevField: bind("shift+tab", "previous field", "shift+tab"),
		Change:    bind("←/→/space", "change choice", "left", "right", "space"),
		Review:    bind("enter", "review", "enter"),

		ChoicePrev: bind("←", "previous choice", "left", "h"),
		ChoiceNext: bind("→/space", "next choice", "right", "l", "space"),
		Flip:       bind("space", "yes / no", "space", "left", "right"),

		ShowPassword: bind("ctrl+t", "show / hide the password", "ctrl+t"),

		// Never a printable key: a letter typed by habit (or meant for a search) must not
		// send anything.
		Confirm: bind("enter", "reset now", "enter"),

		Verify:    bind("v", "verify", "v"),
		SendCode:  bind("enter", "send the code", "enter"),
		CheckCode: bind("enter", "check the code", "enter"),
		Resend:    bind("ctrl+r", "new code", "ctrl+r"),
		Attest:    bind("enter", "record callback", "enter"),

		SetSecret:      bind("s", "set / replace secret", "s"),
		DeleteSecret:   bind("d", "delete secret", "d"),
		TestConnection: bind("t", "test connection", "t"),
		Store:          bind("enter", "store", "enter"),
		Cancel:         bind("esc", "cancel", "esc"),

		WriteFile: bind("enter", "write the file (.csv or .json)", "enter"),
	}
	m.runKeys()
	m.resultKeys()
	return m
}

// resultKeys are the keys of a run's results (and of recover).
func (m *Map) resultKeys() {
	m.Reveal = bind("r", "reveal row", "r")
	m.RevealAll = bind("R", "reveal all", "R")
	m.Copy = bind("c", "copy secret", "c")
	m.OnlyFailed = bind("f", "only failed", "f")
	m.Sort = bind("s", "sort by status", "s")
	m.Retry = bind("t", "retry failed", "t")
	m.Export = bind("e", "export", "e")
	m.NewRun = bind("n", "new run", "n")
	m.Detail = bind("enter", "whole row", "enter")
	m.Reload = bind("ctrl+r", "read again", "ctrl+r")
}

// runKeys are the keys of a run as it goes or waits, and of the approval requests.
func (m *Map) runKeys() {
	m.Stop = bind("esc/ctrl+c", "stop the run", "esc", "ctrl+c", "q")
	m.Withdraw = bind("w", "withdraw the request", "w")
	m.Approvals = bind("a", "approval requests", "a")
	m.Approve = bind("enter", "approve", "enter")
	m.Decline = bind("d", "decline, with a reason", "d")
	m.PrevRequest = bind("←", "previous request", "left")
	m.NextRequest = bind("→", "next request", "right")
}

// Hint is a line of help for what is not a key (typing into a field): it shows in the
// help and matches no key.
func Hint(what, desc string) key.Binding {
	return key.NewBinding(key.WithKeys("\x00"+what), key.WithHelp(what, desc))
}

// Named is b with another description: the same key, said for what it does on a page.
func Named(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// List is the group of keys that move in a list.
func (m Map) List() []key.Binding {
	return []key.Binding{m.Up, m.Down, m.PageUp, m.PageDown, m.Home, m.End, m.Filter}
}

// Help is a page's help: the line always shown, and the groups of the full help. Quit
// is the page's way out, which the short line never drops (zero: the console's q or
// ctrl+c).
type Help struct {
	ShortKeys []key.Binding
	Groups    [][]key.Binding
	Quit      key.Binding
}

// ShortHelp and FullHelp make Help a bubbles help.KeyMap.
func (h Help) ShortHelp() []key.Binding  { return h.ShortKeys }
func (h Help) FullHelp() [][]key.Binding { return h.Groups }
