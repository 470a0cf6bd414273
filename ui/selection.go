package ui

import (
	"errors"
	"fmt"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/backends/userlist"
)

// selection is the users chosen for a run, in the order they were chosen, with what
// the console knows against each before anything is sent: ids the system's rules
// refuse and accounts the profile protects (its own login, its `protected` globs), and
// the lines of a paste or a file that were not ids.
type selection struct {
	ids     []string // raw: sent as they are
	shown   []string // as drawn
	has     map[string]bool
	refused map[string]string  // id -> why it is refused (as drawn)
	dropped []userlist.BadUser // lines that were not ids (as drawn)
	// known are the people the searches showed, by id (name and detail as drawn): the
	// pane names them, and the run does not look them up again (runner.Spec.Known).
	known map[string]backends.Account
}

func newSelection() selection {
	return selection{has: map[string]bool{}, refused: map[string]string{}, known: map[string]backends.Account{}}
}

// remember keeps who the hits of a search are.
func (s *selection) remember(hits []hit) {
	for _, h := range hits {
		if h.name != "" || h.about != "" {
			s.known[h.ID] = backends.Account{Name: h.name, Detail: h.about}
		}
	}
}

// accounts are the people known among ids, for the run's Spec.Known.
func (s *selection) accounts(ids []string) map[string]backends.Account {
	out := map[string]backends.Account{}
	for _, id := range ids {
		if a, ok := s.known[id]; ok {
			out[id] = a
		}
	}
	return out
}

// nameOf is the name the searches gave id, as drawn ("" when none did).
func (s *selection) nameOf(id string) string { return s.known[id].Name }

func (s *selection) len() int { return len(s.ids) }

// add selects ids not yet selected; it returns how many were new.
func (s *selection) add(ids ...string) int {
	n := 0
	for _, id := range ids {
		if !s.has[id] {
			s.has[id] = true
			s.ids = append(s.ids, id)
			s.shown = append(s.shown, clean(id))
			n++
		}
	}
	return n
}

// remove drops the id at position i.
func (s *selection) remove(i int) {
	delete(s.has, s.ids[i])
	delete(s.refused, s.ids[i])
	s.ids = append(s.ids[:i:i], s.ids[i+1:]...)
	s.shown = append(s.shown[:i:i], s.shown[i+1:]...)
}

// toggle selects id, or drops it when it is selected.
func (s *selection) toggle(id string) {
	for i, x := range s.ids {
		if x == id {
			s.remove(i)
			return
		}
	}
	s.add(id)
}

// removeRefused drops every refused id; it returns how many.
func (s *selection) removeRefused() int {
	n := 0
	for i := len(s.ids) - 1; i >= 0; i-- {
		if _, bad := s.refused[s.ids[i]]; bad {
			s.remove(i)
			n++
		}
	}
	return n
}

// check finds the ids that would be refused: by the rules every system shares and the
// system's own (b), and the accounts profile p protects.
func (s *selection) check(b backends.Backend, p backends.Profile) {
	s.refused = refusals(b, p, s.ids)
}

// refusals says why each refused id of ids would be refused.
func refusals(b backends.Backend, p backends.Profile, ids []string) map[string]string {
	out := map[string]string{}
	for _, bad := range append(userlist.Validate(b, ids), runner.Protected(p, ids)...) {
		if _, seen := out[bad.ID]; !seen {
			out[bad.ID] = cleanErr(bad.Err)
		}
	}
	return out
}

// names are the first n selected ids as drawn, joined ("bdoe, cgarcia, …").
func (s *selection) names(n int) string {
	if len(s.shown) <= n {
		return strings.Join(s.shown, ", ")
	}
	return strings.Join(s.shown[:n], ", ") + ", …"
}

// firstRefused is the first refused id as drawn, and why.
func (s *selection) firstRefused() (string, string) {
	for i, id := range s.ids {
		if why, bad := s.refused[id]; bad {
			return s.shown[i], why
		}
	}
	return "", ""
}

// setDropped keeps the lines of the last paste or file that were not ids.
func (s *selection) setDropped(bad []userlist.BadUser) {
	s.dropped = make([]userlist.BadUser, len(bad))
	for i, b := range bad {
		s.dropped[i] = userlist.BadUser{Line: b.Line, ID: clean(b.ID), Err: errors.New(cleanErr(b.Err))}
	}
}

// summary is the one line that says what is selected.
func (s *selection) summary() string {
	if s.len() == 0 && len(s.dropped) == 0 {
		return "selected: none"
	}
	parts := []string{fmt.Sprintf("selected: %d", s.len())}
	if n := len(s.refused); n > 0 {
		parts = append(parts, fmt.Sprintf("%d refused", n))
	}
	if n := len(s.dropped); n > 0 {
		parts = append(parts, plural(n, "line")+" skipped")
	}
	return strings.Join(parts, " · ")
}
