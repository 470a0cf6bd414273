package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"resetdesk/desk"
	"resetdesk/theme"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// page is one screen of the console. The root gives it its size (the screen less the
// header, the status line and the help) and sends it every message but the keys the
// root keeps (ctrl+c, q and ? as the page's Input allows).
type page interface {
	Init() tea.Cmd
	// Update handles msg. A page change or a question it asks for comes back as nav,
	// which the root applies before it reads the next message: keys typed quickly land
	// on the page that is shown, never on the one being left.
	Update(msg tea.Msg) (tea.Cmd, nav)
	View() string
	SetSize(width, height int)
	// Title names the page in the header ("users", "review").
	Title() string
	Help() keys.Help
	// Input says whether a text field has the keys: q and ? are typed then.
	Input() input
}

// input is what a page's text field takes.
type input int

const (
	noInput    input = iota // no text field has the keys: q quits, ? shows the help
	emptyInput              // an empty field has them: q is typed, ? shows the help
	textInput               // a field with text: q and ? are typed
)

// inputOf says what a text field with value v takes, when focused.
func inputOf(focused bool, v string) input {
	switch {
	case !focused:
		return noInput
	case v == "":
		return emptyInput
	}
	return textInput
}

// Optional parts of a page, which the root asks for by interface.
type (
	// resumer refreshes what may have changed while it was covered.
	resumer interface{ Resume() tea.Cmd }
	// interrupter handles ctrl+c and q itself (a run asks whether to stop); handled
	// is false when it lets the console quit.
	interrupter interface {
		Interrupt() (cmd tea.Cmd, n nav, handled bool)
	}
	// profiled works in one profile, which the header shows.
	profiled interface{ Profile() *profile }
	// themed keeps styled text (a table's cached rows): the root gives it the theme
	// when the terminal tells its background, so that View only draws.
	themed interface{ SetTheme(theme.Theme) }
)

// nav is a change the root applies as soon as the page's Update returns.
type nav interface{ isNav() }

type (
	// push covers the page with p, and p with then when set (a retry's review over its
	// options); typed are keys typed for p while the page before was busy, given to p
	// as soon as it shows.
	push struct {
		p, then page
		typed   []tea.KeyPressMsg
	}
	// replace puts p in place of the page.
	replace struct{ p page }
	// back uncovers the page below.
	back struct{}
	// startRun gives the pages of this flow (users, mode, review) way to the run p; the
	// pages that hold secrets stay reachable below it.
	startRun struct{ p page }
	// ask puts a yes/no question on the status line; each answer runs its action. A
	// nil action does nothing; interrupt is ctrl+c's (nil: the same as no).
	ask struct {
		text               string
		yes, no, interrupt action
		// hint says what the keys do, after the question ("y/n").
		hint string
	}
)

// action is what an answer does: it may ask for a command and a page change.
type action func() (tea.Cmd, nav)

func (push) isNav()     {}
func (replace) isNav()  {}
func (back) isNav()     {}
func (startRun) isNav() {}
func (ask) isNav()      {}

// shared is what every page reads: the session, the theme, the key map, and the facts
// the root keeps for all pages (the quota and secret status of each profile).
type shared struct {
	ctx     context.Context
	desk    Desk
	th      theme.Theme
	noColor bool
	keys    keys.Map

	profiles []*profile
	// quota is each quota profile's quota left today, as last counted.
	quota map[string]int
	// secrets is each profile's secret status, once known ("" not yet).
	secrets map[string]string

	// files is set when the console may read and write files of this machine
	// (LocalTerminal): import a list, export results.
	files bool

	// results are the results pages of this session, by the host's run id: what was
	// copied or exported from each is remembered while the console runs.
	results map[int64]*resultsPage
	// submitted are the runs this session submitted to the host.
	submitted map[int64]bool
	// pending are the approval requests this technician may decide, as last read.
	pending []desk.ApprovalRequest
	// notices are the desk's notices of this session, with their time (the history
	// page shows them).
	notices []string
	// local is set for the console of this process's own terminal (LocalTerminal).
	local bool
}

// listStyles draws the lists' own lines.
func (s *shared) listStyles() list.Styles {
	return list.Styles{Marker: s.th.Subtle, Filter: s.th.Subtle, Field: fieldStyles(s.noColor)}
}

func (s *shared) newList() list.Model { return list.New(s.keys, s.listStyles()) }

// remember keeps what msg tells about a profile (its quota left, its secret's status)
// for every page to read.
func (s *shared) remember(msg tea.Msg) {
	switch msg := msg.(type) {
	case quotaMsg:
		if msg.has {
			s.quota[msg.profile] = msg.left
		} else {
			delete(s.quota, msg.profile)
		}
	case secretStatusMsg:
		s.secrets[msg.profile] = msg.status
	}
}
