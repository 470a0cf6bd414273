package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
)

func newTestUsersPage(sh *shared, p backends.Profile) *usersPage {
	return sized(newUsersPage(sh, fakeProfile(p), &fakeBackend{}), 80, 20)
}

func TestUsersSearchSelectAndStaleAnswers(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "p"})
	u.Init()
	for _, k := range []string{"j", "o"} {
		u.Update(press(k))
	}
	if u.seq != 2 {
		t.Fatalf("seq %d after two keys", u.seq)
	}
	// The debounce tick of the first key is stale: no search.
	if cmd, _ := u.Update(searchTickMsg{seq: 1}); cmd != nil {
		t.Fatal("a stale debounce tick started a search")
	}
	cmd, _ := u.Update(searchTickMsg{seq: 2})
	if cmd == nil || !u.search.Running() {
		t.Fatal("the current debounce tick did not search")
	}
	cancelled := u.cancel
	u.Update(press("e")) // the query changes: the search in flight is cancelled
	if u.cancel != nil || cancelled == nil {
		t.Fatal("search in flight not cancelled")
	}
	u.Update(searchResultMsg{seq: 2, hits: newHits([]backends.User{{ID: "old"}})})
	if len(u.hits) != 0 {
		t.Fatal("an answer to an old query was shown")
	}
	u.Update(searchResultMsg{seq: 3, hits: newHits([]backends.User{{ID: "joe1", Name: "One \x1b]52;c;aGk=\x07"}, {ID: "joe2"}})})
	if strings.Contains(u.View(), "\x1b]52") {
		t.Fatal("a server string reached the screen unsanitized")
	}
	u.Update(press("down")) // of two hits, space selects the one the cursor was moved to
	u.Update(press("up"))
	u.Update(press("space"))
	if got := u.Selection(); len(got) != 1 || got[0] != "joe1" {
		t.Fatalf("space selected %v", got)
	}
	if strings.Contains(u.input.Value(), " ") {
		t.Fatal("space typed into the query")
	}
	u.Update(press("ctrl+a"))
	if len(u.Selection()) != 2 {
		t.Fatalf("select all: %v", u.Selection())
	}
	n := navOf(u.Update(press("enter")))
	if p, ok := n.(push); !ok {
		t.Fatalf("enter did not go to the mode page: %#v", n)
	} else if _, ok := p.p.(*modePage); !ok {
		t.Fatalf("enter went to %T", p.p)
	}
}

func TestUsersPasteFlagsInvalidAndNoSearch(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "p"})
	u.Update(tea.PasteMsg{Content: "alice\nbob\n\nalice\nbad\x01id\n"})
	if got := u.Selection(); len(got) != 2 || got[0] != "alice" || got[1] != "bob" {
		t.Fatalf("paste selected %v", got)
	}
	if len(u.sel.dropped) != 1 || !strings.Contains(ansi.Strip(u.View()), "1 line skipped") {
		t.Fatalf("the bad pasted line is not flagged:\n%s", ansi.Strip(u.View()))
	}
	u.Update(searchResultMsg{seq: 0, err: backends.ErrNoSearch})
	if !strings.Contains(ansi.Strip(u.View()), "search not offered by this system") {
		t.Fatal("no-search not explained")
	}
}

// A system with no search says so before anything is typed, and takes typed ids.
func TestUsersWithoutSearchTakeTypedIDs(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "p", Kind: "prm"})
	if v := ansi.Strip(u.View()); !strings.Contains(v, "search not offered by this system") {
		t.Fatalf("no-search not said up front:\n%s", v)
	}
	u.Init()
	typeText(u, "kim.lee")
	n := navOf(u.Update(press("enter")))
	if got := u.Selection(); len(got) != 1 || got[0] != "kim.lee" {
		t.Fatalf("typed id not taken: %v", got)
	}
	if _, ok := n.(push); !ok {
		t.Fatalf("enter did not go on to the modes: %#v", n)
	}
}

func TestUsersImportFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.csv")
	if err := os.WriteFile(path, []byte("user,name\ncarol,C\ndave,D\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msg := importFile(path)()
	u := newTestUsersPage(testShared(), backends.Profile{})
	u.Update(msg)
	if got := u.Selection(); len(got) != 2 || got[0] != "carol" {
		t.Fatalf("import selected %v", got)
	}
	if m := importFile(filepath.Join(t.TempDir(), "none.txt"))().(importedMsg); !strings.Contains(m.err, "cannot open") {
		t.Fatalf("missing file: %q", m.err)
	}
}

// A long search error shows in full at 80 columns, and the page still fits.
func TestUsersSearchErrorWraps(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "lab"})
	u.input.SetValue("x")
	u.seq = 1
	u.Update(searchResultMsg{seq: 1, err: errors.New(longErr)})
	u.Update(importedMsg{users: []string{"a", "b"}, bad: []userlist.BadUser{{Line: 3, ID: "?", Err: errors.New("not an id")}}})
	v := u.View()
	if !strings.Contains(ansi.Strip(v), "lastword") {
		t.Fatalf("the search error is cut:\n%s", ansi.Strip(v))
	}
	bodyFits(t, 80, 20, v)
}

// The hits' window moves in Update, with the cursor and the room: View moves nothing.
func TestUsersListMovesInUpdateNotView(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "lab"})
	u.input.SetValue("x")
	u.seq = 1
	var hits []backends.User
	for i := range 40 {
		hits = append(hits, backends.User{ID: fmt.Sprintf("u%02d", i)})
	}
	u.Update(searchResultMsg{seq: 1, hits: newHits(hits)})
	for range 30 {
		u.Update(press("down"))
	}
	from, _ := u.list.Span()
	if from == 0 || !strings.Contains(u.View(), hits[30].ID) {
		t.Fatalf("users: window at %d", from)
	}
	if f, _ := u.list.Span(); f != from {
		t.Fatal("View moved the window")
	}
	u.SetSize(80, 12)
	if f, _ := u.list.Span(); f <= from || !strings.Contains(u.View(), hits[30].ID) {
		t.Fatalf("a smaller page did not move the window: %d", f)
	}
}
