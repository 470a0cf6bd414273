package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/slow"
)

// credsPage manages one profile's secret: set or replace it (typed into a masked field,
// never echoed), delete it, and test the connection with the back end's Check. Every
// store and back-end call runs in a tea.Cmd under a timeout: the OS keyring can hang.
type credsPage struct {
	sh      *shared
	profile *profile
	label   string // "password", "AuthToken"...
	store   string // the secret store's name, as drawn
	width   int
	height  int

	entering bool
	input    textinput.Model
	busy     slow.Task
	result   string // the last action's outcome
	bad      bool
}

// credsDoneMsg is the end of a set, delete or test.
type credsDoneMsg struct {
	text    string
	err     string
	refresh bool // the stored secret may have changed: ask for the status again
}

// storeReachedMsg says whether the store can be written, before the secret is asked.
type storeReachedMsg struct{ err string }

func newCredsPage(sh *shared, p *profile) *credsPage {
	in := sh.newTextInput()
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	label := "secret"
	if k, ok := backends.Lookup(p.p.Kind); ok && k.SecretLabel != "" {
		label = k.SecretLabel
	}
	in.Prompt = label + ": "
	in.CharLimit = 4096
	storeName := clean(sh.desk.Secrets().Name())
	if sh.desk.Demo() {
		storeName = "built in (demo)"
	}
	return &credsPage{sh: sh, profile: p, label: label, store: storeName, input: in, busy: slow.NewTask()}
}

func (c *credsPage) Title() string     { return "credentials" }
func (c *credsPage) Profile() *profile { return c.profile }
func (c *credsPage) Input() input      { return inputOf(c.entering, c.input.Value()) }
func (c *credsPage) Help() keys.Help {
	km := c.sh.keys
	if c.entering {
		return keys.Help{ShortKeys: []key.Binding{km.Store, km.Cancel}, Groups: [][]key.Binding{{km.Store, km.Cancel}}}
	}
	// Not offered where they would be refused (the demo, a served console).
	canChange := c.canChange() == ""
	km.SetSecret.SetEnabled(canChange)
	km.DeleteSecret.SetEnabled(canChange)
	return keys.Help{
		ShortKeys: []key.Binding{km.SetSecret, km.DeleteSecret, km.TestConnection, km.Back},
		Groups:    [][]key.Binding{{km.SetSecret, km.DeleteSecret, km.TestConnection}, {km.Back}},
	}
}
func (c *credsPage) SetSize(w, h int) { c.width, c.height = w, h }

func (c *credsPage) Init() tea.Cmd { return secretStatusCmd(c.sh, c.profile.p, storeTimeout) }

// status is the profile's secret status as the root keeps it ("" until known).
func (c *credsPage) status() string { return c.sh.secrets[c.profile.p.Name] }

func (c *credsPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case storeReachedMsg:
		c.busy.Done()
		if msg.err != "" {
			c.result, c.bad = msg.err, true
			return nil, nil
		}
		c.entering, c.result = true, ""
		c.input.SetValue("")
		return c.input.Focus(), nil
	case credsDoneMsg:
		c.busy.Done()
		c.result, c.bad = msg.text, msg.err != ""
		if msg.err != "" {
			c.result = msg.text + ": " + msg.err
		}
		if msg.refresh {
			return c.Init(), nil
		}
	case tea.KeyPressMsg:
		if c.entering {
			return c.keyEntering(msg), nil
		}
		return c.key(msg)
	case tea.PasteMsg:
		if c.entering {
			var cmd tea.Cmd
			c.input, cmd = c.input.Update(msg)
			return cmd, nil
		}
	}
	return c.busy.Update(msg), nil
}

const demoCredsRefusal = "--demo profiles have built-in secrets: the credentials page manages the profiles of your config"

func (c *credsPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := c.sh.keys
	switch {
	case key.Matches(k, km.Back):
		return nil, back{}
	case c.busy.Running():
		return nil, nil
	case key.Matches(k, km.SetSecret):
		if err := c.canChange(); err != "" {
			return toastBad(err), nil
		}
		c.result = ""
		return c.reach(), nil
	case key.Matches(k, km.DeleteSecret):
		if err := c.canChange(); err != "" {
			return toastBad(err), nil
		}
		q := fmt.Sprintf("Delete the %s of profile %s from the %s?", c.label, c.profile.name, c.store)
		return nil, ask{text: q, yes: func() (tea.Cmd, nav) { return c.delete(), nil }}
	case key.Matches(k, km.TestConnection):
		c.result = ""
		return c.test(), nil
	}
	return nil, nil
}

// servedCredsRefusal is why a served console does not change the host's secrets.
const servedCredsRefusal = "the credentials live on the host that serves resetdesk: set them there with `resetdesk creds set PROFILE`"

// canChange says why the secret cannot be set or deleted here ("" when it can).
func (c *credsPage) canChange() string {
	switch {
	case c.sh.desk.Demo():
		return demoCredsRefusal
	case !c.sh.local:
		return servedCredsRefusal
	}
	return ""
}

// reach checks that the store can be written before the secret is typed: typing a
// long token only to learn that no Secret Service is reachable wastes the time.
func (c *credsPage) reach() tea.Cmd {
	sh, name := c.sh, c.store
	st := sh.desk.Secrets()
	if env, ok := st.(store.EnvSecrets); ok && env.Next != nil {
		st = env.Next // the store the secret goes to, not the environment over it
	}
	return c.busy.Start("reaching the "+name, func() tea.Msg {
		_, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, store.Reachable(ctx, st)
		})
		if err != nil {
			return storeReachedMsg{err: fmt.Sprintf("cannot reach the %s, nothing to type: %s", name, cleanErr(err))}
		}
		return storeReachedMsg{}
	})
}

func (c *credsPage) keyEntering(k tea.KeyPressMsg) tea.Cmd {
	km := c.sh.keys
	switch {
	case key.Matches(k, km.Cancel):
		c.entering = false
		c.input.SetValue("")
		c.input.Blur()
		return nil
	case key.Matches(k, km.Store):
		secret := c.input.Value()
		c.input.SetValue("") // the page keeps no copy of it
		c.input.Blur()
		c.entering = false
		if secret == "" {
			c.result, c.bad = "empty "+c.label+": nothing stored", true
			return nil
		}
		return c.set(secret)
	}
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(k)
	return cmd
}

// call runs fn on the store or the back end under the store timeout, with the spinner.
func (c *credsPage) call(what string, d time.Duration, fn func(ctx context.Context) credsDoneMsg) tea.Cmd {
	sh := c.sh
	return c.busy.Start(what, func() tea.Msg {
		msg, err := slow.Call(sh.ctx, d, func(ctx context.Context) (credsDoneMsg, error) {
			m := fn(ctx)
			return m, nil
		})
		if err != nil {
			return credsDoneMsg{text: what + " did not finish", err: cleanErr(err), refresh: true}
		}
		return msg
	})
}

func (c *credsPage) set(secret string) tea.Cmd {
	p, label := c.profile, c.label
	st := c.sh.desk.Secrets()
	return c.call("storing the "+label, storeTimeout, func(ctx context.Context) credsDoneMsg {
		if err := st.Set(ctx, p.p.Name, secret); err != nil {
			return credsDoneMsg{text: fmt.Sprintf("cannot store the %s of profile %s", label, p.name), err: cleanErr(err), refresh: true}
		}
		return credsDoneMsg{text: fmt.Sprintf("%s of profile %s stored in the %s", label, p.name, clean(st.Name())), refresh: true}
	})
}

func (c *credsPage) delete() tea.Cmd {
	p, label := c.profile, c.label
	st := c.sh.desk.Secrets()
	return c.call("deleting the "+label, storeTimeout, func(ctx context.Context) credsDoneMsg {
		err := st.Delete(ctx, p.p.Name)
		switch {
		case errors.Is(err, store.ErrNoSecret):
			return credsDoneMsg{text: fmt.Sprintf("profile %s has no %s in the %s: nothing deleted", p.name, label, clean(st.Name())), refresh: true}
		case err != nil:
			return credsDoneMsg{text: fmt.Sprintf("cannot delete the %s of profile %s", label, p.name), err: cleanErr(err), refresh: true}
		}
		return credsDoneMsg{text: fmt.Sprintf("%s of profile %s deleted from the %s", label, p.name, clean(st.Name())), refresh: true}
	})
}

// test opens the back end with the stored secret and asks it for its Check.
func (c *credsPage) test() tea.Cmd {
	sh, p := c.sh, c.profile
	return c.call("testing the connection", openTimeout, func(ctx context.Context) credsDoneMsg {
		b, err := sh.desk.Open(ctx, p.p)
		var info string
		if err == nil {
			info, err = b.Check(ctx)
		}
		if err != nil {
			return credsDoneMsg{text: "connection to " + p.name + " failed", err: cleanErr(err)}
		}
		if info == "" {
			info = "ok"
		}
		return credsDoneMsg{text: "connection to " + p.name + " works: " + clean(info)}
	})
}

func (c *credsPage) View() string {
	th := c.sh.th
	w := c.width
	rows := func(k, v string) []string { return fit.Indent(fmt.Sprintf("  %-10s ", k), v, w) }
	head := append(rows("profile", c.profile.name+" ("+c.profile.kind+")  "+th.Subtle.Render(c.profile.url)), rows("store", c.store)...)
	var st string
	status := c.status()
	failed := strings.HasPrefix(status, "missing") || strings.HasPrefix(status, "unknown")
	switch {
	case status == "":
		st = th.Subtle.Render("checking…")
	case failed:
		st = th.Failed.Render(status)
	default:
		st = th.OK.Render("present, " + secretWhere(status))
	}
	tail := c.tailLines()
	secret := rows(c.label, st)
	// On a short page a long reason gives way to what the page just said (the answer
	// to s, a test of the connection): cut at a word, never the answer.
	if room := max(c.height-len(head)-len(tail), 1); failed && c.height > 0 && len(secret) > room {
		secret = nil
		for i, l := range fit.WrapMax(status, max(w-13, 20), room) {
			prefix := strings.Repeat(" ", 13)
			if i == 0 {
				prefix = fmt.Sprintf("  %-10s ", c.label)
			}
			secret = append(secret, prefix+th.Failed.Render(l))
		}
	}
	return strings.Join(append(append(head, secret...), tail...), "\n") + "\n"
}

// tailLines are what follows the rows: the environment's override, what may be done
// here, the field, the task under way, the last answer.
func (c *credsPage) tailLines() []string {
	th := c.sh.th
	w := c.width
	var out []string
	if c.status() == "env" {
		for _, l := range fit.Indent("  ", store.SecretEnvName(c.profile.p.Name)+" is set and overrides the stored "+c.label, w) {
			out = append(out, th.Warn.Render(l))
		}
	}
	out = append(out, "")
	switch {
	case c.canChange() != "":
		for _, l := range fit.Indent("  ", c.canChange()+"; t tests the connection", w) {
			out = append(out, th.Subtle.Render(l))
		}
	case c.entering:
		out = append(out, "  "+c.input.View(), th.Subtle.Render("  typed characters are not shown; enter stores, esc cancels"))
	}
	if c.busy.Running() {
		out = append(out, "  "+th.Running.Render(c.busy.View()))
	}
	if c.result != "" {
		style := th.OK
		if c.bad {
			style = th.Failed
		}
		for _, l := range fit.Wrap(c.result, max(w-2, 20)) {
			out = append(out, "  "+style.Render(l))
		}
	}
	return out
}

// secretWhere says where a secret comes from, for its status ("env", "demo", a store's
// name).
func secretWhere(source string) string {
	switch source {
	case "demo":
		return "built in (demo)"
	case "env":
		return "from the environment"
	}
	return "in the " + source
}
