package ui

import "charm.land/bubbles/v2/key"

type key2 = key.Binding

// keyMap is a page's bindings; help is built from it.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

func bind(help string, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Bindings shared by the pages. Each page lists those it honours in its keyMap.
var (
	kUp       = bind("↑", "up", "up", "ctrl+p")
	kDown     = bind("↓", "down", "down", "ctrl+n")
	kUpJ      = bind("↑/k", "up", "up", "k", "ctrl+p")
	kDownJ    = bind("↓/j", "down", "down", "j", "ctrl+n")
	kPgUp     = bind("pgup", "page up", "pgup")
	kPgDown   = bind("pgdn", "page down", "pgdown")
	kHome     = bind("home", "first", "home", "g")
	kEnd      = bind("end", "last", "end", "G")
	kEnter    = bind("enter", "next", "enter")
	kBack     = bind("esc", "back", "esc")
	kHelp     = bind("?", "help", "?")
	kQuit     = bind("q", "quit", "q")
	kCtrlC    = bind("ctrl+c", "quit", "ctrl+c")
	kToggle   = bind("space", "select", "space")
	kAll      = bind("ctrl+a", "select all hits", "ctrl+a")
	kClear    = bind("ctrl+x", "clear selection", "ctrl+x")
	kImport   = bind("ctrl+o", "import file", "ctrl+o")
	kNext     = bind("tab", "next field", "tab")
	kPrev     = bind("shift+tab", "previous field", "shift+tab")
	kLeft     = bind("←/→", "change choice", "left", "right")
	kConfirm  = bind("enter/y", "confirm and run", "enter", "y")
	kStop     = bind("esc/ctrl+c", "stop the run", "esc", "ctrl+c")
	kReveal   = bind("r", "reveal row", "r")
	kRevealAl = bind("R", "reveal all", "R")
	kCopy     = bind("c", "copy secret", "c", "y")
	kFilter   = bind("f", "only failed", "f")
	kSort     = bind("s", "sort by status", "s")
	kRetry    = bind("t", "retry failed", "t")
	kExport   = bind("e", "export", "e")
	kNewRun   = bind("n", "new run", "n")
	kCreds    = bind("c", "credentials", "c")
	kRecover  = bind("r", "recover", "r")
	kHistory  = bind("h", "history", "h")
	kYes      = bind("y", "yes", "y", "Y")
	kNo       = bind("n/esc", "no", "n", "N", "esc")
)
