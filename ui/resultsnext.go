package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/slow"
	"resetdesk/ui/table"
)

// What follows a run's results: a retry of its failed users (t) or a new run (n) on its
// profile. A run this console did not start (found as it opened, or from the runs page)
// opens its profile first.

// resultsOpenedMsg is the profile's back end, opened for what the results page does
// next.
type resultsOpenedMsg struct {
	b   backends.Backend
	err string
}

// withBackend runs then once the profile's back end is open: at once when this console
// started the run, else after opening it.
func (r *resultsPage) withBackend(then func() (tea.Cmd, nav)) (tea.Cmd, nav) {
	if r.be != nil {
		return then()
	}
	if r.open.Running() || r.retrying.running() {
		return nil, nil
	}
	r.then = then
	sh, p := r.sh, r.profile.p
	return r.open.Start("opening "+r.profile.name, func() tea.Msg {
		b, err := slow.Call(sh.ctx, openTimeout, func(ctx context.Context) (backends.Backend, error) { return sh.desk.Open(ctx, p) })
		return resultsOpenedMsg{b: b, err: cleanErr(err)}
	}), nil
}

// next handles what a retry or a new run waits for: the profile opened, the retry
// planned. done is set when msg was theirs.
func (r *resultsPage) next(msg tea.Msg) (tea.Cmd, nav, bool) {
	switch msg := msg.(type) {
	case resultsOpenedMsg:
		r.open.Done()
		then := r.then
		r.then = nil
		if msg.err != "" {
			return toastBad("cannot open " + r.profile.name + ": " + msg.err), nil, true
		}
		r.be = msg.b
		if then == nil {
			return nil, nil, true
		}
		cmd, n := then()
		return cmd, n, true
	case plannedMsg:
		typed, ok := r.retrying.take(msg)
		if !ok {
			return nil, nil, true
		}
		if msg.err != "" {
			return toastBad("cannot retry: " + msg.err), nil, true
		}
		return nil, push{p: r.retryMode, then: newReviewPage(r.sh, r.profile, msg.plan), typed: typed}, true
	case tea.KeyPressMsg:
		switch {
		case r.retrying.running():
			r.retrying.key(r.sh, msg)
			return nil, nil, true
		case r.open.Running():
			if key.Matches(msg, r.sh.keys.Back) {
				r.open.Done()
				r.then = nil
			}
			return nil, nil, true
		}
	}
	if _, tick := msg.(spinner.TickMsg); tick && (r.open.Running() || r.retrying.running()) {
		return tea.Batch(r.open.Update(msg), r.retrying.task.Update(msg)), nil, true // its next frame: the spinner turns
	}
	return nil, nil, false
}

// retry plans a run of the failed and skipped users, with this run's mode and options,
// and opens its review over the options (esc on it goes to them: SMS failures may be
// retried by mail). Nothing more: the review is confirmed with enter.
func (r *resultsPage) retry() (tea.Cmd, nav) {
	var failed []string
	for _, o := range r.outcomes {
		// Unknown outcomes may have changed the password: never retried blindly.
		if o.Status == backends.StatusFailed || o.Status == backends.StatusSkipped {
			failed = append(failed, o.User)
		}
	}
	if len(failed) == 0 {
		return toast("nothing to retry: no failed or skipped users (unknown ones must be checked first)"), nil
	}
	if r.retrying.running() {
		return nil, nil
	}
	spec := runner.Spec{Mode: r.info.Mode, Users: failed, Options: r.info.Options, Known: r.known(failed)}
	if len(failed) == 1 {
		spec.Password = r.password
	}
	if err := runner.Check(r.profile.p, spec); err != nil {
		return toastBad("cannot retry: " + cleanErr(err)), nil
	}
	m := newModePage(r.sh, r.profile, failed, nil)
	m.preset(spec)
	m.known = spec.Known
	r.retryMode = m
	return r.retrying.start(r.sh, r.profile, spec), nil
}

// known are the people of the run among ids, as the host named them: a retry does not
// look them up again.
func (r *resultsPage) known(ids []string) map[string]backends.Account {
	named := map[string]backends.Account{}
	for _, u := range r.info.Users {
		if u.Name != "" {
			named[u.ID] = backends.Account{Name: u.Name, Detail: u.Detail}
		}
	}
	out := map[string]backends.Account{}
	for _, id := range ids {
		if a, ok := named[id]; ok {
			out[id] = a
		}
	}
	return out
}

// narrowed says how the table is narrowed or ordered, with the key that undoes it, so
// that a table showing only the users not ok is not read as the whole run; "" when it
// shows every user in order.
func (r *resultsPage) narrowed() string {
	var parts []string
	if r.tbl.Filter() == table.NotOK {
		parts = append(parts, fmt.Sprintf("only the users not ok, of %d — f shows all", len(r.outcomes)))
	}
	if r.tbl.SortBy() == table.ByStatus {
		parts = append(parts, "sorted by status — s: in order")
	}
	return strings.Join(parts, " · ")
}
