package ui

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/sanitize"
	"resetdesk/ui/table"
)

// runPage starts the run and shows its outcomes as they arrive.
type runPage struct {
	sh      *shared
	profile backends.Profile
	req     runner.Request

	run      *runner.Run
	startErr string
	stopping bool
	started  time.Time
	now      func() time.Time

	tbl      table.Model
	themeID  int
	outcomes []backends.Outcome // final outcomes by index, raw (secrets as the server gave them)
	tally    backends.Tally
	follow   bool
	latest   int
	spin     spinner.Model
	warns    *warnings
}

type runStartedMsg struct {
	run      *runner.Run
	err      error
	warnings []string
}

// outcomesMsg carries every outcome that arrived within one frame interval.
type outcomesMsg struct {
	batch []backends.Outcome
	done  bool
}
type stopRunMsg struct{}
type runFinishedMsg struct{ warnings []string }

func newRunPage(sh *shared, req runner.Request) *runPage {
	r := &runPage{sh: sh, profile: req.Profile(), req: req, now: time.Now, follow: true,
		tbl:      table.New(sh.th, sanitizeAll(req.Users())),
		outcomes: make([]backends.Outcome, req.Len()),
		spin:     spinner.New(spinner.WithSpinner(spinner.MiniDot)), warns: &warnings{}}
	r.themeID = sh.themeID
	r.layout()
	return r
}

func sanitizeAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, s := range ids {
		out[i] = sanitize.Line(s)
	}
	return out
}

func (r *runPage) Title() string {
	return sanitize.Line(r.profile.Name) + " · running " + r.req.Mode().Name
}
func (r *runPage) Typing() bool { return false }
func (r *runPage) Keys() keyMap {
	if r.startErr != "" {
		return keyMap{short: []key2{kBack, kQuit}, full: [][]key2{{kBack, kQuit}}}
	}
	return keyMap{short: []key2{kStop, kUpJ, kDownJ}, full: [][]key2{{kUpJ, kDownJ, kPgUp, kPgDown, kHome, kEnd}, {kStop}}}
}

func (r *runPage) Init() tea.Cmd {
	sh, req := r.sh, r.req
	warns := r.warns
	return tea.Batch(r.spin.Tick, func() tea.Msg {
		run, err := sh.desk.Start(sh.ctx, req, warns.add)
		return runStartedMsg{run: run, err: err, warnings: warns.take()}
	})
}

// warnings gathers what PrepareRun and finish report from their commands' goroutines,
// for the status line: the console owns the screen, nothing may write to stderr.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, s)
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
	for i, w := range ws {
		ws[i] = sanitize.Line(w)
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

func (r *runPage) layout() {
	r.tbl.SetSize(r.sh.width, max(r.sh.height-4, 2))
}

func (r *runPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.layout()
	case runStartedMsg:
		if msg.err != nil {
			r.startErr = sanitize.Line(msg.err.Error())
			return r, warnToast(msg.warnings)
		}
		r.run, r.started = msg.run, r.now()
		r.sh.active = msg.run
		return r, tea.Batch(readOutcomes(r.run), warnToast(msg.warnings))
	case outcomesMsg:
		r.apply(msg.batch)
		if msg.done {
			r.sh.active = nil
			return r, r.done()
		}
		return r, readOutcomes(r.run)
	case stopRunMsg:
		if r.run != nil && !r.stopping {
			r.stopping = true
			r.run.Stop()
		}
	case runFinishedMsg:
		return r, tea.Batch(r.sh.nav(replaceMsg{newResultsPage(r.sh, r.req, r.tbl, r.outcomes, r.tally, r.now().Sub(r.started))}),
			warnToast(msg.warnings))
	case spinner.TickMsg:
		var cmd tea.Cmd
		r.spin, cmd = r.spin.Update(msg)
		r.tbl.SetSpinner(r.spin.View())
		return r, cmd
	case tea.KeyPressMsg:
		return r, r.key(msg)
	}
	return r, nil
}

func (r *runPage) key(k tea.KeyPressMsg) tea.Cmd {
	if r.startErr != "" {
		if matches(k, kBack) {
			return r.sh.nav(backMsg{})
		}
		return nil
	}
	switch {
	case matches(k, kStop), matches(k, kQuit):
		if r.run == nil || r.stopping {
			return nil
		}
		return ask("Stop the run? Requests in flight finish; the users not yet sent are skipped.",
			func() tea.Msg { return stopRunMsg{} })
	case matches(k, kUpJ):
		r.follow = false
		r.tbl.Move(-1)
	case matches(k, kDownJ):
		r.follow = false
		r.tbl.Move(1)
	case matches(k, kPgUp):
		r.follow = false
		r.tbl.Move(-r.tbl.Page())
	case matches(k, kPgDown):
		r.follow = false
		r.tbl.Move(r.tbl.Page())
	case matches(k, kHome):
		r.follow = false
		r.tbl.Top()
	case matches(k, kEnd):
		r.follow = true
		r.tbl.Follow(r.latest)
	}
	return nil
}

func (r *runPage) apply(batch []backends.Outcome) {
	for _, o := range batch {
		if o.Index < 0 || o.Index >= len(r.outcomes) {
			continue
		}
		secret := sanitize.Line(o.Secret)
		r.tbl.Apply(o, "", secret, sanitize.Line(o.Message))
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
		for _, l := range wrap(r.startErr, r.sh.width) {
			b.WriteString(th.Failed.Render(l) + "\n")
		}
		return b.String() + "\n" + th.Subtle.Render("esc goes back, q quits")
	}
	if r.run == nil {
		return r.spin.View() + " logging in to " + sanitize.Line(r.profile.Name) + "…"
	}
	var elapsed time.Duration
	if !r.started.IsZero() {
		elapsed = r.now().Sub(r.started)
	}
	head := progressLines(r.sh, r.tally, r.req.Len(), elapsed)
	if r.stopping {
		head += th.Warn.Render("  stopping: waiting for requests in flight…")
	}
	return head + "\n" + r.tbl.View()
}

// progressLines draws the bar with the count, then the counts per status, rate and ETA.
func progressLines(sh *shared, t backends.Tally, total int, elapsed time.Duration) string {
	th := sh.th
	done := t.Total()
	frac := 0.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	label := fmt.Sprintf(" %d/%d %3.0f%%", done, total, frac*100)
	w := max(sh.width-ansi.StringWidth(label)-2, 10)
	fill := int(frac * float64(w))
	bar := th.Bar.Render(strings.Repeat("█", fill)) + th.BarEmpty.Render(strings.Repeat("░", w-fill))
	counts := th.OK.Render(fmt.Sprintf("ok %d", t.OK)) + "  " + th.Failed.Render(fmt.Sprintf("failed %d", t.Failed)) + "  " +
		th.Unknown.Render(fmt.Sprintf("unknown %d", t.Unknown)) + "  " + th.Skipped.Render(fmt.Sprintf("skipped %d", t.Skipped))
	if secs := elapsed.Seconds(); secs > 0 && done > 0 {
		rate := float64(done) / secs
		counts += th.Subtle.Render(fmt.Sprintf("  ·  %.1f/s", rate))
		if done < total {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			counts += th.Subtle.Render("  ETA " + table.FormatElapsed(eta.Round(time.Second)))
		} else {
			counts += th.Subtle.Render("  in " + table.FormatElapsed(elapsed))
		}
	}
	return bar + label + "\n" + counts
}
