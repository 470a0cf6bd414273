package ui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/theme"
	"resetdesk/ui/fit"
)

// Messages the root handles for every page.
type (
	// toastMsg puts text on the status line while owner (the page whose command made
	// it; nil: the console's own) is on top. An empty text takes the owner's toast away:
	// the page fixed what it said.
	toastMsg struct {
		text  string
		bad   bool
		owner page
	}
	toastExpiredMsg struct{ id int }
	copyMsg         struct {
		secret string
		what   string
		// copied runs (on the UI goroutine) once the secret went to the clipboard: the
		// page counts it copied then, not when asked (a copy cancelled at the tmux
		// question was not made).
		copied func()
	}
	clipboardExpiredMsg struct{ id int }
	// clipboardTickMsg redraws the header's countdown once a second.
	clipboardTickMsg struct{ id int }
	quitMsg          struct{ force bool }
	// noticeMsg is a notice of the desk (Notices): a toast, and a line of the history page.
	noticeMsg struct{ text string }
)

func toast(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text} }
}
func toastBad(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text, bad: true} }
}

// untoast takes away the toast of the page that returns it: what it said is no longer
// true (the refused id was removed, the field was fixed).
func untoast() tea.Cmd { return func() tea.Msg { return toastMsg{} } }

// own marks the toasts among cmd's messages as p's: a toast shows only while the page
// that made it is on top, so that none outlives its page.
func own(cmd tea.Cmd, p page) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch m := cmd().(type) {
		case toastMsg:
			if m.owner == nil {
				m.owner = p
			}
			return m
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(m))
			for i, c := range m {
				out[i] = own(c, p)
			}
			return out
		default:
			return m
		}
	}
}

func (c *Console) top() page { return c.stack[len(c.stack)-1] }

// setTheme makes th the console's theme and gives it to every page that keeps styled
// text: those of the stack and the results of this session's runs.
func (c *Console) setTheme(th theme.Theme) {
	c.sh.th = th
	for _, p := range c.stack {
		if t, ok := p.(themed); ok {
			t.SetTheme(th)
		}
	}
	for _, r := range c.sh.results {
		r.SetTheme(th)
	}
}

// Init asks for the terminal's background, starts the first page, and looks for what
// the host holds for this technician: their runs (a dropped session's), the approval
// requests they may decide, and every change of them from now on.
func (c *Console) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, c.top().Init(), changesCmd(c.sh), pendingCmd(c.sh), reattachCmd(c.sh))
}

// Update routes msg: the root keeps the keys of the console (ctrl+c, q, ?, the
// answers to a question), the status line and the clipboard; the rest goes to the page
// on top.
func (c *Console) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
		c.layout()
		return c, nil
	case tea.BackgroundColorMsg:
		c.setTheme(theme.New(msg.IsDark(), c.sh.noColor))
		return c, nil
	case tea.KeyPressMsg:
		return c, c.key(msg)
	case quotaMsg, secretStatusMsg:
		c.sh.remember(msg) // and the page on top may want it too
	case toastMsg:
		return c, c.setToast(msg)
	case toastExpiredMsg:
		if msg.id == c.toastID {
			c.clearToast()
		}
		return c, nil
	case noticeMsg:
		text := clean(msg.text)
		c.sh.notices = append(c.sh.notices, c.now().Format("15:04")+"  "+text)
		return c, c.setToast(toastMsg{text: text})
	case copyMsg:
		return c, c.copy(msg)
	case clipboardTickMsg:
		if msg.id == c.clipID && c.clipHeld {
			return c, c.clipboardTick()
		}
		return c, nil
	case clipboardExpiredMsg:
		if msg.id == c.clipID && c.clipHeld {
			c.clipHeld = false
			return c, tea.Batch(append(c.clearClipboard(), toast("clipboard cleared"))...)
		}
		return c, nil
	case quitMsg:
		return c, c.quit(msg.force)
	case runsChangedMsg:
		return c, tea.Batch(changesCmd(c.sh), pendingCmd(c.sh), c.forward(msg))
	case pendingMsg:
		if msg.err != "" {
			return c, toastBad("cannot read the approval requests: " + msg.err)
		}
		c.sh.pending = msg.reqs
	case reattachMsg:
		return c, c.reattach(msg)
	case runMsg:
		if rp := msg.owner(c); rp != nil && rp != c.top() {
			return c, c.behind(rp, msg)
		}
	}
	return c, c.forward(msg)
}

// forward gives msg to the page on top and applies the page change it asks for.
func (c *Console) forward(msg tea.Msg) tea.Cmd {
	p := c.top()
	cmd, n := p.Update(msg)
	return tea.Batch(own(cmd, p), c.apply(n))
}

// apply makes a page change (or puts a question) at once: before the next message is
// read, so no key lands on a page being left.
func (c *Console) apply(n nav) tea.Cmd {
	switch n := n.(type) {
	case nil:
		return nil
	case push:
		c.stack = append(c.stack, n.p)
		cmd := c.show(n.p)
		if n.then != nil {
			c.stack = append(c.stack, n.then)
			cmd = tea.Batch(cmd, c.show(n.then))
		}
		return tea.Batch(cmd, c.replay(n.typed))
	case replace:
		c.stack[len(c.stack)-1] = n.p
		return c.show(n.p)
	case startRun:
		// The users, mode and review pages of this flow are done, and so is any results
		// page under them: esc on this run's results goes back to the profiles, never to
		// another run's table (the runs page keeps every run of the session).
		c.stack = append(c.stack[:1:1], n.p)
		return c.show(n.p)
	case back:
		if len(c.stack) == 1 {
			return nil
		}
		c.stack = c.stack[:len(c.stack)-1]
		c.pageChanged()
		if r, ok := c.top().(resumer); ok {
			return own(r.Resume(), c.top())
		}
		return nil
	case ask:
		n.text = clean(n.text) // a question may quote a server or a file
		c.question = &n
		c.layout()
		return nil
	}
	return nil
}

// replay gives the page just shown the keys typed for it while the page before was
// still busy (a search, opening a profile), in the order they were typed.
func (c *Console) replay(typed []tea.KeyPressMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range typed {
		cmds = append(cmds, c.key(k))
	}
	return tea.Batch(cmds...)
}

// pageChanged closes what belonged to the page that was on top: its help, its toast and
// its question (an answer typed after it closed does nothing), and sizes the new top.
func (c *Console) pageChanged() {
	c.helpOpen = false
	if c.question != nil {
		c.question = nil
		c.closedAt = c.now()
	}
	if c.toastOwner != nil && c.toastOwner != c.top() {
		c.toast, c.toastOwner = "", nil
	}
	c.layout()
}

// setToast shows msg on the status line, when its page is still on top.
func (c *Console) setToast(msg toastMsg) tea.Cmd {
	switch {
	case msg.owner != nil && msg.owner != c.top():
		return nil // its page is gone: what it said is about a page not shown
	case msg.text == "":
		if c.toastOwner == msg.owner && msg.owner != nil {
			c.clearToast()
		}
		return nil
	}
	c.toastID++
	c.toast, c.toastBad, c.toastOwner = clean(msg.text), msg.bad, msg.owner
	c.layout() // the status line may take more lines, or fewer
	id := c.toastID
	return tea.Tick(toastTTL, func(time.Time) tea.Msg { return toastExpiredMsg{id} })
}

func (c *Console) clearToast() {
	c.toast, c.toastOwner = "", nil
	c.layout()
}

func (c *Console) show(p page) tea.Cmd {
	c.pageChanged()
	return own(p.Init(), p)
}

// answerGrace is how long after a question closed its answer keys do nothing on a page
// with no text field: a y typed a moment late must not act on the page below.
const answerGrace = time.Second

// answer runs the action of an answer to the question.
func (c *Console) answer(a action) tea.Cmd {
	c.question = nil
	c.closedAt = c.now()
	c.layout()
	if a == nil {
		return nil
	}
	cmd, n := a()
	return tea.Batch(own(cmd, c.top()), c.apply(n))
}

// lateAnswer reports whether k is an answer key typed just after a question closed,
// where it would act on a page with no text field.
func (c *Console) lateAnswer(k tea.KeyPressMsg) bool {
	km := c.sh.keys
	answerKey := key.Matches(k, km.Yes) || (key.Matches(k, km.No) && !key.Matches(k, km.Back))
	return answerKey && !c.closedAt.IsZero() && c.now().Sub(c.closedAt) < answerGrace && c.top().Input() == noInput
}

func (c *Console) key(k tea.KeyPressMsg) tea.Cmd {
	km := c.sh.keys
	if q := c.question; q != nil {
		switch {
		case key.Matches(k, km.Yes):
			return c.answer(q.yes)
		case key.Matches(k, km.No):
			return c.answer(q.no)
		case key.Matches(k, km.Interrupt):
			if q.interrupt != nil {
				return c.answer(q.interrupt)
			}
			return c.answer(q.no)
		}
		return nil
	}
	if c.lateAnswer(k) {
		return nil
	}
	in := c.top().Input()
	if c.helpOpen {
		switch {
		case key.Matches(k, km.Help), key.Matches(k, km.HelpAnywhere), key.Matches(k, km.Back), key.Matches(k, km.Quit):
			c.helpOpen = false
			c.layout()
			return nil
		case key.Matches(k, km.Interrupt):
			c.helpOpen = false
			c.layout()
			return c.interrupt()
		case key.Matches(k, km.Down), key.Matches(k, km.PageDown):
			c.helpTop++
			c.clampHelp()
		case key.Matches(k, km.Up), key.Matches(k, km.PageUp):
			c.helpTop = max(c.helpTop-1, 0)
		}
		return nil
	}
	switch {
	case key.Matches(k, km.Interrupt), in == noInput && key.Matches(k, km.Quit):
		return c.interrupt()
	case key.Matches(k, km.HelpAnywhere), in != textInput && key.Matches(k, km.Help):
		c.helpOpen, c.helpTop = true, 0
		c.layout()
		return nil
	case in == noInput && key.Matches(k, km.Approvals) && c.served():
		if _, open := c.top().(*approvalsPage); !open {
			return c.apply(push{p: newApprovalsPage(c.sh)})
		}
	}
	return c.forward(k)
}

// served reports whether the console is a served technician's: approval requests are
// decided there.
func (c *Console) served() bool { return c.sh.desk.Technician() != "" }

// interrupt is ctrl+c (or q): the page may handle it (a run asks whether to stop);
// otherwise the console quits.
func (c *Console) interrupt() tea.Cmd {
	if ip, ok := c.top().(interrupter); ok {
		if cmd, n, handled := ip.Interrupt(); handled {
			return tea.Batch(cmd, c.apply(n))
		}
	}
	return c.quit(false)
}

// unsaved counts the secrets of this session's runs neither copied nor exported.
func (c *Console) unsaved() int {
	n := 0
	for _, r := range c.sh.results {
		n += r.Unsaved()
	}
	return n
}

// quit ends the program, asking first while secrets are neither copied nor exported.
func (c *Console) quit(force bool) tea.Cmd {
	if !force {
		if n := c.unsaved(); n > 0 {
			return c.apply(ask{text: plural(n, "secret") + " not copied or exported yet. Quit anyway?",
				yes: func() (tea.Cmd, nav) { return c.quit(true), nil }})
		}
	}
	c.quitting = true
	if c.clipHeld {
		c.clipHeld = false
		return tea.Sequence(append(c.clearClipboard(), tea.Quit)...)
	}
	return tea.Quit
}

// View draws the header, the page, the status line and the help.
func (c *Console) View() tea.View {
	var b strings.Builder
	b.WriteString(c.header())
	b.WriteByte('\n')
	status := c.statusLines()
	help, overlay := c.helpLines()
	bodyH := c.bodyHeight()
	var body string
	if overlay {
		body = c.helpOverlay(help, bodyH)
	} else {
		body = c.top().View()
	}
	// The page was laid out for the room the status line leaves it (layout), so that
	// a long toast never hides its question or its field.
	b.WriteString(fit.Clip(fit.Height(body, bodyH), c.width))
	b.WriteByte('\n')
	b.WriteString(strings.Join(status, "\n"))
	b.WriteByte('\n')
	if c.helpOpen && !overlay {
		b.WriteString(strings.Join(help, "\n"))
	} else {
		b.WriteString(c.shortHelp())
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

// layout gives the page on top the room the chrome leaves it.
func (c *Console) layout() { c.top().SetSize(c.width, c.bodyHeight()) }

// minBody is the fewest lines a page keeps under an open help; a help that would leave
// fewer covers the page instead.
const minBody = 8

// bodyHeight is the page's room: the screen less the header, the status lines and the
// help.
func (c *Console) bodyHeight() int {
	helpH := 1
	if help, overlay := c.helpLines(); c.helpOpen && !overlay {
		helpH = len(help)
	}
	return max(c.height-1-len(c.statusLines())-helpH, 3)
}
