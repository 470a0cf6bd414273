package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
	"resetdesk/ui/slow"
)

// How the users page finds users: a search as the technician types (debounced, the
// one in flight cancelled by the next), or a file of ids.

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

// queryChanged cancels the search in flight and schedules one after the debounce; the
// hits of the old query go, so that enter never picks a user of a query no longer
// typed.
func (u *usersPage) queryChanged() tea.Cmd {
	u.seq++
	u.stopSearch()
	u.hits, u.searchErr = nil, ""
	u.list.SetItems(0)
	u.pendingEnters = 0
	seq := u.seq
	if strings.TrimSpace(u.input.Value()) == "" || u.noSearch {
		return nil
	}
	u.waiting = true
	return tea.Tick(searchDebounce, func(time.Time) tea.Msg { return searchTickMsg{seq} })
}

func (u *usersPage) stopSearch() {
	if u.cancel != nil {
		u.cancel()
		u.cancel = nil
	}
	u.search.Done()
	u.waiting = false
}

func (u *usersPage) startSearch() tea.Cmd {
	// A new query cancels this search (queryChanged); the timeout bounds it.
	ctx, cancel := context.WithCancel(u.sh.ctx)
	u.cancel = cancel
	u.waiting = true
	seq, q, be := u.seq, strings.TrimSpace(u.input.Value()), u.be
	return u.search.Start("searching", func() tea.Msg {
		users, err := slow.Call(ctx, openTimeout, func(ctx context.Context) ([]backends.User, error) {
			return be.Search(ctx, q, searchLimit)
		})
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
