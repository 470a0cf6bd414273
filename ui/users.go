package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
	"resetdesk/sanitize"
)

// searchLimit bounds the hits asked for per search.
const searchLimit = 500

// usersPage picks the users: search as you type, paste a list, import a file.
type usersPage struct {
	sh      *shared
	profile backends.Profile
	be      backends.Backend

	input  textinput.Model
	seq    int // bumped on every query change; stale answers are dropped
	cancel context.CancelFunc

	searching bool
	noSearch  bool
	searchErr string
	spin      spinner.Model
	hits      []backends.User
	cursor    int
	win       window

	selected map[string]bool
	order    []string           // selection in the order it was made
	invalid  []userlist.BadUser // selected ids the system would refuse
	dropped  []userlist.BadUser // pasted/imported lines that were not ids

	importing bool
	path      textinput.Model
}

type searchTickMsg struct{ seq int }
type searchResultMsg struct {
	seq   int
	users []backends.User
	err   error
}
type importedMsg struct {
	path  string
	users []string
	bad   []userlist.BadUser
	err   error
}

func newUsersPage(sh *shared, p backends.Profile, b backends.Backend) *usersPage {
	in := newTextInput()
	in.Prompt = "search: "
	in.Placeholder = "name, id or number"
	in.CharLimit = 200
	path := newTextInput()
	path.Prompt = "import file: "
	path.Placeholder = "users.csv or users.txt"
	// A system with no search says so from the start, not after the first keystrokes.
	k, _ := backends.Lookup(p.Kind)
	if k.NoSearch {
		in.Prompt = "ids: "
		in.Placeholder = "paste a list, or ctrl+o to import a file"
	}
	return &usersPage{sh: sh, profile: p, be: b, input: in, path: path, selected: map[string]bool{},
		noSearch: k.NoSearch, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (u *usersPage) Title() string { return sanitize.Line(u.profile.Name) + " · users" }
func (u *usersPage) Typing() bool  { return true }
func (u *usersPage) Keys() keyMap {
	if u.importing {
		return keyMap{short: []key2{bind("enter", "import", "enter"), kBack}, full: [][]key2{{bind("enter", "import", "enter"), kBack}}}
	}
	return keyMap{
		short: []key2{kUp, kDown, kToggle, kAll, kEnter, kImport, kBack},
		full: [][]key2{{kUp, kDown, kPgUp, kPgDown}, {kToggle, kAll, kClear},
			{kImport, bind("paste", "add a list", "paste"), kEnter, kBack, kCtrlC}},
	}
}

func (u *usersPage) Init() tea.Cmd { return u.input.Focus() }

// Selection returns the chosen ids in the order they were chosen.
func (u *usersPage) Selection() []string { return u.order }

func (u *usersPage) Update(msg tea.Msg) (page, tea.Cmd) {
	p, cmd := u.update(msg)
	u.win.follow(u.cursor, u.listHeight())
	return p, cmd
}

func (u *usersPage) update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case searchTickMsg:
		if msg.seq != u.seq {
			return u, nil
		}
		return u, u.search()
	case searchResultMsg:
		if msg.seq != u.seq {
			return u, nil // an answer to an older query
		}
		u.searching = false
		u.hits, u.cursor, u.win, u.searchErr = nil, 0, window{}, ""
		switch {
		case errors.Is(msg.err, backends.ErrNoSearch):
			u.noSearch = true
		case errors.Is(msg.err, context.Canceled):
		case msg.err != nil:
			u.searchErr = "search failed: " + sanitize.Line(msg.err.Error())
		default:
			for _, h := range msg.users {
				u.hits = append(u.hits, backends.User{ID: sanitize.Line(h.ID), Name: sanitize.Line(h.Name), Detail: sanitize.Line(h.Detail)})
			}
		}
		return u, nil
	case spinner.TickMsg:
		if u.searching {
			var cmd tea.Cmd
			u.spin, cmd = u.spin.Update(msg)
			return u, cmd
		}
		return u, nil
	case importedMsg:
		if msg.err != nil {
			return u, toastBad(msg.err.Error())
		}
		n := u.add(msg.users, msg.bad)
		return u, toast(fmt.Sprintf("imported %s from %s", plural(n, "user"), msg.path))
	case tea.PasteMsg:
		if u.importing {
			var cmd tea.Cmd
			u.path, cmd = u.path.Update(msg)
			return u, cmd
		}
		users, bad, err := userlist.Parse(strings.NewReader(msg.Content))
		if err != nil {
			return u, toastBad("could not read the pasted list: " + err.Error())
		}
		n := u.add(users, bad)
		return u, toast("added " + plural(n, "pasted user"))
	case tea.KeyPressMsg:
		return u.key(msg)
	}
	var cmd tea.Cmd
	if u.importing {
		u.path, cmd = u.path.Update(msg)
	} else {
		u.input, cmd = u.input.Update(msg)
	}
	return u, cmd
}

func (u *usersPage) key(k tea.KeyPressMsg) (page, tea.Cmd) {
	if u.importing {
		switch {
		case matches(k, kBack):
			u.importing = false
			u.path.Blur()
			return u, u.input.Focus()
		case matches(k, kEnter):
			u.importing = false
			u.path.Blur()
			return u, tea.Batch(u.input.Focus(), importFile(strings.TrimSpace(u.path.Value())))
		}
		var cmd tea.Cmd
		u.path, cmd = u.path.Update(k)
		return u, cmd
	}
	switch {
	case matches(k, kBack):
		u.stopSearch()
		return u, u.sh.nav(backMsg{})
	case matches(k, kUp):
		u.moveCursor(-1)
	case matches(k, kDown):
		u.moveCursor(1)
	case matches(k, kPgUp):
		u.moveCursor(-u.listHeight())
	case matches(k, kPgDown):
		u.moveCursor(u.listHeight())
	case matches(k, kToggle):
		if len(u.hits) > 0 {
			u.toggle(u.hits[u.cursor].ID)
		}
	case matches(k, kAll):
		var ids []string
		for _, h := range u.hits {
			ids = append(ids, h.ID)
		}
		n := u.add(ids, nil)
		return u, toast("selected " + plural(n, "more user"))
	case matches(k, kClear):
		u.selected, u.order, u.invalid, u.dropped = map[string]bool{}, nil, nil, nil
	case matches(k, kImport):
		u.importing = true
		u.input.Blur()
		return u, u.path.Focus()
	case matches(k, kEnter):
		return u, u.next()
	default:
		before := u.input.Value()
		var cmd tea.Cmd
		u.input, cmd = u.input.Update(k)
		if u.input.Value() != before {
			cmd = tea.Batch(cmd, u.queryChanged())
		}
		return u, cmd
	}
	return u, nil
}

// queryChanged cancels the search in flight and schedules one after the debounce.
func (u *usersPage) queryChanged() tea.Cmd {
	u.seq++
	u.stopSearch()
	seq := u.seq
	if strings.TrimSpace(u.input.Value()) == "" || u.noSearch {
		u.hits, u.cursor, u.win = nil, 0, window{}
		return nil
	}
	return tea.Tick(searchDebounce, func(time.Time) tea.Msg { return searchTickMsg{seq} })
}

func (u *usersPage) stopSearch() {
	if u.cancel != nil {
		u.cancel()
		u.cancel = nil
	}
	u.searching = false
}

func (u *usersPage) search() tea.Cmd {
	ctx, cancel := context.WithTimeout(u.sh.ctx, openTimeout)
	u.cancel = cancel
	u.searching = true
	seq, q, be := u.seq, strings.TrimSpace(u.input.Value()), u.be
	return tea.Batch(u.spin.Tick, func() tea.Msg {
		users, err := be.Search(ctx, q, searchLimit)
		return searchResultMsg{seq, users, err}
	})
}

func importFile(path string) tea.Cmd {
	return func() tea.Msg {
		if path == "" {
			return importedMsg{err: errors.New("no file named: type the path of a CSV or TXT file")}
		}
		f, err := os.Open(path)
		if err != nil {
			return importedMsg{err: fmt.Errorf("cannot open %s: %w", sanitize.Line(path), errors.Unwrap(err))}
		}
		defer f.Close()
		users, bad, err := userlist.Parse(f)
		if err != nil {
			return importedMsg{err: fmt.Errorf("cannot read %s: %v", sanitize.Line(path), err)}
		}
		return importedMsg{path: sanitize.Line(path), users: users, bad: bad}
	}
}

func (u *usersPage) moveCursor(d int) {
	u.cursor = min(max(u.cursor+d, 0), max(len(u.hits)-1, 0))
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
	u.dropped = bad
	u.validate()
	return n
}

func (u *usersPage) validate() { u.invalid = userlist.Validate(u.be, u.order) }

func (u *usersPage) next() tea.Cmd {
	if typed := strings.TrimSpace(u.input.Value()); u.noSearch && typed != "" {
		// Nothing to search: what was typed is ids, taken like a paste.
		users, bad, err := userlist.Parse(strings.NewReader(typed))
		if err != nil {
			return toastBad("could not read the typed ids: " + err.Error())
		}
		u.add(users, bad)
		u.input.SetValue("")
	}
	if len(u.order) == 0 && len(u.hits) > 0 {
		u.toggle(u.hits[u.cursor].ID) // enter on a hit with nothing selected: just that user
	}
	switch {
	case len(u.order) == 0:
		return toastBad("select at least one user: search and press space, or paste a list")
	case len(u.invalid) > 0:
		return toastBad(fmt.Sprintf("%s refused: remove them first (ctrl+x clears)", plural(len(u.invalid), "invalid id")))
	}
	u.stopSearch()
	return u.sh.nav(pushMsg{newModePage(u.sh, u.profile, u.be, append([]string(nil), u.order...))})
}

// listHeight is how many hits fit: the page less the input, the status line (more
// than one when a search error wraps) and the selection summary.
func (u *usersPage) listHeight() int { return max(u.sh.height-7-max(len(u.errLines()), 1), 3) }

// errLines is the search error as shown, wrapped to the width; nil when none shows.
func (u *usersPage) errLines() []string {
	if u.noSearch || u.searching || u.searchErr == "" {
		return nil
	}
	return wrapError(u.searchErr, u.sh.width)
}

func (u *usersPage) View() string {
	th := u.sh.th
	w := u.sh.width
	var b strings.Builder
	if u.importing {
		b.WriteString(u.path.View() + "\n")
	} else {
		b.WriteString(u.input.View() + "\n")
	}
	switch {
	case u.noSearch:
		b.WriteString(th.Warn.Render("search not offered by this system: paste a list or import a file (ctrl+o)") + "\n")
	case u.searching:
		b.WriteString(u.spin.View() + " searching…\n")
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
	h := u.listHeight()
	from, end := u.win.span(len(u.hits), h)
	for i := from; i < end; i++ {
		hit := u.hits[i]
		box := "[ ] "
		if u.selected[hit.ID] {
			box = "[x] "
		}
		line := box + fmt.Sprintf("%-16s %-22s %s", hit.ID, ansi.Truncate(hit.Name, 22, "…"), hit.Detail)
		line = ansi.Truncate(line, w-2, "…")
		switch {
		case i == u.cursor:
			b.WriteString("> " + th.Cursor.Render(line))
		case u.selected[hit.ID]:
			b.WriteString("  " + th.Selected.Render(line))
		default:
			b.WriteString("  " + line)
		}
		b.WriteByte('\n')
	}
	for i := end - from; i < h; i++ {
		b.WriteByte('\n')
	}
	b.WriteString(u.selectionSummary())
	return b.String()
}

func (u *usersPage) selectionSummary() string {
	th := u.sh.th
	w := u.sh.width
	var b strings.Builder
	if len(u.order) == 0 {
		b.WriteString(th.Subtle.Render("selected: none"))
	} else {
		shown := strings.Join(u.order[:min(len(u.order), 8)], ", ")
		if len(u.order) > 8 {
			shown += ", …"
		}
		b.WriteString(ansi.Truncate(th.Selected.Render(fmt.Sprintf("selected: %d", len(u.order)))+"  "+sanitize.Line(shown), w, "…"))
	}
	if len(u.invalid) > 0 {
		b.WriteString("\n" + th.Failed.Render(ansi.Truncate(fmt.Sprintf("%s: %s", plural(len(u.invalid), "invalid id"), badList(u.invalid)), w, "…")))
	}
	if len(u.dropped) > 0 {
		b.WriteString("\n" + th.Warn.Render(ansi.Truncate(fmt.Sprintf("%s skipped: %s", plural(len(u.dropped), "line"), badList(u.dropped)), w, "…")))
	}
	return b.String()
}

func badList(bad []userlist.BadUser) string {
	var parts []string
	for i, b := range bad {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bad)-3))
			break
		}
		parts = append(parts, sanitize.Line(b.String()))
	}
	return strings.Join(parts, "; ")
}
