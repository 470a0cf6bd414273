package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/ui/slow"
)

// What the console finds as it opens: a run of this technician's that went on at the
// host after their last session ended (a dropped connection), and runs a restart of the
// host cut off.

// reattachMsg is desk.Reattach's answer.
type reattachMsg struct {
	ra  desk.Reattach
	err string
}

func reattachCmd(sh *shared) tea.Cmd {
	return func() tea.Msg {
		ra, err := slow.Call(sh.ctx, storeTimeout, sh.desk.Reattach)
		return reattachMsg{ra: ra, err: cleanErr(err)}
	}
}

// reattach opens the console with what msg found: the newest run of theirs that still
// goes on or ended unseen (its run page or its results, a line above saying so), and a
// line on the profiles page per run cut off. Nothing opens once the technician has
// moved on from the profiles page.
func (c *Console) reattach(msg reattachMsg) tea.Cmd {
	if msg.err != "" {
		return toastBad("cannot look for runs of yours the last session left: " + msg.err)
	}
	var cut []string
	for _, co := range msg.ra.CutOff {
		line := clean(co.String())
		cut = append(cut, line)
		c.sh.notices = append(c.sh.notices, c.now().Format("15:04")+"  "+line)
	}
	if pp, ok := c.stack[0].(*profilesPage); ok && len(cut) > 0 {
		pp.notes = append(pp.notes, cut...)
		pp.layout()
	}
	h := awayRun(msg.ra.Runs)
	if h == nil || len(c.stack) > 1 {
		return nil
	}
	pr := c.sh.profileOf(h.Info())
	banner := awayBanner(h.Info())
	if h.Info().State.Over() {
		res := resultsOfHandle(c.sh, pr, h)
		res.banner = banner
		return c.apply(push{p: res})
	}
	rp := watchRunPage(c.sh, pr, h)
	rp.banner = banner
	return c.apply(push{p: rp})
}

// awayRun is the run to open with: the newest that still goes on (or waits), else the
// newest that ended with nobody shown its end.
func awayRun(runs []*desk.Handle) *desk.Handle {
	for _, h := range runs {
		if !h.Info().State.Over() {
			return h
		}
	}
	for _, h := range runs {
		if h.Unseen() {
			return h
		}
	}
	return nil
}

// awayBanner says what became of a run while its technician was away.
func awayBanner(in desk.Info) string {
	what := fmt.Sprintf("your run of %s on %s", plural(len(in.Users), "user"), clean(in.Profile))
	when := in.Started
	if when.IsZero() {
		when = in.Requested
	}
	what += ", started " + runner.TimeText(when)
	t := in.Tally
	switch {
	case in.State == desk.StateWaiting:
		return what + ", still waits for a second technician's approval"
	case !in.State.Over():
		return fmt.Sprintf("%s, is still running — %d of %d done", what, t.Total(), len(in.Users))
	case in.Started.IsZero():
		return what + ", ended while you were away: " + clean(in.Err)
	}
	counts := fmt.Sprintf("%d ok", t.OK)
	for _, c := range []struct {
		n    int
		name string
	}{{t.Failed, "failed"}, {t.Unknown, "unknown"}, {t.Skipped, "skipped"}} {
		if c.n > 0 {
			counts += fmt.Sprintf(", %d %s", c.n, c.name)
		}
	}
	return what + ", finished while you were away — " + counts
}
