package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/theme"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/table"
)

// runPage shows a run of the host as it goes: it submits a planned run to the host's
// registry (or watches one submitted before: from the runs page, or found when the
// console opened) and draws what its Watch delivers. The run is the host's, not the
// page's: leaving the page, or the console, does not stop it.
type runPage struct {
	sh            *shared
	profile       *profile
	plan          *desk.Plan // the run to submit; nil when the page watches a run submitted before
	h             *desk.Handle
	w             *desk.Watch
	info          desk.Info // the run as last told
	width, height int

	// startErr says why the run never sent anything (a refused start, a declined or
	// expired request); withdrawing is set while a withdraw is under way.
	startErr    string
	withdrawing bool
	// stopAsked: ctrl+c while the run logged in; it stops as soon as it has started.
	stopAsked bool
	aborted   bool
	asking    bool // a question of this page is on screen (the run is paused meanwhile)
	// banner is a line above the run: what the console found as it opened.
	banner string
	// covered is set while the page reads its run under another page (Console.behind).
	covered bool
	fail    failFast
	// question is this page's open question (the fail-fast one follows the run).
	question ask
	started  time.Time
	now      func() time.Time

	tbl      table.Model
	outcomes []backends.Outcome // final outcomes by index (secrets as the server gave them)
	tally    backends.Tally
	inFlight int // requests sent and not answered yet
	follow   bool
	latest   int
	spin     spinner.Model
}

// newRunPage is the page that submits plan's run.
func newRunPage(sh *shared, p *profile, plan *desk.Plan) *runPage {
	r := newRunView(sh, p, planRows(plan))
	r.plan = plan
	return r
}

// watchRunPage is the page of a run submitted before.
func watchRunPage(sh *shared, p *profile, h *desk.Handle) *runPage {
	info := h.Info()
	r := newRunView(sh, p, infoRows(info))
	r.h, r.w, r.info = h, h.Watch(), info
	if !info.Started.IsZero() {
		r.started = info.Started
	}
	return r
}

func newRunView(sh *shared, p *profile, rows []table.Row) *runPage {
	tbl := table.New(sh.th, sh.keys, rows)
	return &runPage{sh: sh, profile: p, now: time.Now, follow: true, tbl: tbl,
		outcomes: make([]backends.Outcome, len(rows)), spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
}

func (r *runPage) waiting() bool     { return r.info.State == desk.StateWaiting }
func (r *runPage) Profile() *profile { return r.profile }
func (r *runPage) Input() input      { return noInput }
func (r *runPage) Title() string {
	switch {
	case r.startErr != "": // refused, declined, withdrawn, expired: nothing went out
		return "not started"
	case r.waiting():
		return "waiting for approval"
	}
	return "running " + r.modeName()
}

// modeName is the run's mode.
func (r *runPage) modeName() string {
	if r.plan != nil {
		return r.plan.Request.Mode().Name
	}
	return clean(r.info.Mode)
}

func (r *runPage) Help() keys.Help {
	km := r.sh.keys
	switch {
	case r.startErr != "":
		return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}}}
	case r.waiting():
		back := keys.Named(km.Back, "back (the request stays)")
		return keys.Help{ShortKeys: []key.Binding{km.Withdraw, back, km.Runs}, Groups: [][]key.Binding{{km.Withdraw, back, km.Runs}}}
	}
	return keys.Help{ShortKeys: []key.Binding{km.Up, km.Down, km.Runs}, Groups: [][]key.Binding{km.List()[:6], {km.Stop, km.Runs}}, Quit: km.Stop}
}

func (r *runPage) SetSize(w, h int) {
	r.width, r.height = w, h
	r.tbl.SetSize(w, max(h-2-r.bannerLines(), 2)) // under the progress bar and the counts
}

func (r *runPage) bannerLines() int { return len(wrapBanner(r.banner, r.width)) }

// wrapBanner is a page's banner (what the console found as it opened) wrapped to
// width: none when there is none.
func wrapBanner(banner string, width int) []string {
	if banner == "" {
		return nil
	}
	return fit.Wrap(banner, width)
}

// SetTheme redraws the table's rows in th.
func (r *runPage) SetTheme(th theme.Theme) { r.tbl.SetTheme(th) }

func (r *runPage) Init() tea.Cmd {
	if r.h != nil {
		return tea.Batch(r.spin.Tick, watchCmd(r.sh, r.w, 0))
	}
	// The run's time counts from the confirm: it may be well under way when the page
	// hears that it started.
	r.started = r.now()
	return tea.Batch(r.spin.Tick, submitCmd(r))
}

func (r *runPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case submittedMsg:
		return r.submitted(msg)
	case updateMsg:
		if msg.w != r.w || msg.err != nil {
			return nil, nil // another page's watch, or the console ends
		}
		return r.update(msg.u)
	case withdrawnMsg:
		r.withdrawing = false
		if msg.err != "" {
			return toastBad(msg.err), nil
		}
		return nil, nil // the watch brings the run's end
	case spinner.TickMsg:
		var cmd tea.Cmd
		r.spin, cmd = r.spin.Update(msg)
		r.tbl.SetSpinner(r.spin.View())
		return cmd, nil
	case tea.KeyPressMsg:
		return r.key(msg)
	case tea.MouseWheelMsg:
		r.follow = false
		cmd, _ := r.tbl.Update(msg)
		return cmd, nil
	}
	return nil, nil
}

// submitted takes the host's answer to Submit: the run's handle, and why it did not
// start when it did not.
func (r *runPage) submitted(msg submittedMsg) (tea.Cmd, nav) {
	if msg.h == nil {
		r.startErr = msg.err
		return nil, nil
	}
	r.h, r.w, r.info = msg.h, msg.h.Watch(), msg.h.Info()
	r.sh.noteRun(msg.h)
	if r.stopAsked {
		_ = r.h.Stop()
	}
	return watchCmd(r.sh, r.w, 0), nil
}

// update applies what the run's Watch delivered.
func (r *runPage) update(u desk.Update) (tea.Cmd, nav) {
	was := r.info.State
	r.info = u.Info
	r.apply(u.Outcomes)
	warn := warnToast(u.Warnings)
	if was == desk.StateWaiting && r.info.State == desk.StateRunning {
		r.started = r.now() // approved: it runs from now
	}
	if u.Over {
		if r.info.Err != "" && r.info.Started.IsZero() {
			r.startErr = clean(r.info.Err)
			return warn, nil
		}
		res := resultsFromRun(r)
		res.warnings = append(res.warnings, cleanAll(u.Warnings)...)
		// The run used some of the quota: the header counts it again.
		return quotaCmd(r.sh, r.profile.p), replace{p: res}
	}
	if n := r.failFast(); n != nil {
		return tea.Batch(warn, watchCmd(r.sh, r.w, frameInterval)), n
	}
	return tea.Batch(warn, watchCmd(r.sh, r.w, frameInterval)), r.failFastAgain()
}

// Interrupt is ctrl+c and q while the run goes: the first asks whether to stop (and
// holds every request not yet sent meanwhile); once stopping, another aborts.
func (r *runPage) Interrupt() (tea.Cmd, nav, bool) {
	switch {
	case r.startErr != "" || r.waiting():
		return nil, nil, false // nothing to stop: the console quits (a request stays)
	case r.h == nil:
		// Still logging in: it stops as soon as it has started.
		r.stopAsked = true
		return toast("the run stops as soon as it has logged in"), nil, true
	case r.stopping():
		r.abortRun()
		return nil, nil, true
	}
	return nil, r.askStop(), true
}

// stopping reports whether the run was stopped.
func (r *runPage) stopping() bool { return r.info.State == desk.StateStopping || r.aborted }

// askStop pauses the run and asks whether to stop it: no new request goes out while the
// question is on screen.
func (r *runPage) askStop() nav {
	if r.h == nil || r.stopping() || r.asking {
		return nil
	}
	return r.ask("Stop the run? Requests in flight finish; the users not yet sent are skipped.",
		r.stopRun, func() { _ = r.h.Resume() })
}

// ask pauses the run and puts a question whose answers run yes or no; ctrl+c aborts.
func (r *runPage) ask(text string, yes, no func()) nav {
	r.asking = true
	_ = r.h.Pause()
	done := func(f func()) action {
		return func() (tea.Cmd, nav) {
			r.asking, r.fail.open = false, false
			f()
			return nil, nil
		}
	}
	r.question = ask{text: text, hint: "y/n · ctrl+c aborts", yes: done(yes), no: done(no), interrupt: done(r.abortRun)}
	return r.question
}

// stopRun stops dispatching: the requests in flight finish, the rest is skipped. The
// run stays paused until the stop is seen, so nothing slips out in between.
func (r *runPage) stopRun() {
	_ = r.h.Stop()
	r.info.State = desk.StateStopping
}

// abortRun gives up the requests in flight (their outcome is unknown: the password may
// have changed) and skips the rest.
func (r *runPage) abortRun() {
	r.aborted = true
	_ = r.h.Abort()
}

func (r *runPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := r.sh.keys
	switch {
	case r.startErr != "":
		if key.Matches(k, km.Back) {
			return nil, back{}
		}
		return nil, nil
	case key.Matches(k, km.Runs):
		return nil, push{p: newRunsPage(r.sh, r)}
	case r.waiting():
		return r.waitingKey(k)
	case key.Matches(k, km.Stop):
		return nil, r.askStop()
	case key.Matches(k, km.End):
		r.follow = true
		r.tbl.Follow(r.latest)
		return nil, nil
	}
	cmd, ok := r.tbl.Update(k)
	if ok {
		r.follow = false
	}
	return cmd, nil
}

// waitingKey is a key while the run waits for approval: w withdraws it, esc leaves it
// waiting.
func (r *runPage) waitingKey(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := r.sh.keys
	switch {
	case key.Matches(k, km.Back):
		return nil, back{}
	case key.Matches(k, km.Withdraw) && r.h != nil && !r.withdrawing:
		r.withdrawing = true
		return withdrawCmd(r), nil
	}
	return nil, nil
}

func (r *runPage) apply(batch []backends.Outcome) {
	for _, o := range batch {
		if o.Index < 0 || o.Index >= len(r.outcomes) {
			continue
		}
		was := r.tbl.Row(o.Index).Status
		switch {
		case o.Status == backends.StatusRunning && was != backends.StatusRunning:
			r.inFlight++
		case o.Status.Final() && was == backends.StatusRunning:
			r.inFlight--
		}
		r.tbl.Apply(o, cleanSecret(o.Secret), clean(o.Message))
		if o.Status.Final() {
			r.outcomes[o.Index] = o
			r.tally.Add(o)
		} else if o.Index > r.latest {
			r.latest = o.Index
		}
	}
	if r.follow {
		r.tbl.Follow(r.latest)
	}
}

func (r *runPage) View() string {
	th := r.sh.th
	head := ""
	for _, l := range wrapBanner(r.banner, r.width) {
		head += th.Warn.Render(l) + "\n"
	}
	switch {
	case r.startErr != "":
		var b strings.Builder
		for _, l := range fit.Wrap(r.startErr, r.width) {
			b.WriteString(th.Failed.Render(l) + "\n")
		}
		return head + b.String() + "\n" + th.Subtle.Render("esc goes back, q quits")
	case r.info.State == "": // the host has not answered yet
		return head + r.spin.View() + " logging in to " + r.profile.name + "…"
	case r.waiting():
		return head + r.waitingView()
	}
	var elapsed time.Duration
	if !r.started.IsZero() {
		elapsed = r.now().Sub(r.started)
	}
	state := running
	switch {
	case r.aborted:
		state = aborting
	case r.stopping():
		state = stopping
	case r.h != nil && r.h.Paused():
		state = paused
	}
	return head + progressLines(r.sh, r.width, r.tally, len(r.outcomes), r.flight(state), elapsed, state) + "\n" + r.tbl.View()
}

// flight says what is out: the requests in flight, or — before the first goes out (a
// batch of secrets asked for first, a slow first answer) — that the run is under way,
// so that a slow server does not look like a frozen screen.
func (r *runPage) flight(state runState) []string {
	switch {
	case r.inFlight > 0:
		return []string{fmt.Sprintf("%d in flight", r.inFlight)}
	case state == running && r.tally.Total() == 0:
		return []string{r.spin.View() + " preparing the first requests", r.spin.View() + " preparing"}
	}
	return nil
}

// waitingView is a run waiting for approval: why, who may approve it, until when, and
// what the technician may do meanwhile.
func (r *runPage) waitingView() string {
	th := r.sh.th
	in := r.info
	var lines []string
	add := func(style func(...string) string, s string) {
		for _, l := range fit.Wrap(s, r.width) {
			lines = append(lines, style(l))
		}
	}
	add(th.Warn.Render, fmt.Sprintf("%s · waiting for approval", plural(len(in.Users), "user")))
	if a := in.Approval; a != nil {
		add(th.Text.Render, "needs a second technician: "+clean(a.Why))
		add(th.Text.Render, approversLine(r.plan))
		add(th.Subtle.Render, "expires at "+runner.TimeText(a.Expires)+" unless an approver decides")
	}
	lines = append(lines, "")
	add(th.Subtle.Render, "Nothing is sent before another approver approves it in their console.")
	add(th.Subtle.Render, "w withdraws the request · esc leaves it waiting · l: your runs")
	if r.withdrawing {
		add(th.Subtle.Render, r.spin.View()+" withdrawing…")
	}
	return strings.Join(lines, "\n")
}
