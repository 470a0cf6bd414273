package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
)

// directory is a system whose search finds the users whose id starts with the query.
type directory struct {
	fakeBackend
	ids []string
}

func (d *directory) Search(_ context.Context, q string, _ int) ([]backends.User, error) {
	var out []backends.User
	for _, id := range d.ids {
		if strings.HasPrefix(id, q) {
			out = append(out, backends.User{ID: id, Name: "Name of " + id})
		}
	}
	return out, nil
}

// usersOn opens the users page of profile p on be in a console driven like a program.
func usersOn(t *testing.T, p backends.Profile, be backends.Backend, w, h int) (*driver, *usersPage) {
	t.Helper()
	old := searchDebounce
	searchDebounce = time.Millisecond
	t.Cleanup(func() { searchDebounce = old })
	d := newDriver(t, New(context.Background(), &testDesk{}), w, h)
	u := newUsersPage(d.c.sh, fakeProfile(p), be)
	d.run(d.c.apply(push{p: u}))
	return d, u
}

func (d *driver) typed(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// Item 3: a user picked with enter and left on the mode page is not selected behind
// the technician's back: back on the users page, a new search and enter reset only the
// new user.
func TestUsersBackFromModeKeepsOnlyWhatWasSelected(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "emm"}, &directory{ids: []string{"cgarcia", "bdoe"}}, 80, 24)
	d.typed("cgarcia")
	d.until("the hit", func() bool { return len(u.hits) == 1 })
	d.keys("enter")
	if m, ok := d.c.top().(*modePage); !ok || len(m.users) != 1 || m.users[0] != "cgarcia" {
		t.Fatalf("enter on the hit went to %T", d.c.top())
	}
	d.keys("esc")
	if d.c.top() != page(u) {
		t.Fatalf("esc from the mode page went to %T", d.c.top())
	}
	if len(u.Selection()) != 0 || !strings.Contains(d.screen(), "selected: none") {
		t.Fatalf("back on the users page cgarcia is selected: %v\n%s", u.Selection(), d.screen())
	}
	for range len("cgarcia") {
		d.keys("backspace")
	}
	d.typed("bdoe")
	d.until("the new hit", func() bool { return len(u.hits) == 1 && u.hits[0].ID == "bdoe" })
	d.keys("enter")
	m, ok := d.c.top().(*modePage)
	if !ok || len(m.users) != 1 || m.users[0] != "bdoe" {
		t.Fatalf("enter went on with %v", m.users)
	}
}

// Item 4: tmux's paste-buffer -p turns line feeds into carriage returns.
func TestUsersPasteSplitsCarriageReturns(t *testing.T) {
	for _, sep := range []string{"\r", "\r\n", "\n"} {
		u := newTestUsersPage(testShared(), backends.Profile{Name: "p"})
		u.Update(tea.PasteMsg{Content: strings.Join([]string{"alice", "bob", "carol"}, sep) + sep})
		if got := u.Selection(); len(got) != 3 || got[2] != "carol" {
			t.Fatalf("%q-separated paste selected %q", sep, got)
		}
	}
}

// A one-line paste with no separator is a name to search for, not an id: "Ben Doe".
func TestUsersOneLinePasteIsASearch(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{ids: []string{"Ben Doe"}}, 80, 24)
	d.send(tea.PasteMsg{Content: "Ben Doe"})
	if len(u.Selection()) != 0 || u.input.Value() != "Ben Doe" {
		t.Fatalf("paste of a name: selected %v, query %q", u.Selection(), u.input.Value())
	}
	d.until("the search", func() bool { return len(u.hits) == 1 })
}

// Item 7: the profile's own login and its protected accounts are refused on the users
// page as they are selected, with the reason; enter does not go on.
func TestUsersMarksProtectedAccountsAsTheyAreSelected(t *testing.T) {
	p := backends.Profile{Name: "emm", Username: "admin", Protected: []string{"svc-*"}}
	d, u := usersOn(t, p, &directory{ids: []string{"admin", "alice", "svc-backup"}}, 100, 30)
	d.typed("a")
	d.until("the hits", func() bool { return len(u.hits) == 2 })
	d.keys("ctrl+a")
	scr := d.screen()
	if !strings.Contains(scr, "profile's own login") || !strings.Contains(scr, "1 refused") {
		t.Fatalf("admin not refused as it was selected:\n%s", scr)
	}
	d.send(tea.PasteMsg{Content: "svc-backup\nbob\n"})
	if scr := d.screen(); !strings.Contains(scr, "2 refused") || !strings.Contains(scr, "protected") {
		t.Fatalf("svc-backup not refused:\n%s", scr)
	}
	d.keys("enter")
	if d.c.top() != page(u) || !strings.Contains(d.screen(), "refused") {
		t.Fatalf("enter went on with refused ids:\n%s", d.screen())
	}
}

// Item 8: the selection pane lists every selected id and the skipped lines with their
// numbers; a refused id is removed alone, the good ones stay.
func TestSelectionPaneRemovesRefusedIDsOneByOne(t *testing.T) {
	p := backends.Profile{Name: "emm", Username: "admin"}
	d, u := usersOn(t, p, &directory{}, 80, 24)
	var ids []string
	for i := range 47 {
		ids = append(ids, fmt.Sprintf("user%02d", i))
	}
	list := strings.Join(ids[:30], "\n") + "\nadmin\nbad\x01id\n" + strings.Join(ids[30:], "\n") + "\n"
	d.send(tea.PasteMsg{Content: list})
	if len(u.Selection()) != 48 {
		t.Fatalf("selected %d", len(u.Selection()))
	}
	d.keys("tab")
	if scr := d.screen(); !strings.Contains(scr, "line 32") || !strings.Contains(scr, "> ✗ admin") {
		t.Fatalf("the refused id and the skipped line (with its number) are not first:\n%s", scr)
	}
	d.keys("G")
	if !strings.Contains(d.screen(), "user46") {
		t.Fatalf("the pane does not reach the last id:\n%s", d.screen())
	}
	d.keys("g", "d")
	if got := u.Selection(); len(got) != 47 || strings.Contains(strings.Join(got, ","), "admin") {
		t.Fatalf("d removed the wrong id: %d left", len(got))
	}
	d.keys("enter")
	if m, ok := d.c.top().(*modePage); !ok || len(m.users) != 47 {
		t.Fatalf("enter after the removal went to %T", d.c.top())
	}
}

// Every refused id goes at once with D.
func TestSelectionPaneRemovesEveryRefusedID(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "emm", Username: "admin", Protected: []string{"root"}}, &directory{}, 80, 24)
	d.send(tea.PasteMsg{Content: "a\nadmin\nb\nroot\n"})
	d.keys("tab", "D")
	if got := u.Selection(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("D left %v", got)
	}
}

// Esc on the users page asks before it drops a selection.
func TestUsersEscAsksBeforeDroppingTheSelection(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{}, 80, 24)
	d.send(tea.PasteMsg{Content: "a\nb\nc\n"})
	d.keys("esc")
	if d.c.question == nil || !strings.Contains(d.c.question.text, "3 users") || d.c.top() != page(u) {
		t.Fatalf("esc did not ask (%v) on %T", d.c.question, d.c.top())
	}
	d.keys("n")
	if d.c.top() != page(u) || len(u.Selection()) != 3 {
		t.Fatal("n left the page or the selection")
	}
	d.keys("esc", "y")
	if _, ok := d.c.top().(*profilesPage); !ok {
		t.Fatalf("yes went to %T", d.c.top())
	}
}

// Enter while the search is still running waits for it: one hit goes on with it, more
// say which to pick, and "select at least one user" is never said meanwhile.
func TestUsersEnterDuringSearchWaitsForIt(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{ids: []string{"bdoe", "cdoe", "cdoe2"}}, 80, 24)
	old := searchDebounce
	searchDebounce = time.Hour // enter comes long before the debounce
	defer func() { searchDebounce = old }()
	d.typed("bdoe")
	d.keys("enter")
	if strings.Contains(d.screen(), "select at least one user") {
		t.Fatalf("enter during the search said nothing is selected:\n%s", d.screen())
	}
	d.until("the mode page", func() bool { _, ok := d.c.top().(*modePage); return ok })
	if m := d.c.top().(*modePage); len(m.users) != 1 || m.users[0] != "bdoe" {
		t.Fatalf("went on with %v", m.users)
	}
	d.keys("esc")
	for range 4 {
		d.keys("backspace")
	}
	d.typed("cdoe")
	d.keys("enter")
	d.until("the hits", func() bool { return len(u.hits) == 2 })
	if d.c.top() != page(u) || !strings.Contains(d.screen(), "2 hits") {
		t.Fatalf("two hits did not wait for a pick:\n%s", d.screen())
	}
}

// Enter never guesses: of several hits with the cursor where the search put it, enter
// says to pick one and stays; once the technician moved the cursor, enter takes that
// hit; one hit goes on at once.
func TestUsersEnterNeverGuessesAmongSeveralHits(t *testing.T) {
	ids := []string{"adoe", "bdoe", "cdoe", "ddoe", "edoe", "fdoe", "gdoe", "hdoe", "idoe", "jdoe", "kdoe", "ldoe"}
	var all []string
	for _, id := range ids {
		all = append(all, "doe-"+id)
	}
	d, u := usersOn(t, backends.Profile{Name: "odin"}, &directory{ids: append(all, "solo")}, 80, 24)
	d.typed("doe")
	d.until("the hits", func() bool { return len(u.hits) == 12 })
	d.keys("enter")
	d.until("the toast", func() bool {
		return strings.Contains(d.screen(), "12 hits — pick one (↑/↓ enter, space) or type more")
	})
	if d.c.top() != page(u) {
		t.Fatalf("enter on 12 hits guessed: %T", d.c.top())
	}
	d.keys("down", "enter")
	if m, ok := d.c.top().(*modePage); !ok || len(m.users) != 1 || m.users[0] != "doe-bdoe" {
		t.Fatalf("enter after the cursor moved went to %T", d.c.top())
	}
	d.keys("esc", "ctrl+a")
	d.keys("esc") // clears the search, keeps the selection
	d.typed("solo")
	d.until("the one hit", func() bool { return len(u.hits) == 1 })
	d.keys("enter")
	if d.c.question == nil || !strings.Contains(d.c.question.text, "Go on with the 12 selected (doe-adoe, doe-bdoe, doe-cdoe, …)? solo under the cursor is not selected") ||
		d.c.question.hint != "y goes on · n stays, then space selects it" {
		t.Fatalf("a selection and someone else under the cursor: no question (%v)", d.c.question)
	}
	d.keys("n")
	if d.c.top() != page(u) {
		t.Fatal("n went on")
	}
	d.keys("space", "enter")
	if m, ok := d.c.top().(*modePage); !ok || len(m.users) != 13 {
		t.Fatalf("enter with the cursor on a selected user went to %T", d.c.top())
	}
}

// Enters typed while the search runs are kept, not dropped: with one hit the first goes
// on with it and one more reaches the mode page (to the review), never more: a review is
// always seen before it is confirmed.
func TestUsersEntersTypedDuringASearchNeverConfirm(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{ids: []string{"bdoe"}}, 80, 24)
	old := searchDebounce
	searchDebounce = time.Hour // the enters come long before the debounce
	defer func() { searchDebounce = old }()
	d.typed("bdoe")
	d.keys("enter", "enter", "enter", "enter")
	d.until("the review", func() bool { _, ok := d.c.top().(*reviewPage); return ok })
	if u.pendingEnters != 0 || len(d.c.sh.desk.Runs()) != 0 {
		t.Fatal("an enter typed before the review confirmed it")
	}
	d.keys("enter")
	d.until("the run", func() bool { _, ok := d.c.top().(*runPage); return ok })
}

// Keys typed while a profile opens reach its users page, in order.
func TestKeysTypedWhileAProfileOpensReachTheUsersPage(t *testing.T) {
	gate := make(chan struct{})
	desk := &testDesk{profiles: []backends.Profile{{Name: "p", Kind: "fake"}},
		open: func(context.Context, backends.Profile) (backends.Backend, error) {
			<-gate
			return &directory{ids: []string{"bdoe"}}, nil
		}}
	d := newDriver(t, New(context.Background(), desk), 80, 24)
	d.keys("1")
	d.typed("bdoe")
	close(gate)
	d.until("the users page", func() bool { _, ok := d.c.top().(*usersPage); return ok })
	if u := d.c.top().(*usersPage); u.input.Value() != "bdoe" {
		t.Fatalf("typed while opening: %q", u.input.Value())
	}
}

// Ctrl+x asks before it drops the selection, as esc does.
func TestUsersCtrlXAsksBeforeClearing(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{}, 80, 24)
	d.send(tea.PasteMsg{Content: "a\nb\nc\n"})
	d.keys("ctrl+x")
	if d.c.question == nil || !strings.Contains(d.c.question.text, "3 users") || len(u.Selection()) != 3 {
		t.Fatalf("ctrl+x cleared without asking (question %v)", d.c.question)
	}
	d.keys("y")
	if len(u.Selection()) != 0 || strings.Contains(d.screen(), "added 3 pasted users") {
		t.Fatalf("after yes: %v\n%s", u.Selection(), d.screen())
	}
}

// / filters the selection pane as it does every list; esc clears the filter first.
func TestSelectionPaneFilters(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "p"}, &directory{}, 80, 24)
	d.send(tea.PasteMsg{Content: "alice\nbob\ncarol\nalbert\n"})
	d.keys("tab", "/")
	d.typed("al")
	if u.pane.Len() != 2 || !strings.Contains(d.screen(), "albert") || strings.Contains(d.screen(), "✓ bob") {
		t.Fatalf("the pane filter shows %d:\n%s", u.pane.Len(), d.screen())
	}
	d.keys("enter", "d") // keep the filter; d removes the row under the cursor
	if strings.Join(u.Selection(), ",") != "bob,carol,albert" {
		t.Fatalf("d in the filtered pane removed the wrong id: %v", u.Selection())
	}
	d.keys("esc")
	if !u.inPane || u.pane.Query() != "" {
		t.Fatal("esc did not clear the pane's filter first")
	}
}

// A space typed while a name is being typed among several hits is part of the name, not
// a pick: "kim doe" typed at a helpdesk pace must not select the first "kim" hit (Kim
// Brown) behind the technician's back and go on with her at enter. Once the cursor was
// moved to a hit, or the search found one person, space selects as before.
func TestUsersSpaceAmongSeveralHitsIsTypedNotAGuess(t *testing.T) {
	d, u := usersOn(t, backends.Profile{Name: "odin"}, &directory{ids: []string{"kim.brown", "kim.doe", "kim.lee"}}, 80, 24)
	d.typed("kim")
	d.until("the hits", func() bool { return len(u.hits) == 3 })
	if !strings.Contains(d.screen(), "3 hits · ↑/↓ then space selects") {
		t.Fatalf("the hits line does not say how to pick among several:\n%s", d.screen())
	}
	d.typed(" doe")
	d.until("the search of the whole name", func() bool { return !u.waiting })
	if len(u.Selection()) != 0 || u.input.Value() != "kim doe" {
		t.Fatalf("a space in a typed name selected %v (query %q)", u.Selection(), u.input.Value())
	}
	d.keys("enter")
	if d.c.top() != page(u) {
		t.Fatalf("enter after a typed name went on with %T", d.c.top())
	}
	for range len(" doe") {
		d.keys("backspace")
	}
	d.until("the hits again", func() bool { return len(u.hits) == 3 })
	d.keys("down", "space")
	if got := u.Selection(); len(got) != 1 || got[0] != "kim.doe" {
		t.Fatalf("space on the hit the cursor was moved to selected %v", got)
	}
	// A new search, the cursor where it put it: enter's question says how to pick, not
	// that space (typed into the name now) would select the first hit.
	d.typed("x")
	d.keys("backspace")
	d.until("the hits again", func() bool { return len(u.hits) == 3 && !u.waiting })
	d.keys("enter")
	if q := d.c.question; q == nil || !strings.Contains(q.text, "The 3 hits of the search are not all selected") ||
		!strings.Contains(q.hint, "↑/↓ and space select one") {
		t.Fatalf("enter with a selection and an unpicked search asked %#v", q)
	}
}
