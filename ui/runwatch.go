package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/ui/slow"
	"resetdesk/ui/table"
)

// How the console reaches the host's runs: every call is a command (the registry may
// read the history, a start logs in), and a run is read through its Watch.

type (
	// submittedMsg is the host's answer to Submit: the run's handle (nil when the host
	// took no run) and why it did not start.
	submittedMsg struct {
		page *runPage
		h    *desk.Handle
		err  string
	}
	// updateMsg is what a run's Watch delivered (err: the console's context ended).
	updateMsg struct {
		w   *desk.Watch
		u   desk.Update
		err error
	}
	withdrawnMsg struct {
		page *runPage
		err  string
	}
)

// owner is the run page a message of a run is for.
func (m submittedMsg) owner(c *Console) *runPage { return m.page }
func (m withdrawnMsg) owner(c *Console) *runPage { return m.page }
func (m updateMsg) owner(c *Console) *runPage {
	for _, p := range c.stack {
		if rp, ok := p.(*runPage); ok && rp.w == m.w {
			return rp
		}
	}
	return nil
}

// runMsg is a message of a run: it goes to the run page that watches it, wherever that
// is in the stack, so that a page opened over it (the approvals, the runs) does not
// stop its watch.
type runMsg interface{ owner(c *Console) *runPage }

// behind gives msg to rp, covered by other pages: the run goes on being read, its end
// puts the results in its place, and nothing it would ask is asked (a run page asks
// only when on screen).
func (c *Console) behind(rp *runPage, msg tea.Msg) tea.Cmd {
	rp.covered = true
	cmd, n := rp.Update(msg)
	rp.covered = false
	if r, ok := n.(replace); ok {
		for i, p := range c.stack {
			if p == rp {
				c.stack[i] = r.p
				r.p.SetSize(rp.width, rp.height)
				cmd = tea.Batch(cmd, own(r.p.Init(), r.p))
			}
		}
	}
	return own(cmd, rp)
}

// submitCmd hands the run of page rp to the host.
func submitCmd(rp *runPage) tea.Cmd {
	sh, plan := rp.sh, rp.plan
	return func() tea.Msg {
		h, err := sh.desk.Submit(sh.ctx, plan)
		return submittedMsg{page: rp, h: h, err: cleanErr(err)}
	}
}

// watchCmd waits for what is new in w, after delay: a run of thousands costs an
// Update per frame, not per user, since each Next brings everything since the last.
func watchCmd(sh *shared, w *desk.Watch, delay time.Duration) tea.Cmd {
	return func() tea.Msg {
		if delay > 0 {
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-sh.ctx.Done():
				return nil
			}
		}
		u, err := w.Next(sh.ctx)
		return updateMsg{w: w, u: u, err: err}
	}
}

// withdrawCmd takes back the run of page rp, which waits for approval.
func withdrawCmd(rp *runPage) tea.Cmd {
	sh, h := rp.sh, rp.h
	return func() tea.Msg {
		_, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (struct{}, error) { return struct{}{}, h.Withdraw(ctx) })
		return withdrawnMsg{page: rp, err: cleanErr(err)}
	}
}

// warnToast shows warnings on the status line (nil when there are none).
func warnToast(ws []string) tea.Cmd {
	if len(ws) == 0 {
		return nil
	}
	return toastBad(strings.Join(cleanAll(ws), "; "))
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

// planRows are the table's rows of a plan's users: each id with its person's name.
func planRows(plan *desk.Plan) []table.Row {
	rows := make([]table.Row, len(plan.Users))
	for i, u := range plan.Users {
		rows[i] = table.Row{User: clean(u.ID), Name: clean(u.Name)}
	}
	return rows
}

// infoRows are the table's rows of a run's users.
func infoRows(in desk.Info) []table.Row {
	rows := make([]table.Row, len(in.Users))
	for i, u := range in.Users {
		rows[i] = table.Row{User: clean(u.ID), Name: clean(u.Name)}
	}
	return rows
}

// noteRun remembers that this session submitted h: the quit question counts its
// secrets, and serve's log counts its runs through the desk.
func (s *shared) noteRun(h *desk.Handle) {
	if s.submitted == nil {
		s.submitted = map[int64]bool{}
	}
	s.submitted[h.ID()] = true
}

// failFast is the question a run asks when its first answers all failed alike: a wrong
// mode, option or permission fails every user alike, and there is no point in sending
// hundreds more.
type failFast struct {
	asked  bool
	open   bool // the question is on screen; its counts follow the run
	reason string
	first  int
}

// failFastSample is how many first outcomes, all failed for the same reason, make the
// run pause and ask before it sends more.
const failFastSample = 5

// failFast asks whether to go on when the first outcomes all failed alike.
func (r *runPage) failFast() nav {
	if r.covered || r.fail.asked || r.asking || r.stopping() || len(r.outcomes) <= failFastSample || r.tally.Total() < failFastSample {
		return nil
	}
	r.fail.asked = true
	reason := ""
	for i, o := range r.outcomes {
		if !o.Status.Final() {
			continue
		}
		if o.Status != backends.StatusFailed {
			return nil
		}
		// The same reason, whoever it was about.
		row := r.tbl.Row(i)
		why := strings.ReplaceAll(row.Message, row.User, "…")
		if reason == "" {
			reason = why
		} else if why != reason {
			return nil
		}
	}
	r.fail.reason, r.fail.first = reason, r.tally.Total()-r.tally.Skipped
	r.ask("", func() { _ = r.h.Resume() }, r.stopRun)
	r.fail.open = true
	return r.failFastAgain()
}

// failFastAgain is the fail-fast question, while it is open, with its counts as they
// are now: the requests in flight come back while it waits for its answer.
func (r *runPage) failFastAgain() nav {
	if !r.fail.open || !r.asking {
		return nil
	}
	r.question.text = r.failFastText()
	return r.question
}

// failFastText is the fail-fast question with what is true of the run now: how many
// were answered, how many are in flight (they finish either way) and how many are not
// sent yet (the answer decides those).
func (r *runPage) failFastText() string {
	answered := r.tally.Total() - r.tally.Skipped
	notYet := max(len(r.outcomes)-r.tally.Total()-r.inFlight, 0)
	return fmt.Sprintf("The first %d answers all failed: %s. %d answered · %d in flight (they finish either way) · %d not sent yet. Send the %d not sent yet?",
		r.fail.first, r.fail.reason, answered, r.inFlight, notYet, notYet)
}

// approversLine says who may approve a waiting run: the plan's approvers (a run found
// waiting, whose plan this console did not make: who may, in general).
func approversLine(plan *desk.Plan) string {
	if plan == nil || len(plan.Approval.Approvers) == 0 {
		return "another technician who is an approver (approver = true) and may use the profile approves it"
	}
	return "who may approve it: " + strings.Join(cleanAll(plan.Approval.Approvers), ", ")
}
