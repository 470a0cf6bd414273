package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/table"
)

// runPage starts the run and shows its outcomes as they arrive.
type runPage struct {
	sh            *shared
	profile       *profile
	req           runner.Request
	width, height int

	// ctx is the run's own: cancelling it (a second ctrl+c) aborts the requests in
	// flight.
	ctx           context.Context
	abort         context.CancelFunc
	run           *runner.Run
	startErr      string
	stopping      bool
	aborted       bool
	asking        bool // a question of this page is on screen (the run is paused meanwhile)
	askedFailFast bool
	// question is this page's open question; failFastOpen is set while it is the
	// fail-fast one, whose counts follow the run (failFastAgain).
	question       ask
	failFastOpen   bool
	failFastReason string
	failFastFirst  int
	started        time.Time
	now            func() time.Time

	tbl      table.Model
	themeID  int
	outcomes []backends.Outcome // final outcomes by index, raw (secrets as the server gave them)
	tally    backends.Tally
	inFlight int // requests sent and not answered yet
	follow   bool
	latest   int
	spin     spinner.Model
	warns    *warnings
}

type runStartedMsg struct {
	run      *runner.Run
	err      string
	warnings []string
}

// outcomesMsg carries every outcome that arrived within one frame interval.
type outcomesMsg struct {
	batch []backends.Outcome
	done  bool
}
type runFinishedMsg struct{ warnings []string }

// newRunPage is the run of req; users are its users as drawn.
func newRunPage(sh *shared, p *profile, req runner.Request, users []string) *runPage {
	ctx, abort := context.WithCancel(sh.ctx)
	r := &runPage{sh: sh, profile: p, req: req, now: time.Now, follow: true, ctx: ctx, abort: abort,
		tbl:      table.New(sh.th, sh.keys, users),
		outcomes: make([]backends.Outcome, req.Len()),
		spin:     spinner.New(spinner.WithSpinner(spinner.MiniDot)), warns: &warnings{}}
	r.themeID = sh.themeID
	return r
}

func (r *runPage) Title() string     { return "running " + r.req.Mode().Name }
func (r *runPage) Profile() *profile { return r.profile }
func (r *runPage) Input() input      { return noInput }
func (r *runPage) Help() keys.Help {
	km := r.sh.keys
	if r.startErr != "" {
		return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}}}
	}
	return keys.Help{ShortKeys: []key.Binding{km.Up, km.Down}, Groups: [][]key.Binding{km.List()[:6], {km.Stop}}, Quit: km.Stop}
}

func (r *runPage) SetSize(w, h int) {
	r.width, r.height = w, h
	r.tbl.SetSize(w, max(h-2, 2)) // under the progress bar and the counts
}

func (r *runPage) Init() tea.Cmd {
	// The run's time counts from the confirm: the runner may be well under way when the
	// page hears that it started.
	r.started = r.now()
	sh, req, ctx := r.sh, r.req, r.ctx
	warns := r.warns
	return tea.Batch(r.spin.Tick, func() tea.Msg {
		run, err := sh.desk.Start(ctx, req, warns.add)
		return runStartedMsg{run: run, err: cleanErr(err), warnings: warns.take()}
	})
}

// warnings gathers what the desk reports from its commands' goroutines while a run
// starts and ends, for the status line: the console owns the screen, nothing may write
// to stderr.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, clean(s))
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}

// warnToast shows warnings on the status line (nil when there are none).
func warnToast(ws []string) tea.Cmd {
	if len(ws) == 0 {
		return nil
	}
	return toastBad(strings.Join(ws, "; "))
}

// readOutcomes waits for the next outcome, then gathers what else arrives within one
// frame interval, so that a run of thousands costs a message per frame, not per user.
func readOutcomes(run *runner.Run) tea.Cmd {
	return func() tea.Msg {
		ch := run.Outcomes()
		o, ok := <-ch
		if !ok {
			return outcomesMsg{done: true}
		}
		batch := []backends.Outcome{o}
		t := time.NewTimer(frameInterval)
		defer t.Stop()
		for {
			select {
			case o, ok := <-ch:
				if !ok {
					return outcomesMsg{batch: batch, done: true}
				}
				batch = append(batch, o)
			case <-t.C:
				return outcomesMsg{batch: batch}
			}
		}
	}
}

func (r *runPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case runStartedMsg:
		if msg.err != "" {
			r.startErr = msg.err
			r.abort()
			return warnToast(msg.warnings), nil
		}
		r.run = msg.run
		r.sh.active = msg.run
		return tea.Batch(readOutcomes(r.run), warnToast(msg.warnings)), nil
	case outcomesMsg:
		r.apply(msg.batch)
		if msg.done {
			r.sh.active = nil
			r.abort() // nothing is left to cancel: free the context
			return r.done(), nil
		}
		if n := r.failFast(); n != nil {
			return readOutcomes(r.run), n
		}
		return readOutcomes(r.run), r.failFastAgain()
	case runFinishedMsg:
		res := newResultsPage(r.sh, r.profile, r.req, r.tbl, r.outcomes, r.tally, r.now().Sub(r.started))
		res.started, res.warnings = r.started, msg.warnings
		r.sh.runs = append(r.sh.runs, res)
		// The run used some of the quota: the header counts it again.
		return quotaCmd(r.sh, r.profile.p), replace{p: res}
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

// Interrupt is ctrl+c and q while the run goes: the first asks whether to stop (and
// holds every request not yet sent meanwhile); once stopping, another aborts.
func (r *runPage) Interrupt() (tea.Cmd, nav, bool) {
	switch {
	case r.startErr != "":
		return nil, nil, false // nothing to stop: the console quits
	case r.run == nil:
		// Still logging in: give up, nothing was sent.
		r.abort()
		return nil, nil, true
	case r.stopping:
		r.abortRun()
		return nil, nil, true
	}
	return nil, r.askStop(), true
}

// askStop pauses the run and asks whether to stop it: no new request goes out while the
// question is on screen.
func (r *runPage) askStop() nav {
	if r.run == nil || r.stopping || r.asking {
		return nil
	}
	return r.ask("Stop the run? Requests in flight finish; the users not yet sent are skipped.",
		func() { r.stopRun() }, func() { r.run.Resume() })
}

// ask pauses the run and puts a question whose answers stop it (yes: stop, no: go on
// unless noStops) or abort it (ctrl+c).
func (r *runPage) ask(text string, yes, no func()) nav {
	r.asking = true
	r.run.Pause()
	done := func(f func()) action {
		return func() (tea.Cmd, nav) {
			r.asking, r.failFastOpen = false, false
			f()
			return nil, nil
		}
	}
	r.question = ask{text: text, hint: "y/n · ctrl+c aborts", yes: done(yes), no: done(no), interrupt: done(r.abortRun)}
	return r.question
}

// failFastAgain is the fail-fast question, while it is open, with its counts as they
// are now: the requests in flight come back while it waits for its answer.
func (r *runPage) failFastAgain() nav {
	if !r.failFastOpen || !r.asking {
		return nil
	}
	r.question.text = r.failFastText()
	return r.question
}

// stopRun stops dispatching: the requests in flight finish, the rest is skipped. The
// run stays paused until Stop is seen, so nothing slips out in between.
func (r *runPage) stopRun() {
	r.stopping = true
	r.run.Stop()
}

// abortRun cancels the run's context: the requests in flight are given up (their
// outcome is unknown: the password may have changed) and the rest is skipped.
func (r *runPage) abortRun() {
	r.stopping, r.aborted = true, true
	r.run.Stop()
	r.abort()
}

// failFastSample is how many first outcomes, all failed for the same reason, make the
// run pause and ask before it sends more: a wrong mode, option or permission fails
// every user alike, and there is no point in sending hundreds more.
const failFastSample = 5

// failFast asks whether to go on when the first outcomes all failed alike.
func (r *runPage) failFast() nav {
	if r.askedFailFast || r.asking || r.stopping || r.req.Len() <= failFastSample || r.tally.Total() < failFastSample {
		return nil
	}
	r.askedFailFast = true
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
	r.failFastReason, r.failFastFirst = reason, r.tally.Total()-r.tally.Skipped
	r.ask("", func() { r.run.Resume() }, func() { r.stopRun() })
	r.failFastOpen = true
	return r.failFastAgain()
}

// failFastText is the fail-fast question with what is true of the run now: how many
// were answered, how many are in flight (they finish either way) and how many are not
// sent yet (the answer decides those).
func (r *runPage) failFastText() string {
	answered := r.tally.Total() - r.tally.Skipped
	notYet := max(r.req.Len()-r.tally.Total()-r.inFlight, 0)
	return fmt.Sprintf("The first %d answers all failed: %s. %d answered · %d in flight (they finish either way) · %d not sent yet. Send the %d not sent yet?",
		r.failFastFirst, r.failFastReason, answered, r.inFlight, notYet, notYet)
}

func (r *runPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := r.sh.keys
	if r.startErr != "" {
		if key.Matches(k, km.Back) {
			return nil, back{}
		}
		return nil, nil
	}
	switch {
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

// done moves on to the results: the stream closed, so the journal and the history hold
// every outcome already.
func (r *runPage) done() tea.Cmd {
	warns := r.warns
	return func() tea.Msg { return runFinishedMsg{warnings: warns.take()} }
}

func (r *runPage) View() string {
	th := r.sh.th
	if r.themeID != r.sh.themeID {
		r.themeID = r.sh.themeID
		r.tbl.SetTheme(th)
	}
	if r.startErr != "" {
		var b strings.Builder
		for _, l := range fit.Wrap(r.startErr, r.width) {
			b.WriteString(th.Failed.Render(l) + "\n")
		}
		return b.String() + "\n" + th.Subtle.Render("esc goes back, q quits")
	}
	if r.run == nil {
		return r.spin.View() + " logging in to " + r.profile.name + "…"
	}
	var elapsed time.Duration
	if !r.started.IsZero() {
		elapsed = r.now().Sub(r.started)
	}
	state := running
	switch {
	case r.aborted:
		state = aborting
	case r.stopping:
		state = stopping
	case r.run.Paused():
		state = paused
	}
	return progressLines(r.sh, r.width, r.tally, r.req.Len(), elapsed, state) + "\n" + r.tbl.View()
}
