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
	toastMsg struct {
		text string
		bad  bool
	}
	toastExpiredMsg struct{ id int }
	copyMsg         struct {
		secret string
		what   string
	}
	clipboardExpiredMsg struct{ id int }
	// clipboardTickMsg redraws the header's countdown once a second.
	clipboardTickMsg struct{ id int }
	quitMsg          struct{ force bool }
)

func toast(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text} }
}
func toastBad(text string) tea.Cmd {
	return func() tea.Msg { return toastMsg{text: text, bad: true} }
}

func (c *Console) top() page { return c.stack[len(c.stack)-1] }

// Init asks for the terminal's background and starts the first page.
func (c *Console) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, c.top().Init())
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
		c.sh.th = theme.New(msg.IsDark(), c.sh.noColor)
		c.sh.themeID++
		return c, nil
	case tea.KeyPressMsg:
		return c, c.key(msg)
	case quotaMsg, secretStatusMsg:
		c.sh.remember(msg) // and the page on top may want it too
	case toastMsg:
		c.toastID++
		c.toast, c.toastBad = clean(msg.text), msg.bad
		id := c.toastID
		return c, tea.Tick(toastTTL, func(time.Time) tea.Msg { return toastExpiredMsg{id} })
	case toastExpiredMsg:
		if msg.id == c.toastID {
			c.toast = ""
		}
		return c, nil
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
	}
	return c, c.forward(msg)
}

// forward gives msg to the page on top and applies the page change it asks for.
func (c *Console) forward(msg tea.Msg) tea.Cmd {
	cmd, n := c.top().Update(msg)
	return tea.Batch(cmd, c.apply(n))
}

// apply makes a page change (or puts a question) at once: before the next message is
// read, so no key lands on a page being left.
func (c *Console) apply(n nav) tea.Cmd {
	switch n := n.(type) {
	case nil:
		return nil
	case push:
		c.stack = append(c.stack, n.p)
		return c.show(n.p)
	case replace:
		c.stack[len(c.stack)-1] = n.p
		return c.show(n.p)
	case startRun:
		// Keep the pages that hold secrets (the last results) or the profiles list; the
		// users, mode and review pages of this flow are done.
		base := 1
		for i, p := range c.stack {
			if _, ok := p.(unsaver); ok {
				base = i + 1
			}
		}
		c.stack = append(c.stack[:base:base], n.p)
		return c.show(n.p)
	case back:
		if len(c.stack) == 1 {
			return nil
		}
		c.stack = c.stack[:len(c.stack)-1]
		c.layout() // only the top page follows the size: give it the current one
		if r, ok := c.top().(resumer); ok {
			return r.Resume()
		}
		return nil
	case ask:
		n.text = clean(n.text) // a question may quote a server or a file
		c.question = &n
		return nil
	}
	return nil
}

func (c *Console) show(p page) tea.Cmd {
	c.helpOpen = false
	c.layout()
	return p.Init()
}

// answer runs the action of an answer to the question.
func (c *Console) answer(a action) tea.Cmd {
	c.question = nil
	if a == nil {
		return nil
	}
	cmd, n := a()
	return tea.Batch(cmd, c.apply(n))
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
	in := c.top().Input()
	if c.helpOpen {
		switch {
		case key.Matches(k, km.Help), key.Matches(k, km.Back), key.Matches(k, km.Quit):
			c.helpOpen = false
			c.layout()
			return nil
		case key.Matches(k, km.Interrupt):
			c.helpOpen = false
			c.layout()
			return c.interrupt()
		case key.Matches(k, km.Down), key.Matches(k, km.PageDown):
			c.helpTop++
		case key.Matches(k, km.Up), key.Matches(k, km.PageUp):
			c.helpTop = max(c.helpTop-1, 0)
		}
		return nil
	}
	switch {
	case key.Matches(k, km.Interrupt), in == noInput && key.Matches(k, km.Quit):
		return c.interrupt()
	case in != textInput && key.Matches(k, km.Help):
		c.helpOpen, c.helpTop = true, 0
		c.layout()
		return nil
	}
	return c.forward(k)
}

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

func (c *Console) unsaved() int {
	n := 0
	for _, p := range c.stack {
		if u, ok := p.(unsaver); ok {
			n += u.Unsaved()
		}
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
	// A status line longer than one line takes its room from the page's bottom: a
	// question must show its (y/n), an error its end.
	b.WriteString(fit.Clip(fit.Height(body, max(bodyH-len(status)+1, 1)), c.width))
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

// bodyHeight is the page's room: the screen less the header, the status line and the
// help.
func (c *Console) bodyHeight() int {
	helpH := 1
	if help, overlay := c.helpLines(); c.helpOpen && !overlay {
		helpH = len(help)
	}
	return max(c.height-2-helpH, 3)
}
