// Package ui is the console: a Bubble Tea program whose root model routes between pages
// (profiles, users, mode, review, run, results), each a model with its own key map. It
// knows back ends only through the backends.Backend interface and backends.Mode, so a
// new kind needs no change here.
package ui

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/sanitize"
	"resetdesk/store"
	"resetdesk/store/history"
	"resetdesk/theme"
)

// Desk is the session the console works at (desk.Desk): every call that may block (the
// keyring, the journal, the history, the network) is made from a tea.Cmd, never in
// Update or View.
type Desk interface {
	Profiles() []backends.Profile
	Demo() bool
	// Open fetches the profile's secret and builds its back end.
	Open(ctx context.Context, p backends.Profile) (backends.Backend, error)
	// SecretSource says where a profile's secret comes from, or why there is none.
	SecretSource(ctx context.Context, p backends.Profile) (string, error)
	// QuotaLeft is the day's quota left for profiles that have one.
	QuotaLeft(ctx context.Context, p backends.Profile) (left int, has bool, err error)
	// Start starts a run kept by the journal and the history; warn gets what goes wrong
	// without stopping it (the console shows it on the status line, never on stderr).
	Start(ctx context.Context, req runner.Request, warn func(string)) (*runner.Run, error)
	// Secrets is the store the credentials page sets and deletes profile secrets in.
	Secrets() store.SecretStore
	// Recover reads the journal's recent secrets, as `resetdesk recover` lists them.
	Recover(ctx context.Context, purge bool) (desk.Recovery, error)
	// History reads the runs f selects, newest first, with their outcomes when asked.
	History(ctx context.Context, f history.Filter, outcomes bool) ([]*history.Run, []history.Outcome, error)
	// Getenv reads the session's environment ($TMUX, $STY, $NO_COLOR).
	Getenv(name string) string
}

// Timings the console uses; variables so that tests can shorten them.
var (
	searchDebounce = 250 * time.Millisecond
	clipboardTTL   = 30 * time.Second
	toastTTL       = 4 * time.Second
	// frameInterval bounds how often a run's outcomes reach Update (and so the screen).
	frameInterval = 50 * time.Millisecond
	openTimeout   = 30 * time.Second
	// storeTimeout bounds a secret-store call of the credentials page (the OS keyring
	// has a shorter timeout of its own; this one also covers a store that ignores its
	// context) and a read of the journal or the history.
	storeTimeout = 15 * time.Second
	// inFlightGrace bounds the wait, on exit, for requests a run still has in flight
	// (each has its own timeout; this covers a stuck journal).
	inFlightGrace = 2 * time.Minute
)

// RecoverEntry is one secret of the journal, as the recover page lists it.
type RecoverEntry struct {
	Time                time.Time
	Profile, Mode, User string
	Status              string // explained: "ok", "no answer: may be set", ...
	Secret              string
}

// Run runs the console at d in the alternate screen until the technician quits.
func Run(ctx context.Context, d Desk) error {
	m := newModel(ctx, d)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	// A dropped SSH session sends SIGHUP, which would kill the process with requests in
	// flight: end the program instead, and let the run below finish what it sent.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ended := make(chan struct{})
	defer close(ended)
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hup:
			hungUp.Store(true)
			p.Kill()
		case <-ended:
		}
	}()
	_, err := p.Run()
	finishInFlight(m.sh.active)
	if errors.Is(err, tea.ErrProgramKilled) && (ctx.Err() != nil || hungUp.Load()) {
		return nil
	}
	return err
}

// finishInFlight stops a run the console left (a quit or a hang-up mid-run) and waits
// for the requests in flight: the runner journals each new secret before it emits the
// outcome, so waiting here is what keeps them for `resetdesk recover`.
func finishInFlight(run *runner.Run) {
	if run == nil {
		return
	}
	run.Stop()
	drained := make(chan struct{})
	go func() {
		for range run.Outcomes() {
		}
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(inFlightGrace):
	}
}

// shared is what every page reads: options, theme, size and the root context.
type shared struct {
	ctx     context.Context
	desk    Desk
	th      theme.Theme
	themeID int // bumped when the theme changes, for pages that cache styled text
	noColor bool
	width   int
	height  int // of the page body
	// active is the run in progress, if any: on exit the console stops it and waits for
	// what is in flight.
	active  *runner.Run
	pending []tea.Msg
}

func (s *shared) getenv(k string) string { return s.desk.Getenv(k) }

// page is one screen.
type page interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (page, tea.Cmd)
	View() string
	Title() string
	Keys() keyMap
	// Typing reports whether a text field has the focus (q and ? are typed, not keys).
	Typing() bool
}

// Messages between pages and the root.
type (
	pushMsg    struct{ p page }
	replaceMsg struct{ p page }
	backMsg    struct{}
	// startRunMsg: the review page confirmed; the pages of this flow give way to the run.
	startRunMsg struct{ p page }
	toastMsg    struct {
		text string
		bad  bool
	}
	toastExpiredMsg struct{ id int }
	// askMsg asks a yes/no question; yes runs onYes.
	askMsg struct {
		question string
		onYes    tea.Cmd
	}
	copyMsg struct {
		secret string
		what   string
	}
	clipboardExpiredMsg struct{ id int }
	quitMsg             struct{ force bool }
)

func back() tea.Msg { return backMsg{} }

// nav queues a page change (pushMsg, replaceMsg, backMsg, startRunMsg) that the root
// applies as soon as the page's Update returns, before the next key: a change sent as a
// command would let keys typed quickly land on the page being left.
func (s *shared) nav(msg tea.Msg) tea.Cmd {
	s.pending = append(s.pending, msg)
	return nil
}
func toast(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text} }
}
func toastBad(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text, bad: true} }
}
func ask(q string, onYes tea.Cmd) tea.Cmd {
	return func() tea.Msg { return askMsg{q, onYes} }
}

// resumer is a page that refreshes what may have changed while it was covered.
type resumer interface{ Resume() tea.Cmd }

// unsaver is a page that holds secrets not yet copied or exported.
type unsaver interface{ Unsaved() int }

type model struct {
	sh       *shared
	stack    []page
	help     help.Model
	fullHelp bool

	toast    string
	toastBad bool
	toastID  int

	question string
	onYes    tea.Cmd

	clipID   int
	clipHeld bool
	// clipCopied are the secrets copied since the clipboard was last cleared: tmux may
	// keep each of them in a paste buffer that the clear must delete.
	clipCopied []string
	quitting   bool
}

func newModel(ctx context.Context, d Desk) *model {
	sh := &shared{ctx: ctx, desk: d, width: 80, height: 20}
	sh.noColor = sh.getenv("NO_COLOR") != ""
	sh.th = theme.New(true, sh.noColor)
	m := &model{sh: sh, help: help.New()}
	m.help.Styles = help.DefaultStyles(true)
	m.stack = []page{newProfilesPage(sh)}
	return m
}

func (m *model) top() page { return m.stack[len(m.stack)-1] }

func (m *model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.top().Init())
}

func (m *model) chrome() int {
	h := 3 // title, status line, help
	if m.fullHelp {
		h += strings.Count(m.help.FullHelpView(m.top().Keys().FullHelp()), "\n")
	}
	return h
}

func (m *model) resize(w, h int) {
	m.sh.width = w
	m.help.SetWidth(w)
	m.sh.height = max(h-m.chrome(), 3)
}

func (m *model) totalHeight() int { return m.sh.height + m.chrome() }

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, m.forward(msg)
	case tea.BackgroundColorMsg:
		m.sh.th = theme.New(msg.IsDark(), m.sh.noColor)
		m.sh.themeID++
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case pushMsg:
		m.stack = append(m.stack, msg.p)
		return m, msg.p.Init()
	case replaceMsg:
		m.stack[len(m.stack)-1] = msg.p
		return m, msg.p.Init()
	case startRunMsg:
		// Keep the pages up to the last results (their secrets stay reachable) or the
		// profiles list; the users/mode/review pages of this flow are done.
		base := 1
		for i, p := range m.stack {
			if _, ok := p.(*resultsPage); ok {
				base = i + 1
			}
		}
		m.stack = append(m.stack[:base:base], msg.p)
		return m, msg.p.Init()
	case backMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
			// Only the top page sees resizes: give the page coming back the current size.
			cmds := []tea.Cmd{m.forward(tea.WindowSizeMsg{Width: m.sh.width, Height: m.totalHeight()})}
			if r, ok := m.top().(resumer); ok {
				cmds = append(cmds, r.Resume())
			}
			return m, tea.Batch(cmds...)
		}
		return m, nil
	case toastMsg:
		m.toastID++
		m.toast, m.toastBad = sanitize.Line(msg.text), msg.bad
		id := m.toastID
		return m, tea.Tick(toastTTL, func(time.Time) tea.Msg { return toastExpiredMsg{id} })
	case toastExpiredMsg:
		if msg.id == m.toastID {
			m.toast = ""
		}
		return m, nil
	case askMsg:
		m.question, m.onYes = sanitize.Line(msg.question), msg.onYes
		return m, nil
	case copyMsg:
		return m, m.copy(msg)
	case clipboardExpiredMsg:
		if msg.id == m.clipID && m.clipHeld {
			m.clipHeld = false
			return m, tea.Batch(append(m.clearClipboard(), toast("clipboard cleared"))...)
		}
		return m, nil
	case quitMsg:
		if !msg.force {
			if n := m.unsaved(); n > 0 {
				m.question = plural(n, "secret") + " not copied or exported yet. Quit anyway?"
				m.onYes = func() tea.Msg { return quitMsg{force: true} }
				return m, nil
			}
		}
		m.quitting = true
		if m.clipHeld {
			m.clipHeld = false
			return m, tea.Sequence(append(m.clearClipboard(), tea.Quit)...)
		}
		return m, tea.Quit
	}
	return m, m.forward(msg)
}

func (m *model) forward(msg tea.Msg) tea.Cmd {
	p, cmd := m.top().Update(msg)
	m.stack[len(m.stack)-1] = p
	cmds := []tea.Cmd{cmd}
	for len(m.sh.pending) > 0 {
		nav := m.sh.pending[0]
		m.sh.pending = m.sh.pending[1:]
		_, c := m.Update(nav)
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

func (m *model) unsaved() int {
	n := 0
	for _, p := range m.stack {
		if u, ok := p.(unsaver); ok {
			n += u.Unsaved()
		}
	}
	return n
}

func (m *model) key(k tea.KeyPressMsg) tea.Cmd {
	if m.question != "" {
		switch {
		case matches(k, kYes):
			cmd := m.onYes
			m.question, m.onYes = "", nil
			return cmd
		case matches(k, kNo), k.String() == "ctrl+c":
			m.question, m.onYes = "", nil
		}
		return nil
	}
	typing := m.top().Typing()
	switch {
	case k.String() == "ctrl+c", !typing && matches(k, kQuit):
		// A run (or one about to start) is stopped by its page, which asks first; a
		// run that could not start leaves nothing to stop.
		if r, ok := m.top().(*runPage); ok && r.startErr == "" {
			return m.forward(k)
		}
		return func() tea.Msg { return quitMsg{} }
	case !typing && matches(k, kHelp):
		m.fullHelp = !m.fullHelp
		m.resize(m.sh.width, m.totalHeight())
		return m.forward(tea.WindowSizeMsg{Width: m.sh.width, Height: m.totalHeight()})
	}
	return m.forward(k)
}

func (m *model) View() tea.View {
	var b strings.Builder
	th := m.sh.th
	title := th.Title.Render("resetdesk")
	if m.sh.desk.Demo() {
		title += " " + th.Warn.Render("[demo]")
	}
	title += th.Subtle.Render(" · ") + m.top().Title()
	b.WriteString(lipgloss.NewStyle().MaxWidth(m.sh.width).Render(title))
	b.WriteByte('\n')
	status := m.statusLines()
	body := m.top().View()
	// A status line longer than the screen wraps and takes its room from the page's
	// bottom: a question must show its (y/n), an error its end.
	b.WriteString(fitHeight(body, max(m.sh.height-len(status)+1, 1)))
	b.WriteByte('\n')
	b.WriteString(strings.Join(status, "\n"))
	b.WriteByte('\n')
	keys := m.top().Keys()
	if m.fullHelp {
		b.WriteString(m.help.FullHelpView(keys.FullHelp()))
	} else {
		b.WriteString(m.help.ShortHelpView(keys.ShortHelp()))
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	return v
}

// maxStatusLines bounds how much of the page a long status line may take.
const maxStatusLines = 3

// statusLines is the question or the toast, wrapped to the width (one empty line when
// there is neither).
func (m *model) statusLines() []string {
	th := m.sh.th
	w := max(m.sh.width, 20)
	var lines []string
	switch {
	case m.question != "":
		for _, l := range wrap(m.question+"  (y/n)", w) {
			lines = append(lines, th.Warn.Render(l))
		}
	case m.toast != "":
		style := th.Toast // padded by one cell each side
		if m.toastBad {
			style = th.Danger.Padding(0, 1)
		}
		for _, l := range wrap(m.toast, w-2) {
			lines = append(lines, style.Render(l))
		}
	default:
		return []string{""}
	}
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
	}
	return lines
}

// fitHeight pads or cuts s to exactly h lines, so that the help stays at the bottom.
func fitHeight(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func matches(k tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(k, b...) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}

// newTextInput is a text field with a steady cursor: a blinking one repaints the screen
// twice a second, which over a slow SSH link is noise.
func newTextInput() textinput.Model {
	in := textinput.New()
	// bubbles v2.2.1 draws only the first character of a placeholder when no width is
	// set; a width also keeps long input scrolling within an 80-column screen.
	in.SetWidth(48)
	s := in.Styles()
	s.Cursor.Blink = false
	in.SetStyles(s)
	return in
}
