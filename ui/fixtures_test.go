package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/password"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/ui/uitest"
)

// fakeBackend is a small in-test system: every user ok except "bad", which is refused.
type fakeBackend struct{ searches atomic.Int32 }

// fakeModes are the modes of the "fake" kind the tests register: one of each source.
func fakeModes() []backends.Mode {
	return []backends.Mode{
		{Name: "gen", Label: "Generated", SecretLabel: "password", Source: backends.FromServer},
		{Name: "link", Label: "Reset link", SecretLabel: "link", Source: backends.FromServer, Options: []backends.OptionSpec{
			{Key: backends.OptMethod, Label: "Delivery", Choices: []string{"MAIL", "SMS"}, Default: "MAIL"},
			{Key: backends.OptExpires, Label: "Expires (hours)", Min: 1, Max: 720, Default: "24"}}},
		{Name: "set", Label: "Set", SecretLabel: "password", Source: backends.FromPolicy, Policy: password.DefaultPolicy, TypedPassword: true},
	}
}
func init() {
	backends.Register(backends.Kind{Name: "fake", Title: "Fake", Modes: fakeModes(),
		New: func(backends.Profile, string, *http.Client) (backends.Backend, error) { return &fakeBackend{}, nil }})
}

func (f *fakeBackend) Login(context.Context) error           { return nil }
func (f *fakeBackend) Check(context.Context) (string, error) { return "fake", nil }
func (f *fakeBackend) Search(_ context.Context, q string, _ int) ([]backends.User, error) {
	f.searches.Add(1)
	return []backends.User{{ID: q + "1", Name: "One \x1b]52;c;aGk=\x07"}, {ID: q + "2", Name: "Two"}}, nil
}
func (f *fakeBackend) Reset(_ context.Context, t backends.Target) (backends.Result, error) {
	if t.User == "bad" {
		return backends.Result{}, backends.NewError(backends.Refused, "no such user: bad")
	}
	return backends.Result{Secret: "S-" + t.User, Message: "done"}, nil
}

// fakeProfile is a profile of the fake kind.
func fakeProfile(p backends.Profile) *profile {
	if p.Kind == "" {
		p.Kind = "fake"
	}
	return newProfile(p)
}

// fakeRequest is a request of the fake kind's mode (first mode unless named) on profile
// p for users.
func fakeRequest(t testing.TB, b backends.Backend, p *profile, users []string, mode ...string) runner.Request {
	t.Helper()
	spec := runner.Spec{Mode: fakeModes()[0].Name, Users: users}
	if len(mode) > 0 {
		spec.Mode = mode[0]
	}
	req, err := runner.NewRequest(b, p.p, spec)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// testShared is what pages share, on a test desk with nothing configured.
func testShared() *shared { return New(context.Background(), &testDesk{}, LocalTerminal()).sh }

// sized gives pg the size of a page body at w×h.
func sized[P page](pg P, w, h int) P {
	pg.SetSize(w, h)
	return pg
}

// press is uitest.Press: the key press named s.
func press(s string) tea.KeyPressMsg { return uitest.Press(s) }

func typeText(pg page, s string) {
	for _, r := range s {
		pg.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// cmdOf is the command an Update asked for.
func cmdOf(cmd tea.Cmd, _ nav) tea.Cmd { return cmd }

// navOf is the page change an Update asked for.
func navOf(_ tea.Cmd, n nav) nav { return n }

// drain runs cmd and feeds what it returns back to the page until nothing is left,
// returning the messages it saw. What the root keeps for every page (quota, secret
// status) is kept in sh as the root keeps it; questions are answered yes.
func drain(t *testing.T, sh *shared, pg page, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var seen []tea.Msg
	update := func(m tea.Msg) tea.Cmd {
		c, n := pg.Update(m)
		if q, ok := n.(ask); ok && q.yes != nil {
			yes, _ := q.yes()
			return tea.Batch(c, yes)
		}
		return c
	}
	eachMsg(cmd, func(msg tea.Msg) tea.Cmd {
		seen = append(seen, msg)
		switch m := msg.(type) {
		case nil, toastMsg, copyMsg:
			return nil
		case quotaMsg, secretStatusMsg:
			sh.remember(m)
		}
		return update(msg)
	})
	return seen
}

// eachMsg runs cmd and the batches it returns, handing each other message to f, whose
// command (nil for none) is run in turn.
func eachMsg(cmd tea.Cmd, f func(tea.Msg) tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		default:
			queue = append(queue, f(m))
		}
	}
}

// msgsOf runs cmd and the batches it returns, and gives the messages of type T.
func msgsOf[T any](cmd tea.Cmd) []T {
	var out []T
	eachMsg(cmd, func(m tea.Msg) tea.Cmd {
		if t, ok := m.(T); ok {
			out = append(out, t)
		}
		return nil
	})
	return out
}

// runToResults drives a run page with the fake to its results page.
func runToResults(t *testing.T, sh *shared, users []string) *resultsPage {
	t.Helper()
	be := &fakeBackend{}
	p := fakeProfile(backends.Profile{Name: "p"})
	rp := sized(runPageOf(t, sh, p, fakeRequest(t, be, p, users)), 80, 21)
	var n nav
	eachMsg(rp.Init(), func(m tea.Msg) tea.Cmd {
		switch m.(type) {
		case submittedMsg, updateMsg:
			cmd, next := rp.Update(m)
			if next != nil {
				n = next
				return nil
			}
			return cmd
		}
		return nil
	})
	r, ok := n.(replace)
	if !ok {
		t.Fatalf("the run ended with %#v, not the results", n)
	}
	res := r.p.(*resultsPage)
	res.SetSize(80, 21)
	return res
}

const longErr = "cannot reach https://odin.example.net/api/v2/users: dial tcp 10.1.2.3:443: " +
	"connect: connection timed out after 30 seconds; check the VPN and the proxy settings then retry lastword"

// bodyFits fails when a page body is taller than its room or a line wider.
func bodyFits(t *testing.T, w, h int, v string) {
	t.Helper()
	if n := strings.Count(v, "\n") + 1; n > h {
		t.Fatalf("%d lines for a body of %d:\n%s", n, h, ansi.Strip(v))
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > w {
			t.Fatalf("a line of %d cells in %d: %q", ansi.StringWidth(l), w, ansi.Strip(l))
		}
	}
}

// flat is a view as one line of words: for finding a wrapped sentence.
func flat(v string) string { return strings.Join(strings.Fields(ansi.Strip(v)), " ") }

// fakeStore is a secret store in memory; hang makes every call block until released,
// ignoring its context (as a stuck keyring does); fail makes every call fail with it.
type fakeStore struct {
	mu      sync.Mutex
	secrets map[string]string
	hang    chan struct{}
	fail    error
}

func (f *fakeStore) Name() string { return "fake store" }
func (f *fakeStore) wait() error {
	if f.hang != nil {
		<-f.hang
	}
	return f.fail
}
func (f *fakeStore) Get(_ context.Context, p string) (string, error) {
	if err := f.wait(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[p]
	if !ok {
		return "", store.ErrNoSecret
	}
	return s, nil
}
func (f *fakeStore) Set(_ context.Context, p, s string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[p] = s
	return nil
}
func (f *fakeStore) Delete(_ context.Context, p string) error {
	if err := f.wait(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.secrets[p]; !ok {
		return store.ErrNoSecret
	}
	delete(f.secrets, p)
	return nil
}

// driver runs a console as a program does, without a terminal: commands run in
// goroutines of their own and their messages come back to Update on the test's
// goroutine, until a condition holds.
type driver struct {
	t    *testing.T
	c    *Console
	msgs chan tea.Msg
}

func newDriver(t *testing.T, c *Console, w, h int) *driver {
	d := &driver{t: t, c: c, msgs: make(chan tea.Msg, 1024)}
	c.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// run runs cmd (and the batches it returns) off the test's goroutine.
func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch m := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range m {
				d.run(c)
			}
		default:
			d.msgs <- m
		}
	}()
}

// send gives the console msg as the program would, and runs what it asks for.
func (d *driver) send(msg tea.Msg) {
	_, cmd := d.c.Update(msg)
	d.run(cmd)
}

// keys presses each key in turn.
func (d *driver) keys(ks ...string) {
	for _, k := range ks {
		d.send(press(k))
	}
}

// until delivers messages until cond holds; it fails after a generous deadline.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case m := <-d.msgs:
			switch m.(type) {
			case spinner.TickMsg, toastExpiredMsg, clipboardTickMsg:
				continue // the clock: not needed to drive a page
			}
			d.send(m)
		case <-deadline:
			d.t.Fatalf("waiting for %s; the screen is:\n%s", what, ansi.Strip(d.c.View().Content))
		}
	}
}

// screen is the console's screen as text.
func (d *driver) screen() string { return ansi.Strip(d.c.View().Content) }

// gateBackend is a system whose resets wait at a gate: each call is counted and told on
// entered, then waits for a release (or its context, when release is nil).
type gateBackend struct {
	fakeBackend
	calls   atomic.Int32
	entered chan string
	release chan struct{}
	fail    string // when set, every reset is refused with this reason
}

func newGate(release bool) *gateBackend {
	g := &gateBackend{entered: make(chan string, 1000)}
	if release {
		g.release = make(chan struct{}, 1000)
	}
	return g
}

func (g *gateBackend) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	g.calls.Add(1)
	g.entered <- t.User
	if g.release != nil {
		select {
		case <-g.release:
		case <-ctx.Done():
			return backends.Result{}, backends.NewError(backends.Unanswered, "no answer: "+ctx.Err().Error())
		}
	} else {
		<-ctx.Done()
		return backends.Result{}, backends.NewError(backends.Unanswered, "no answer: "+ctx.Err().Error())
	}
	if g.fail != "" {
		return backends.Result{}, backends.NewError(backends.Refused, g.fail)
	}
	return backends.Result{Secret: "S-" + t.User, Message: "done"}, nil
}

// waitEntered waits until n resets have entered the gate.
func (g *gateBackend) waitEntered(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d resets went out", g.calls.Load())
		}
	}
}

// startedRun puts a run of users on be (concurrency 2) on the console and starts it.
func startedRun(t *testing.T, d *driver, be backends.Backend, users []string) *runPage {
	t.Helper()
	p := fakeProfile(backends.Profile{Name: "p", Concurrency: 2})
	req, err := runner.NewRequest(be, p.p, runner.Spec{Mode: "gen", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	rp := runPageOf(t, d.c.sh, p, req)
	d.run(d.c.apply(startRun{rp}))
	d.until("the run to start", func() bool { return rp.h != nil || rp.startErr != "" })
	return rp
}

func userIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%03d", i)
	}
	return out
}

// afterPlan runs cmd (a page's way to a review: the profile opened, the run planned),
// giving pg every message it waits for, and returns the page change that follows.
func afterPlan(t *testing.T, pg page, cmd tea.Cmd) nav {
	t.Helper()
	var n nav
	eachMsg(cmd, func(m tea.Msg) tea.Cmd {
		switch m.(type) {
		case plannedMsg, resultsOpenedMsg:
			c, next := pg.Update(m)
			if next != nil {
				n = next
			}
			return c
		}
		return nil
	})
	if n == nil {
		t.Fatalf("no page followed the plan")
	}
	return n
}

// planOf is the desk's plan of req at the console's desk.
func planOf(t testing.TB, sh *shared, req runner.Request) *desk.Plan {
	t.Helper()
	plan, err := sh.desk.Plan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// runPageOf is the run page that submits req.
func runPageOf(t testing.TB, sh *shared, p *profile, req runner.Request) *runPage {
	return newRunPage(sh, p, planOf(t, sh, req))
}
