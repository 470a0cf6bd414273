package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/ui/slow"
)

// planTimeout bounds the way to a review: the lookups of who the ids name (each under
// the profile's timeout) and the desk's plan (the history, the quota).
var planTimeout = 2 * time.Minute

// plannedMsg is the desk's plan of a run (or why there is none), for the planner whose
// seq it carries.
type plannedMsg struct {
	seq  int
	plan *desk.Plan
	err  string
}

// planner takes a page's run to its review off the UI goroutine: the system is asked
// who the ids name (one reset per account, the lines not sent and why), then the desk
// plans the run. Keys typed meanwhile (esc aside, which gives up) go to the review once
// it shows, as keys typed while a profile opens go to its users page — but never the
// enter that would confirm it: a review is seen before it is confirmed, and an enter
// typed while a slow lookup runs ("is it stuck?") must not send a run nobody read.
type planner struct {
	task  slow.Task
	seq   int
	typed []tea.KeyPressMsg
}

func newPlanner() planner { return planner{task: slow.NewTask()} }

// start plans spec on profile p (Desk.Prepare).
func (pl *planner) start(sh *shared, p *profile, spec runner.Spec) tea.Cmd {
	pl.seq++
	pl.typed = nil
	seq := pl.seq
	return pl.task.Start("looking the users up and planning the run", func() tea.Msg {
		plan, err := slow.Call(sh.ctx, planTimeout, func(ctx context.Context) (*desk.Plan, error) {
			return sh.desk.Prepare(ctx, p.p, spec)
		})
		return plannedMsg{seq: seq, plan: plan, err: cleanErr(err)}
	})
}

// cancel forgets the plan under way: its answer, when it comes, is dropped.
func (pl *planner) cancel() {
	pl.seq++
	pl.typed = nil
	pl.task.Done()
}

// key keeps k, typed while the plan is under way, for the review; esc gives up.
func (pl *planner) key(sh *shared, k tea.KeyPressMsg) {
	switch {
	case key.Matches(k, sh.keys.Back):
		pl.cancel()
	case key.Matches(k, sh.keys.Confirm):
		// Dropped: the review's own enter confirms it, once it has been seen.
	case len(pl.typed) < maxTyped:
		pl.typed = append(pl.typed, k)
	}
}

// take reports whether msg is the answer of the plan under way, and ends it; typed are
// the keys typed meanwhile.
func (pl *planner) take(msg plannedMsg) (typed []tea.KeyPressMsg, ok bool) {
	if msg.seq != pl.seq || !pl.task.Running() {
		return nil, false
	}
	pl.task.Done()
	typed, pl.typed = pl.typed, nil
	return typed, true
}

// running reports whether a plan is under way.
func (pl *planner) running() bool { return pl.task.Running() }
