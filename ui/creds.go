package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/sanitize"
	"resetdesk/store"
)

// credsPage manages one profile's secret: set or replace it (typed into a masked field,
// never echoed), delete it, and test the connection with the back end's Check. Every
// store and back-end call runs in a tea.Cmd under a timeout: the OS keyring can hang.
type credsPage struct {
	sh       *shared
	profile  backends.Profile
	label    string // "password", "AuthToken"...
	status   string // where the secret comes from, as SecretStatus says; "" until known
	onStatus func(profile, status string)

	entering bool
	input    textinput.Model
	busy     string // what is under way: "storing", "deleting", "testing"; "" when idle
	result   string // the last action's outcome
	bad      bool
}

type (
	credsStatusMsg struct{ status string }
	// credsDoneMsg is the end of a set, delete or test.
	credsDoneMsg struct {
		text    string
		err     error
		refresh bool // the stored secret may have changed: ask for the status again
	}
)

var (
	kSetSecret    = bind("s", "set / replace secret", "s")
	kDeleteSecret = bind("d", "delete secret", "d")
	kTestConn     = bind("t", "test connection", "t")
	kStore        = bind("enter", "store", "enter")
	kCancel       = bind("esc", "cancel", "esc")
)

func newCredsPage(sh *shared, p backends.Profile, onStatus func(profile, status string)) *credsPage {
	in := newTextInput()
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	label := "secret"
	if k, ok := backends.Lookup(p.Kind); ok && k.SecretLabel != "" {
		label = k.SecretLabel
	}
	in.Prompt = label + ": "
	in.CharLimit = 4096
	return &credsPage{sh: sh, profile: p, label: label, input: in, onStatus: onStatus}
}

func (c *credsPage) Title() string { return sanitize.Line(c.profile.Name) + " · credentials" }
func (c *credsPage) Typing() bool  { return c.entering }
func (c *credsPage) Keys() keyMap {
	if c.entering {
		return keyMap{short: []key2{kStore, kCancel}, full: [][]key2{{kStore, kCancel}}}
	}
	return keyMap{
		short: []key2{kSetSecret, kDeleteSecret, kTestConn, kBack, kQuit},
		full:  [][]key2{{kSetSecret, kDeleteSecret, kTestConn}, {kBack, kHelp, kQuit}},
	}
}

func (c *credsPage) Init() tea.Cmd { return c.fetchStatus() }

// bounded runs fn under the timeout in a goroutine of its own, so that a store that
// ignores its context still costs no more than d.
func bounded(parent context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	done := make(chan error, 1) // buffered: an abandoned call must not block forever
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if parent.Err() != nil {
			return parent.Err()
		}
		return fmt.Errorf("no answer within %s", d)
	}
}

func (c *credsPage) fetchStatus() tea.Cmd {
	sh, p := c.sh, c.profile
	return func() tea.Msg {
		var st string
		err := bounded(sh.ctx, storeTimeout, func(ctx context.Context) error {
			var err error
			st, err = sh.desk.SecretSource(ctx, p)
			return err
		})
		if err != nil {
			st = "unknown: " + err.Error()
			if errors.Is(err, store.ErrNoSecret) {
				st = "missing: " + err.Error()
			}
		}
		return credsStatusMsg{st}
	}
}

func (c *credsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case credsStatusMsg:
		c.status = sanitize.Line(msg.status)
		if c.onStatus != nil {
			c.onStatus(c.profile.Name, msg.status)
		}
	case credsDoneMsg:
		c.busy = ""
		c.result, c.bad = sanitize.Line(msg.text), msg.err != nil
		if msg.err != nil {
			c.result = sanitize.Line(msg.text + ": " + msg.err.Error())
		}
		if msg.refresh {
			return c, c.fetchStatus()
		}
	case tea.KeyPressMsg:
		if c.entering {
			return c, c.keyEntering(msg)
		}
		return c, c.key(msg)
	case tea.PasteMsg:
		if c.entering {
			var cmd tea.Cmd
			c.input, cmd = c.input.Update(msg)
			return c, cmd
		}
	}
	return c, nil
}

const demoCredsRefusal = "--demo profiles have built-in secrets: the credentials page manages the profiles of your config"

func (c *credsPage) key(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(k, kBack):
		return c.sh.nav(backMsg{})
	case c.busy != "":
		return nil
	case matches(k, kSetSecret):
		if err := c.canChange(); err != "" {
			return toastBad(err)
		}
		c.entering, c.result = true, ""
		c.input.SetValue("")
		return c.input.Focus()
	case matches(k, kDeleteSecret):
		if err := c.canChange(); err != "" {
			return toastBad(err)
		}
		q := fmt.Sprintf("Delete the %s of profile %s from the %s?", c.label, sanitize.Line(c.profile.Name), sanitize.Line(c.sh.desk.Secrets().Name()))
		return ask(q, c.delete())
	case matches(k, kTestConn):
		c.busy, c.result = "testing the connection", ""
		return c.test()
	}
	return nil
}

// canChange says why the secret cannot be set or deleted here ("" when it can).
func (c *credsPage) canChange() string {
	if c.sh.desk.Demo() {
		return demoCredsRefusal
	}
	return ""
}

func (c *credsPage) keyEntering(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(k, kCancel):
		c.entering = false
		c.input.SetValue("")
		c.input.Blur()
		return nil
	case matches(k, kStore):
		secret := c.input.Value()
		c.input.SetValue("") // the page keeps no copy of it
		c.input.Blur()
		c.entering = false
		if secret == "" {
			c.result, c.bad = "empty "+c.label+": nothing stored", true
			return nil
		}
		c.busy = "storing the " + c.label
		return c.set(secret)
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(k)
	return cmd
}

func (c *credsPage) set(secret string) tea.Cmd {
	sh, p, label := c.sh, c.profile, c.label
	st := sh.desk.Secrets()
	return func() tea.Msg {
		err := bounded(sh.ctx, storeTimeout, func(ctx context.Context) error { return st.Set(ctx, p.Name, secret) })
		if err != nil {
			return credsDoneMsg{text: fmt.Sprintf("cannot store the %s of profile %s", label, p.Name), err: err, refresh: true}
		}
		return credsDoneMsg{text: fmt.Sprintf("%s of profile %s stored in the %s", label, p.Name, st.Name()), refresh: true}
	}
}

func (c *credsPage) delete() tea.Cmd {
	sh, p, label := c.sh, c.profile, c.label
	st := sh.desk.Secrets()
	return func() tea.Msg {
		// The question was asked from a command: the page was idle then, and this runs
		// after the yes.
		err := bounded(sh.ctx, storeTimeout, func(ctx context.Context) error { return st.Delete(ctx, p.Name) })
		switch {
		case errors.Is(err, store.ErrNoSecret):
			return credsDoneMsg{text: fmt.Sprintf("profile %s has no %s in the %s: nothing deleted", p.Name, label, st.Name()), refresh: true}
		case err != nil:
			return credsDoneMsg{text: fmt.Sprintf("cannot delete the %s of profile %s", label, p.Name), err: err, refresh: true}
		}
		return credsDoneMsg{text: fmt.Sprintf("%s of profile %s deleted from the %s", label, p.Name, st.Name()), refresh: true}
	}
}

// test opens the back end with the stored secret and asks it for its Check.
func (c *credsPage) test() tea.Cmd {
	sh, p := c.sh, c.profile
	return func() tea.Msg {
		var info string
		err := bounded(sh.ctx, openTimeout, func(ctx context.Context) error {
			b, err := sh.desk.Open(ctx, p)
			if err != nil {
				return err
			}
			info, err = b.Check(ctx)
			return err
		})
		if err != nil {
			return credsDoneMsg{text: "connection to " + p.Name + " failed", err: err}
		}
		if info == "" {
			info = "ok"
		}
		return credsDoneMsg{text: "connection to " + p.Name + " works: " + info}
	}
}

func (c *credsPage) View() string {
	th := c.sh.th
	w := c.sh.width
	var b strings.Builder
	row := func(k, v string) { b.WriteString(ansi.Truncate(fmt.Sprintf("  %-10s %s", k, v), w, "…") + "\n") }
	row("profile", sanitize.Line(c.profile.Name)+" ("+sanitize.Line(c.profile.Kind)+")  "+th.Subtle.Render(sanitize.Line(c.profile.URL)))
	storeName := sanitize.Line(c.sh.desk.Secrets().Name())
	if c.sh.desk.Demo() {
		storeName = "built in (demo)"
	}
	row("store", storeName)
	var st string
	switch {
	case c.status == "":
		st = th.Subtle.Render("checking…")
	case strings.HasPrefix(c.status, "missing") || strings.HasPrefix(c.status, "unknown"):
		st = th.Failed.Render(c.status)
	default:
		st = th.OK.Render(c.label + " present: " + c.status)
	}
	row(c.label, st)
	if c.status == "env" {
		b.WriteString(th.Warn.Render(ansi.Truncate("  "+store.SecretEnvName(c.profile.Name)+" is set and overrides the stored "+c.label, w, "…")) + "\n")
	}
	b.WriteByte('\n')
	switch {
	case c.sh.desk.Demo():
		b.WriteString(th.Subtle.Render(ansi.Truncate("  "+demoCredsRefusal, w, "…")) + "\n")
	case c.entering:
		b.WriteString("  " + c.input.View() + "\n")
		b.WriteString(th.Subtle.Render("  typed characters are not shown; enter stores, esc cancels") + "\n")
	}
	if c.busy != "" {
		b.WriteString("  " + th.Running.Render(c.busy+"…") + "\n")
	}
	if c.result != "" {
		style := th.OK
		if c.bad {
			style = th.Failed
		}
		for _, l := range wrap(c.result, max(w-2, 20)) {
			b.WriteString("  " + style.Render(l) + "\n")
		}
	}
	return b.String()
}

// wrap cuts s into lines of at most w cells (a keyring error can be long).
func wrap(s string, w int) []string {
	return strings.Split(ansi.Hardwrap(ansi.Wordwrap(s, w, " "), w, true), "\n")
}

// maxErrorLines bounds how much of a page a long error may take.
const maxErrorLines = 4

// wrapError is an error wrapped to the width, cut to maxErrorLines (the last ending
// in "…" when some was left out).
func wrapError(s string, w int) []string {
	w = max(w, 20)
	lines := wrap(s, w)
	if len(lines) > maxErrorLines {
		lines = lines[:maxErrorLines]
		lines[maxErrorLines-1] = ansi.Truncate(lines[maxErrorLines-1], w-1, "") + "…"
	}
	return lines
}
