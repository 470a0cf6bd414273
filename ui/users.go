package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
	"resetdesk/ui/slow"
)

// searchLimit bounds the hits asked for per search.
const searchLimit = 500

// usersPage picks the users: search as you type, paste a list, import a file. What is
// selected is always on screen in the selection pane (tab to it), each refused id
// marked with the reason and removable, so that enter never resets anyone who is not
// shown as selected.
type usersPage struct {
	sh            *shared
	profile       *profile
	be            backends.Backend
	width, height int

	input  textinput.Model
	seq    int // bumped on every query change; stale answers are dropped
	cancel context.CancelFunc
	// waiting is set while a search for the query as typed is due (debounce or
	// in flight); enter then waits for its hits.
	waiting bool
	// pendingEnters counts the enters typed while the hits were not in yet: the first
	// goes on when they are (one hit), one more is given to the mode page, never more
	// (a review is always seen before it is confirmed).
	pendingEnters int
	// moved is set when the technician moved the cursor over the hits (or the mouse
	// wheel did): enter then takes the hit under it, never a guess among several.
	moved bool
	// ticket is the ticket typed on the mode page, kept when esc comes back here.
	ticket string

	search    slow.Task
	noSearch  bool
	searchErr string
	hits      []hit
	list      list.Model

	sel    selection
	inPane bool // the selection pane has the keys
	pane   list.Model
	// order is the pane's rows: the refused ids first, then the skipped lines, then
	// the rest in the order chosen: what needs the technician comes first. Positions
	// below sel.len() are ids, the others skipped lines.
	order []int

	importing bool
	path      textinput.Model
}

func newUsersPage(sh *shared, p *profile, b backends.Backend) *usersPage {
	in := sh.newTextInput()
	in.Prompt = "search: "
	in.Placeholder = "name, id or number"
	in.CharLimit = 200
	path := sh.newTextInput()
	path.Prompt = "import file: "
	path.Placeholder = "users.csv or users.txt"
	// A system with no search says so from the start, not after the first keystrokes.
	if p.noSearch {
		in.Prompt = "ids: "
		in.Placeholder = "paste a list, or ctrl+o to import a file"
		if !sh.files {
			in.Placeholder = "type or paste a list of ids"
		}
	}
	u := &usersPage{sh: sh, profile: p, be: b, input: in, path: path, sel: newSelection(),
		noSearch: p.noSearch, search: slow.NewTask(), list: sh.newList(), pane: sh.newList()}
	u.list.SetTyping(true)
	u.pane.SetRowLines(func(i int) int { return len(u.paneRow(i, false)) })
	u.pane.SetFilter(list.Contains(u.paneItems, u.paneText))
	return u
}

func (u *usersPage) Title() string     { return "users" }
func (u *usersPage) Profile() *profile { return u.profile }
func (u *usersPage) Input() input {
	switch {
	case u.importing:
		return inputOf(true, u.path.Value())
	case u.inPane:
		return inputOf(u.pane.Filtering(), u.pane.Query())
	}
	return inputOf(true, u.input.Value())
}
func (u *usersPage) Help() keys.Help {
	km := u.sh.keys
	km.Import.SetEnabled(u.sh.files)
	importKey := keys.Named(km.Open, "import")
	if u.importing {
		return keys.Help{ShortKeys: []key.Binding{importKey, km.Cancel}, Groups: [][]key.Binding{{importKey, km.Cancel}}}
	}
	back := keys.Named(km.Back, "clear the search / back")
	if u.inPane && u.pane.Filtering() {
		return keys.Help{ShortKeys: []key.Binding{km.Accept, km.Clear}, Groups: [][]key.Binding{{km.Accept, km.Clear, km.ArrowUp, km.ArrowDown}}}
	}
	if u.inPane {
		leave := keys.Named(km.LeaveField, "back to the search")
		return keys.Help{
			ShortKeys: []key.Binding{km.Up, km.Down, km.Remove, km.RemoveInvalid, km.Filter, km.ChooseMode, leave},
			Groups:    [][]key.Binding{km.List(), {km.Remove, km.RemoveInvalid, km.ClearSelection}, {km.ChooseMode, leave, km.Import}},
		}
	}
	return keys.Help{
		// The way on first: a narrow footer leaves out what comes last.
		ShortKeys: []key.Binding{km.ChooseMode, km.Toggle, km.ArrowUp, km.ArrowDown, km.Pane, km.SelectAll, back},
		Groups: [][]key.Binding{{km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown},
			{km.Toggle, km.SelectAll, km.ClearSelection, km.Pane},
			{km.Import, km.Paste, km.ChooseMode, back}},
	}
}

func (u *usersPage) Init() tea.Cmd { return u.input.Focus() }

func (u *usersPage) SetSize(w, h int) {
	u.width, u.height = w, h
	u.layout()
}

// compactPane is how many selected ids show under the hits while the search has the
// keys; tab gives the pane the page.
const compactPane = 3

// layout shares the page: the field and its status line on top, the selection pane
// (its summary and a few ids, or most of the page when it has the keys), the hits in
// between.
func (u *usersPage) layout() {
	top := 1 + max(len(u.errLines()), 1)
	u.arrangePane()
	paneRows := 0
	if n := u.paneItems(); n > 0 {
		for p := range min(n, compactPane) {
			paneRows += len(u.paneRow(p, false))
		}
		if n > compactPane {
			paneRows++ // the "↓ n more" line
		}
		paneRows = min(paneRows, max((u.height-top-1)/2, 2))
	}
	if u.inPane {
		paneRows = max(u.height-top-1-2, 1) // two lines of hits stay in sight
	}
	u.pane.SetItems(u.paneItems())
	u.pane.SetHeight(max(paneRows, 1))
	u.list.SetHeight(max(u.height-top-1-paneRows, 2))
}

// Selection returns the chosen ids in the order they were chosen.
func (u *usersPage) Selection() []string { return u.sel.ids }

func (u *usersPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	cmd, n := u.update(msg)
	u.layout()
	return cmd, n
}

func (u *usersPage) update(msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case searchTickMsg:
		if msg.seq != u.seq {
			return nil, nil
		}
		return u.startSearch(), nil
	case searchResultMsg:
		if msg.seq != u.seq {
			return nil, nil // an answer to an older query
		}
		u.search.Done()
		u.waiting = false
		u.hits, u.searchErr = nil, ""
		switch {
		case errors.Is(msg.err, backends.ErrNoSearch):
			u.noSearch = true
		case errors.Is(msg.err, context.Canceled):
		case msg.err != nil:
			u.searchErr = "search failed: " + cleanErr(msg.err)
		default:
			u.hits = msg.hits
			u.sel.remember(msg.hits)
		}
		u.list.SetItems(len(u.hits))
		u.list.SetCursor(0)
		u.moved = false
		if n := u.pendingEnters; n > 0 {
			u.pendingEnters = 0
			return u.enterOnHits(min(n-1, 1))
		}
		return nil, nil
	case importedMsg:
		if msg.err != "" {
			return toastBad(msg.err), nil
		}
		n := u.add(msg.users, msg.bad)
		return toast(fmt.Sprintf("imported %s from %s", plural(n, "user"), msg.path)), nil
	case tea.PasteMsg:
		return u.paste(msg)
	case tea.MouseWheelMsg:
		var cmd tea.Cmd
		if u.inPane {
			cmd, _ = u.pane.Update(msg)
		} else {
			cmd, _ = u.list.Update(msg)
			u.moved = true
		}
		return cmd, nil
	case tea.KeyPressMsg:
		return u.key(msg)
	}
	if cmd := u.search.Update(msg); cmd != nil {
		return cmd, nil
	}
	var cmd tea.Cmd
	if u.importing {
		u.path, cmd = u.path.Update(msg)
	} else {
		u.input, cmd = u.input.Update(msg)
	}
	return cmd, nil
}

// paste takes a list of ids (lines: LF, CRLF, or CR as tmux's paste-buffer -p sends
// them; or a CSV row): a single name with no separator is typed into the search.
func (u *usersPage) paste(msg tea.PasteMsg) (tea.Cmd, nav) {
	if u.importing {
		var cmd tea.Cmd
		u.path, cmd = u.path.Update(msg)
		return cmd, nil
	}
	text := strings.ReplaceAll(strings.ReplaceAll(msg.Content, "\r\n", "\n"), "\r", "\n")
	if one := strings.TrimSpace(text); !strings.ContainsAny(one, "\n\t;,") {
		u.inPane = false
		before := u.input.Value()
		u.input.SetValue(before + one)
		u.input.CursorEnd()
		return u.queryChanged(), nil
	}
	users, bad, err := userlist.Parse(strings.NewReader(text))
	if err != nil {
		return toastBad("could not read the pasted list: " + cleanErr(err)), nil
	}
	n := u.add(users, bad)
	return toast("added " + plural(n, "pasted user")), nil
}

func (u *usersPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := u.sh.keys
	if u.importing {
		return u.importKey(k), nil
	}
	if u.inPane && u.pane.Filtering() {
		return u.paneKey(k) // the pane's filter field has the keys, enter included
	}
	switch {
	case key.Matches(k, km.ChooseMode):
		return u.next()
	case key.Matches(k, km.ClearSelection):
		return u.clearSelection()
	case key.Matches(k, km.Import):
		if !u.sh.files {
			return toast("no file import here: the files would be the server's; paste the list instead"), nil
		}
		u.importing, u.inPane = true, false
		u.input.Blur()
		return u.path.Focus(), nil
	}
	if u.inPane {
		return u.paneKey(k)
	}
	switch {
	case key.Matches(k, km.Back):
		if u.input.Value() != "" {
			u.input.SetValue("")
			return u.queryChanged(), nil
		}
		return u.leave()
	case key.Matches(k, km.Pane):
		if u.paneItems() == 0 {
			return toast("nothing selected yet: space selects the hit under the cursor, or paste a list"), nil
		}
		u.inPane = true
		u.input.Blur()
		return nil, nil
	case key.Matches(k, km.Toggle) && u.picks():
		i, _ := u.list.Current()
		u.sel.toggle(u.hits[i].ID)
		u.sel.check(u.be, u.profile.p)
		return untoast(), nil // what the page said about the hits or the selection may no longer hold
	case key.Matches(k, km.Toggle) && strings.TrimSpace(u.input.Value()) == "":
		return nil, nil // nothing to select, nor a name to type a space into
	case key.Matches(k, km.SelectAll):
		switch {
		case len(u.hits) == 0 && u.waiting:
			return toast("still searching: ctrl+a selects the hits once they are in"), nil
		case len(u.hits) == 0:
			return toastBad("no hits to select: search first"), nil
		}
		var ids []string
		for _, h := range u.hits {
			ids = append(ids, h.ID)
		}
		n := u.add(ids, nil)
		return toast("selected " + plural(n, "more user")), nil
	}
	if cmd, ok := u.list.Update(k); ok {
		u.moved = true
		return cmd, nil
	}
	before := u.input.Value()
	var cmd tea.Cmd
	u.input, cmd = u.input.Update(k)
	if u.input.Value() != before {
		cmd = tea.Batch(cmd, u.queryChanged())
	}
	return cmd, nil
}

// picks reports whether space selects the hit under the cursor: the technician moved
// the cursor to it, or the search found one person. Among several hits the cursor sits
// where the search put it, and a space is part of a name being typed ("kim doe"):
// selecting the first hit then would pick someone nobody chose, as enter never does.
func (u *usersPage) picks() bool {
	_, ok := u.list.Current()
	return ok && (u.moved || len(u.hits) == 1)
}

// importKey is a key while the import field has the keys.
func (u *usersPage) importKey(k tea.KeyPressMsg) tea.Cmd {
	km := u.sh.keys
	switch {
	case key.Matches(k, km.Cancel):
		u.importing = false
		u.path.Blur()
		return u.input.Focus()
	case key.Matches(k, km.Open):
		u.importing = false
		u.path.Blur()
		return tea.Batch(u.input.Focus(), importFile(expandHome(u.sh, strings.TrimSpace(u.path.Value()))))
	}
	var cmd tea.Cmd
	u.path, cmd = u.path.Update(k)
	return cmd
}

// errLines is the search error as shown, wrapped to the width; nil when none shows.
func (u *usersPage) errLines() []string {
	if u.noSearch || u.search.Running() || u.searchErr == "" {
		return nil
	}
	return fit.WrapMax(u.searchErr, max(u.width, 20), maxErrorLines)
}

func (u *usersPage) View() string {
	th := u.sh.th
	w := u.width
	var b strings.Builder
	if u.importing {
		b.WriteString(u.path.View() + "\n")
	} else {
		b.WriteString(u.input.View() + "\n")
	}
	switch {
	case u.noSearch:
		b.WriteString(th.Warn.Render(fit.Cut("search not offered by this system: paste a list or import a file (ctrl+o)", w)) + "\n")
	case u.search.Running() || u.waiting:
		line := u.search.View()
		if line == "" {
			line = "  searching…"
		}
		if u.pendingEnters > 0 {
			line += th.Subtle.Render(" enter goes on when the hits are in")
		}
		b.WriteString(fit.Cut(line, w) + "\n")
	case u.searchErr != "":
		for _, l := range u.errLines() {
			b.WriteString(th.Failed.Render(l) + "\n")
		}
	case strings.TrimSpace(u.input.Value()) != "" && len(u.hits) == 0:
		b.WriteString(th.Subtle.Render("no users found") + "\n")
	case len(u.hits) > 0:
		how := " · space selects"
		if !u.picks() {
			how = " · ↑/↓ then space selects"
		}
		b.WriteString(th.Subtle.Render(fit.Cut(plural(len(u.hits), "hit")+how+" · ctrl+a selects all · tab: the selection", w)) + "\n")
	default:
		b.WriteString(th.Subtle.Render(fit.Cut("type to search, or paste a list of ids", w)) + "\n")
	}
	idW := 16
	for _, h := range u.hits {
		idW = max(idW, min(fit.Width(h.shown), 28))
	}
	b.WriteString(fit.Height(u.list.View(func(i int, current bool) string {
		hit := u.hits[i]
		box := "[ ] "
		if u.sel.has[hit.ID] {
			box = "[x] "
		}
		line := box + fit.Pad(hit.shown, idW) + " " + fit.PadWords(hit.name, 22) + " "
		if about := fit.Words(hit.about, w-2-fit.Width(line)); about != fit.Ellipsis {
			line += about // no word of it fits: left out rather than a lone "…"
		}
		line = fit.Truncate(line, w-2)
		switch {
		case current && !u.inPane:
			return "> " + th.Cursor.Render(line)
		case u.sel.has[hit.ID]:
			return "  " + th.Selected.Render(line)
		}
		return "  " + line
	}), u.list.Height()))
	b.WriteByte('\n')
	b.WriteString(u.paneView())
	return b.String()
}
