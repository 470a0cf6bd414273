package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

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

// usersPage picks the users: search as you type, paste a list, import a file.
type usersPage struct {
	sh            *shared
	profile       *profile
	be            backends.Backend
	width, height int

	input  textinput.Model
	seq    int // bumped on every query change; stale answers are dropped
	cancel context.CancelFunc

	search    slow.Task
	noSearch  bool
	searchErr string
	hits      []hit
	list      list.Model

	selected map[string]bool
	order    []string           // selection in the order it was made
	invalid  []userlist.BadUser // selected ids the system would refuse (drawn: clean)
	dropped  []userlist.BadUser // pasted/imported lines that were not ids (drawn: clean)

	importing bool
	path      textinput.Model
}

type searchTickMsg struct{ seq int }
type searchResultMsg struct {
	seq  int
	hits []hit
	err  error
}
type importedMsg struct {
	path  string
	users []string
	bad   []userlist.BadUser
	err   string
}

func newUsersPage(sh *shared, p *profile, b backends.Backend) *usersPage {
	in := newTextInput()
	in.Prompt = "search: "
	in.Placeholder = "name, id or number"
	in.CharLimit = 200
	path := newTextInput()
	path.Prompt = "import file: "
	path.Placeholder = "users.csv or users.txt"
	// A system with no search says so from the start, not after the first keystrokes.
	if p.noSearch {
		in.Prompt = "ids: "
		in.Placeholder = "paste a list, or ctrl+o to import a file"
	}
	u := &usersPage{sh: sh, profile: p, be: b, input: in, path: path, selected: map[string]bool{},
		noSearch: p.noSearch, search: slow.NewTask(), list: sh.newList()}
	u.list.SetTyping(true)
	return u
}

func (u *usersPage) Title() string     { return "users" }
func (u *usersPage) Profile() *profile { return u.profile }
func (u *usersPage) Input() input {
	if u.importing {
		return inputOf(true, u.path.Value())
	}
	return inputOf(true, u.input.Value())
}
func (u *usersPage) Help() keys.Help {
	km := u.sh.keys
	importKey := keys.Named(km.Open, "import")
	if u.importing {
		return keys.Help{ShortKeys: []key.Binding{importKey, km.Back}, Groups: [][]key.Binding{{importKey, km.Back}}}
	}
	return keys.Help{
		ShortKeys: []key.Binding{km.ArrowUp, km.ArrowDown, km.Toggle, km.SelectAll, km.ChooseMode, km.Import, km.Back},
		Groups: [][]key.Binding{{km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown}, {km.Toggle, km.SelectAll, km.ClearSelection},
			{km.Import, km.Paste, km.ChooseMode, km.Back}},
	}
}

func (u *usersPage) Init() tea.Cmd { return u.input.Focus() }

func (u *usersPage) SetSize(w, h int) {
	u.width, u.height = w, h
	u.layout()
}

// layout gives the hits the page less the input, the status line (more than one when
// a search error wraps) and the selection summary.
func (u *usersPage) layout() {
	u.list.SetHeight(max(u.height-7-max(len(u.errLines()), 1), 3))
}

// Selection returns the chosen ids in the order they were chosen.
func (u *usersPage) Selection() []string { return u.order }

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
		u.hits, u.searchErr = nil, ""
		switch {
		case errors.Is(msg.err, backends.ErrNoSearch):
			u.noSearch = true
		case errors.Is(msg.err, context.Canceled):
		case msg.err != nil:
			u.searchErr = "search failed: " + cleanErr(msg.err)
		default:
			u.hits = msg.hits
		}
		u.list.SetItems(len(u.hits))
		u.list.SetCursor(0)
		return nil, nil
	case importedMsg:
		if msg.err != "" {
			return toastBad(msg.err), nil
		}
		n := u.add(msg.users, msg.bad)
		return toast(fmt.Sprintf("imported %s from %s", plural(n, "user"), msg.path)), nil
	case tea.PasteMsg:
		if u.importing {
			var cmd tea.Cmd
			u.path, cmd = u.path.Update(msg)
			return cmd, nil
		}
		users, bad, err := userlist.Parse(strings.NewReader(msg.Content))
		if err != nil {
			return toastBad("could not read the pasted list: " + err.Error()), nil
		}
		n := u.add(users, bad)
		return toast("added " + plural(n, "pasted user")), nil
	case tea.MouseWheelMsg:
		cmd, _ := u.list.Update(msg)
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

func (u *usersPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := u.sh.keys
	if u.importing {
		switch {
		case key.Matches(k, km.Back):
			u.importing = false
			u.path.Blur()
			return u.input.Focus(), nil
		case key.Matches(k, km.Open):
			u.importing = false
			u.path.Blur()
			return tea.Batch(u.input.Focus(), importFile(strings.TrimSpace(u.path.Value()))), nil
		}
		var cmd tea.Cmd
		u.path, cmd = u.path.Update(k)
		return cmd, nil
	}
	switch {
	case key.Matches(k, km.Back):
		u.stopSearch()
		return nil, back{}
	case key.Matches(k, km.Toggle):
		if i, ok := u.list.Current(); ok {
			u.toggle(u.hits[i].ID)
		}
		return nil, nil
	case key.Matches(k, km.SelectAll):
		var ids []string
		for _, h := range u.hits {
			ids = append(ids, h.ID)
		}
		n := u.add(ids, nil)
		return toast("selected " + plural(n, "more user")), nil
	case key.Matches(k, km.ClearSelection):
		u.selected, u.order, u.invalid, u.dropped = map[string]bool{}, nil, nil, nil
		return nil, nil
	case key.Matches(k, km.Import):
		u.importing = true
		u.input.Blur()
		return u.path.Focus(), nil
	case key.Matches(k, km.ChooseMode):
		return u.next()
	}
	if cmd, ok := u.list.Update(k); ok {
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

// queryChanged cancels the search in flight and schedules one after the debounce.
func (u *usersPage) queryChanged() tea.Cmd {
	u.seq++
	u.stopSearch()
	seq := u.seq
	if strings.TrimSpace(u.input.Value()) == "" || u.noSearch {
		u.hits = nil
		u.list.SetItems(0)
		return nil
	}
	return tea.Tick(searchDebounce, func(time.Time) tea.Msg { return searchTickMsg{seq} })
}

func (u *usersPage) stopSearch() {
	if u.cancel != nil {
		u.cancel()
		u.cancel = nil
	}
	u.search.Done()
}

func (u *usersPage) startSearch() tea.Cmd {
	ctx, cancel := context.WithTimeout(u.sh.ctx, openTimeout)
	u.cancel = cancel
	seq, q, be := u.seq, strings.TrimSpace(u.input.Value()), u.be
	return u.search.Start("searching", func() tea.Msg {
		users, err := be.Search(ctx, q, searchLimit)
		return searchResultMsg{seq, newHits(users), err}
	})
}

func importFile(path string) tea.Cmd {
	return func() tea.Msg {
		shown := clean(path)
		if path == "" {
			return importedMsg{err: "no file named: type the path of a CSV or TXT file"}
		}
		f, err := os.Open(path)
		if err != nil {
			return importedMsg{err: fmt.Sprintf("cannot open %s: %s", shown, cleanErr(errors.Unwrap(err)))}
		}
		defer f.Close()
		users, bad, err := userlist.Parse(f)
		if err != nil {
			return importedMsg{err: fmt.Sprintf("cannot read %s: %s", shown, cleanErr(err))}
		}
		return importedMsg{path: shown, users: users, bad: bad}
	}
}

func (u *usersPage) toggle(id string) {
	if u.selected[id] {
		delete(u.selected, id)
		for i, s := range u.order {
			if s == id {
				u.order = append(u.order[:i:i], u.order[i+1:]...)
				break
			}
		}
	} else {
		u.selected[id] = true
		u.order = append(u.order, id)
	}
	u.validate()
}

// add selects ids not yet selected and keeps the refused lines to show; it returns how
// many were added.
func (u *usersPage) add(ids []string, bad []userlist.BadUser) int {
	n := 0
	for _, id := range ids {
		if !u.selected[id] {
			u.selected[id] = true
			u.order = append(u.order, id)
			n++
		}
	}
	u.dropped = cleanBad(bad)
	u.validate()
	return n
}

func (u *usersPage) validate() { u.invalid = cleanBad(userlist.Validate(u.be, u.order)) }

func (u *usersPage) next() (tea.Cmd, nav) {
	if typed := strings.TrimSpace(u.input.Value()); u.noSearch && typed != "" {
		// Nothing to search: what was typed is ids, taken like a paste.
		users, bad, err := userlist.Parse(strings.NewReader(typed))
		if err != nil {
			return toastBad("could not read the typed ids: " + err.Error()), nil
		}
		u.add(users, bad)
		u.input.SetValue("")
	}
	if i, ok := u.list.Current(); len(u.order) == 0 && ok {
		u.toggle(u.hits[i].ID) // enter on a hit with nothing selected: just that user
	}
	switch {
	case len(u.order) == 0:
		return toastBad("select at least one user: search and press space, or paste a list"), nil
	case len(u.invalid) > 0:
		return toastBad(fmt.Sprintf("%s refused: remove them first (ctrl+x clears)", plural(len(u.invalid), "invalid id"))), nil
	}
	u.stopSearch()
	return nil, push{newModePage(u.sh, u.profile, u.be, append([]string(nil), u.order...))}
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
		b.WriteString(th.Warn.Render(fit.Truncate("search not offered by this system: paste a list or import a file (ctrl+o)", w)) + "\n")
	case u.search.Running():
		b.WriteString(u.search.View() + "\n")
	case u.searchErr != "":
		for _, l := range u.errLines() {
			b.WriteString(th.Failed.Render(l) + "\n")
		}
	case strings.TrimSpace(u.input.Value()) != "" && len(u.hits) == 0:
		b.WriteString(th.Subtle.Render("no users found") + "\n")
	case len(u.hits) > 0:
		b.WriteString(th.Subtle.Render(fmt.Sprintf("%s · space selects · ctrl+a selects all shown", plural(len(u.hits), "hit"))) + "\n")
	default:
		b.WriteString(th.Subtle.Render("type to search, or paste a list of ids") + "\n")
	}
	b.WriteString(fit.Height(u.list.View(func(i int, current bool) string {
		hit := u.hits[i]
		box := "[ ] "
		if u.selected[hit.ID] {
			box = "[x] "
		}
		line := fit.Truncate(box+fit.Pad(hit.shown, 16)+" "+fit.Pad(hit.name, 22)+" "+hit.about, w-2)
		switch {
		case current:
			return "> " + th.Cursor.Render(line)
		case u.selected[hit.ID]:
			return "  " + th.Selected.Render(line)
		}
		return "  " + line
	}), u.list.Height()))
	b.WriteByte('\n')
	b.WriteString(u.selectionSummary())
	return b.String()
}

func (u *usersPage) selectionSummary() string {
	th := u.sh.th
	w := u.width
	var b strings.Builder
	if len(u.order) == 0 {
		b.WriteString(th.Subtle.Render("selected: none"))
	} else {
		shown := strings.Join(u.order[:min(len(u.order), 8)], ", ")
		if len(u.order) > 8 {
			shown += ", …"
		}
		b.WriteString(fit.Truncate(th.Selected.Render(fmt.Sprintf("selected: %d", len(u.order)))+"  "+clean(shown), w))
	}
	if len(u.invalid) > 0 {
		b.WriteString("\n" + th.Failed.Render(fit.Truncate(fmt.Sprintf("%s: %s", plural(len(u.invalid), "invalid id"), badList(u.invalid)), w)))
	}
	if len(u.dropped) > 0 {
		b.WriteString("\n" + th.Warn.Render(fit.Truncate(fmt.Sprintf("%s skipped: %s", plural(len(u.dropped), "line"), badList(u.dropped)), w)))
	}
	return b.String()
}

// cleanBad is bad with every id and reason safe to draw (they came from a paste, a
// file or a server's rules).
func cleanBad(bad []userlist.BadUser) []userlist.BadUser {
	out := make([]userlist.BadUser, len(bad))
	for i, b := range bad {
		out[i] = userlist.BadUser{Line: b.Line, ID: clean(b.ID), Err: errors.New(cleanErr(b.Err))}
	}
	return out
}

func badList(bad []userlist.BadUser) string {
	var parts []string
	for i, b := range bad {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bad)-3))
			break
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}
