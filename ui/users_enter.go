package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends/userlist"
)

// What enter, esc and ctrl+x do on the users page: enter never guesses who is meant,
// and nothing selected is dropped without asking.

// leave goes back to the profiles, asking first when it would drop a selection.
func (u *usersPage) leave() (tea.Cmd, nav) {
	if n := u.sel.len(); n > 0 {
		return nil, ask{text: fmt.Sprintf("Leave and drop the selection of %s?", plural(n, "user")),
			yes: func() (tea.Cmd, nav) { u.stopSearch(); return nil, back{} }}
	}
	u.stopSearch()
	return nil, back{}
}

// clearSelection empties the selection, asking first as esc does.
func (u *usersPage) clearSelection() (tea.Cmd, nav) {
	n := u.sel.len() + len(u.sel.dropped)
	if n == 0 {
		return toast("nothing selected to clear"), nil
	}
	return nil, ask{text: fmt.Sprintf("Clear the selection of %s?", plural(u.sel.len(), "user")),
		yes: func() (tea.Cmd, nav) {
			u.sel = newSelection()
			u.inPane = false
			u.layout()
			return tea.Batch(u.input.Focus(), untoast()), nil
		}}
}

// add selects ids not yet selected and keeps the refused lines to show; it returns how
// many were added.
func (u *usersPage) add(ids []string, bad []userlist.BadUser) int {
	n := u.sel.add(ids...)
	u.sel.setDropped(bad)
	u.sel.check(u.be, u.profile.p)
	return n
}

// next goes on to the modes with what is selected; with nothing selected, with the hit
// under the cursor alone (it is not added to the selection: back on this page it is
// not selected behind the technician's back).
func (u *usersPage) next() (tea.Cmd, nav) {
	if typed := strings.TrimSpace(u.input.Value()); u.noSearch && typed != "" {
		// Nothing to search: what was typed is ids, taken like a paste.
		users, bad, err := userlist.Parse(strings.NewReader(typed))
		if err != nil {
			return toastBad("could not read the typed ids: " + cleanErr(err)), nil
		}
		u.add(users, bad)
		u.input.SetValue("")
	}
	if u.sel.len() == 0 {
		if u.waiting && strings.TrimSpace(u.input.Value()) != "" {
			// The hits of what was typed are not in yet: go on when they are.
			u.pendingEnters++
			if !u.search.Running() {
				return u.startSearch(), nil
			}
			return nil, nil
		}
		return u.enterOnHits(0)
	}
	if n := len(u.sel.refused); n > 0 {
		id, why := u.sel.firstRefused()
		return toastBad(fmt.Sprintf("%s refused (%s: %s): tab to the selection; d removes one, D every refused one",
			plural(n, "id"), id, why)), nil
	}
	if i, ok := u.list.Current(); ok && !u.inPane && !u.sel.has[u.hits[i].ID] {
		// The cursor is on someone else: say which enter takes. The keys of the page wait
		// for the answer: space selects once n has closed the question.
		q := ask{text: fmt.Sprintf("Go on with the %d selected (%s)? %s under the cursor is not selected",
			u.sel.len(), u.sel.names(3), u.hits[i].shown), hint: "y goes on · n stays, then space selects it", yes: u.goOn}
		if !u.picks() {
			q.text = fmt.Sprintf("Go on with the %d selected (%s)? The %d hits of the search are not all selected",
				u.sel.len(), u.sel.names(3), len(u.hits))
			q.hint = "y goes on · n stays, then ↑/↓ and space select one"
		}
		return nil, q
	}
	return u.goOn()
}

// goOn opens the modes for the selection.
func (u *usersPage) goOn() (tea.Cmd, nav) {
	u.stopSearch()
	m := newModePage(u.sh, u.profile, append([]string(nil), u.sel.ids...), &u.ticket)
	m.known = u.sel.accounts(m.users)
	return nil, push{p: m}
}

// enterOnHits is enter with nothing selected: the hit under the cursor goes on alone
// when it is the only hit or the technician put the cursor there; of several, enter
// never guesses. enters is how many more enters were typed ahead for the mode page.
func (u *usersPage) enterOnHits(enters int) (tea.Cmd, nav) {
	i, ok := u.list.Current()
	switch {
	case !ok && strings.TrimSpace(u.input.Value()) != "" && u.searchErr == "":
		return toastBad("no users found: try another search, or paste a list"), nil
	case !ok:
		return toastBad("select at least one user: search and press space, or paste a list"), nil
	case len(u.hits) > 1 && !u.moved:
		return toast(fmt.Sprintf("%d hits — pick one (↑/↓ enter, space) or type more", len(u.hits))), nil
	}
	h := u.hits[i]
	if why, bad := refusals(u.be, u.profile.p, []string{h.ID})[h.ID]; bad {
		return toastBad(h.shown + " is refused: " + why), nil
	}
	u.stopSearch()
	var typed []tea.KeyPressMsg
	for range enters {
		typed = append(typed, tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	m := newModePage(u.sh, u.profile, []string{h.ID}, &u.ticket)
	m.known = u.sel.accounts(m.users)
	return nil, push{p: m, typed: typed}
}
