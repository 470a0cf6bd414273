package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/store/history"
	"resetdesk/store/journal"
)

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

func credsShared(fs *fakeStore) *shared {
	sh := testShared()
	fake(sh).secrets = fs
	fake(sh).secretSource = func(ctx context.Context, p backends.Profile) (string, error) {
		if _, err := fs.Get(ctx, p.Name); err != nil {
			return "", fmt.Errorf("profile %s: %w", p.Name, err)
		}
		return fs.Name(), nil
	}
	fake(sh).open = func(ctx context.Context, p backends.Profile) (backends.Backend, error) {
		if _, err := fs.Get(ctx, p.Name); err != nil {
			return nil, err
		}
		return &fakeBackend{}, nil
	}
	return sh
}

// drain runs cmd and feeds what it returns back to the page until nothing is left,
// returning the messages it saw. Questions are answered yes.
func drain(t *testing.T, pg page, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var seen []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		seen = append(seen, msg)
		switch m := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case askMsg:
			queue = append(queue, m.onYes)
		case nil, toastMsg, copyMsg:
		default:
			_, next := pg.Update(m)
			queue = append(queue, next)
		}
	}
	return seen
}

func typeText(pg page, s string) {
	for _, r := range s {
		pg.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func TestCredsSetReplaceDeleteAndTest(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{}}
	sh := credsShared(fs)
	var told []string
	c := newCredsPage(sh, backends.Profile{Name: "lab", Kind: "odin"}, func(p, st string) { told = append(told, p+"="+st) })
	drain(t, c, c.Init())
	if !strings.HasPrefix(c.status, "missing") {
		t.Fatalf("status of a profile with no secret: %q", c.status)
	}

	// Set: the field is masked and the page keeps no copy after enter.
	c.Update(press("s"))
	if !c.Typing() {
		t.Fatal("s did not open the secret field")
	}
	typeText(c, "hunter2q") // q is typed, not quit
	if v := ansi.Strip(c.View()); strings.Contains(v, "hunter2") {
		t.Fatalf("the secret is echoed:\n%s", v)
	}
	_, cmd := c.Update(press("enter"))
	if c.input.Value() != "" || c.Typing() || c.busy == "" {
		t.Fatalf("after enter: value %q typing %v busy %q", c.input.Value(), c.Typing(), c.busy)
	}
	drain(t, c, cmd)
	if fs.secrets["lab"] != "hunter2q" {
		t.Fatalf("stored %q", fs.secrets["lab"])
	}
	if c.bad || !strings.Contains(c.result, "stored in the fake store") || c.status != "fake store" {
		t.Fatalf("result %q (bad %v) status %q", c.result, c.bad, c.status)
	}
	if len(told) == 0 || told[len(told)-1] != "lab=fake store" {
		t.Fatalf("the profiles page was not told the new status: %v", told)
	}

	// Replace.
	c.Update(press("s"))
	typeText(c, "second")
	_, cmd = c.Update(press("enter"))
	drain(t, c, cmd)
	if fs.secrets["lab"] != "second" {
		t.Fatalf("replaced with %q", fs.secrets["lab"])
	}

	// Esc in the field cancels without storing.
	c.Update(press("s"))
	typeText(c, "nope")
	c.Update(press("esc"))
	if c.Typing() || c.input.Value() != "" || fs.secrets["lab"] != "second" {
		t.Fatal("esc did not cancel the entry")
	}
	// An empty secret is refused.
	c.Update(press("s"))
	c.Update(press("enter"))
	if !c.bad || !strings.Contains(c.result, "empty") {
		t.Fatalf("empty secret: %q", c.result)
	}

	// Test the connection with the back end's Check.
	_, cmd = c.Update(press("t"))
	drain(t, c, cmd)
	if c.bad || !strings.Contains(c.result, "works: fake") {
		t.Fatalf("test: %q", c.result)
	}

	// Delete asks first, then deletes.
	_, cmd = c.Update(press("d"))
	if q, ok := cmd().(askMsg); !ok || !strings.Contains(q.question, "Delete the password of profile lab") {
		t.Fatalf("d did not ask: %#v", q)
	}
	drain(t, c, cmd)
	if _, ok := fs.secrets["lab"]; ok {
		t.Fatal("not deleted")
	}
	if !strings.Contains(c.result, "deleted from the fake store") || !strings.HasPrefix(c.status, "missing") {
		t.Fatalf("after delete: %q, status %q", c.result, c.status)
	}
	_, cmd = c.Update(press("d"))
	drain(t, c, cmd)
	if !strings.Contains(c.result, "nothing deleted") {
		t.Fatalf("second delete: %q", c.result)
	}
	// With no secret the test fails plainly.
	_, cmd = c.Update(press("t"))
	drain(t, c, cmd)
	if !c.bad || !strings.Contains(c.result, "failed") {
		t.Fatalf("test without a secret: %q", c.result)
	}

	c.Update(press("esc"))
	if _, ok := sh.pending[len(sh.pending)-1].(backMsg); !ok {
		t.Fatal("esc did not go back")
	}
}

func TestCredsHangingStoreTimesOutAndPlainMessages(t *testing.T) {
	old := storeTimeout
	storeTimeout = 50 * time.Millisecond
	defer func() { storeTimeout = old }()
	fs := &fakeStore{secrets: map[string]string{}, hang: make(chan struct{})}
	defer close(fs.hang)
	sh := credsShared(fs)
	c := newCredsPage(sh, backends.Profile{Name: "lab"}, nil)
	start := time.Now()
	drain(t, c, c.Init())
	c.Update(press("s"))
	typeText(c, "x")
	_, cmd := c.Update(press("enter"))
	drain(t, c, cmd)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a hanging store held the page for %s", d)
	}
	if !c.bad || !strings.Contains(c.result, "no answer within") || !strings.HasPrefix(c.status, "unknown") {
		t.Fatalf("hang: result %q status %q", c.result, c.status)
	}

	// No Secret Service: the store's own plain words reach the screen.
	fs2 := &fakeStore{secrets: map[string]string{}, fail: store.ErrNoSecretService}
	c2 := newCredsPage(credsShared(fs2), backends.Profile{Name: "lab"}, nil)
	drain(t, c2, c2.Init())
	c2.Update(press("s"))
	typeText(c2, "x")
	_, cmd = c2.Update(press("enter"))
	drain(t, c2, cmd)
	if !strings.Contains(c2.result, "no Secret Service (OS keyring) is reachable") || !strings.Contains(c2.result, `secret_store = "file"`) {
		t.Fatalf("no bus: %q", c2.result)
	}
	if v := ansi.Strip(c2.View()); !strings.Contains(v, "no Secret Service") {
		t.Fatalf("the message is not drawn:\n%s", v)
	}
}

func TestCredsRefusedUnderDemo(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{}}
	sh := credsShared(fs)
	fake(sh).demo = true
	c := newCredsPage(sh, backends.Profile{Name: "demo-odin"}, nil)
	for _, k := range []string{"s", "d"} {
		_, cmd := c.Update(press(k))
		if m, ok := cmd().(toastMsg); !ok || !m.bad || !strings.Contains(m.text, "--demo") {
			t.Fatalf("%s under --demo: %#v", k, m)
		}
		if c.Typing() {
			t.Fatal("the secret field opened under --demo")
		}
	}
	if len(fs.secrets) != 0 {
		t.Fatal("stored under --demo")
	}
}

func TestProfilesPageOpensTheNewPages(t *testing.T) {
	o := &testDesk{profiles: []backends.Profile{{Name: "a", Kind: "odin"}, {Name: "b", Kind: "prm"}}}
	m := newModel(context.Background(), o)
	m.resize(100, 24)
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"c credentials", "r recover", "h history"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the profiles help lacks %q:\n%s", want, v)
		}
	}
	m.Update(press("j"))
	m.Update(press("c"))
	if c, ok := m.top().(*credsPage); !ok || c.profile.Name != "b" {
		t.Fatalf("c opened %T", m.top())
	}
	m.Update(press("esc"))
	m.Update(press("r"))
	if _, ok := m.top().(*recoverPage); !ok {
		t.Fatalf("r opened %T", m.top())
	}
	m.Update(press("esc"))
	m.Update(press("h"))
	if _, ok := m.top().(*historyPage); !ok {
		t.Fatalf("h opened %T", m.top())
	}
	m.Update(press("esc"))
	if _, ok := m.top().(*profilesPage); !ok {
		t.Fatalf("esc from history went to %T", m.top())
	}
}

func TestRecoverPageMasksRevealsCopies(t *testing.T) {
	sh := testShared()
	now := time.Now()
	fake(sh).recover = func(context.Context) (desk.Recovery, error) {
		return desk.Recovery{Keep: 24 * time.Hour, Notes: []string{"purged 1 journal file(s) older than 24h0m0s"},
			Runs: []journal.Run{{Entries: []journal.Entry{
				{Time: now, Profile: "lab", Mode: "sip", User: "alice\x1b]52;c;aGk=\x07", Status: "ok", Secret: "S-alice"},
				{Time: now, Profile: "lab", Mode: "sip", User: "bob", Status: "unknown", Secret: "S-bob"},
			}}}}, nil
	}
	r := newRecoverPage(sh)
	if !strings.Contains(r.View(), "reading the journal") {
		t.Fatal("no loading state")
	}
	drain(t, r, r.Init())
	v := ansi.Strip(r.View())
	if strings.Contains(v, "S-alice") || strings.Contains(v, "S-bob") || !strings.Contains(v, "••••") {
		t.Fatalf("secrets not masked:\n%s", v)
	}
	if strings.Contains(r.View(), "\x1b]52") || !strings.Contains(v, "purged 1 journal file") {
		t.Fatalf("user not sanitized or note missing:\n%s", v)
	}
	r.Update(press("r"))
	if v := ansi.Strip(r.View()); !strings.Contains(v, "S-alice") || strings.Contains(v, "S-bob") {
		t.Fatalf("r should reveal the current row only:\n%s", v)
	}
	r.Update(press("R"))
	if v := ansi.Strip(r.View()); !strings.Contains(v, "S-bob") {
		t.Fatalf("R should reveal all:\n%s", v)
	}
	r.Update(press("j"))
	_, cmd := r.Update(press("c"))
	if c, ok := cmd().(copyMsg); !ok || c.secret != "S-bob" || !strings.Contains(c.what, "bob") {
		t.Fatalf("copy sent %#v", c)
	}
	if v := ansi.Strip(r.View()); !strings.Contains(v, "bob: no answer: may be set") {
		t.Fatalf("the current row's status is not explained:\n%s", v)
	}
}

func TestRecoverPageErrorsAndDemo(t *testing.T) {
	sh := testShared()
	fake(sh).recover = func(context.Context) (desk.Recovery, error) {
		return desk.Recovery{}, errors.New("cannot open the journal: " + store.ErrNoSecretService.Error())
	}
	r := newRecoverPage(sh)
	drain(t, r, r.Init())
	if v := ansi.Strip(r.View()); !strings.Contains(v, "cannot open the journal") {
		t.Fatalf("error not shown:\n%s", v)
	}
	r.Update(press("c")) // no rows: nothing happens
	fake(sh).demo = true
	r = newRecoverPage(sh)
	drain(t, r, r.Init())
	if v := ansi.Strip(r.View()); !strings.Contains(v, "--demo keeps no journal") {
		t.Fatalf("demo:\n%s", v)
	}
}

func TestHistoryPageFilters(t *testing.T) {
	sh := testShared()
	sh.width = 200
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.Local)
	r1 := &history.Run{ID: 1, RunInfo: history.RunInfo{OSUser: "tech", Started: t0, Profile: "odin-lab", Kind: "odin", Mode: "sip", Ticket: "T-1", Total: 2},
		Finished: t0.Add(time.Minute), Tally: backends.Tally{OK: 1, Failed: 1}}
	r2 := &history.Run{ID: 2, RunInfo: history.RunInfo{OSUser: "tech", Started: t0.Add(time.Hour), Profile: "ad", Kind: "admanager", Mode: "set", Total: 1}}
	var since time.Time
	fake(sh).history = func(_ context.Context, f history.Filter) ([]*history.Run, []history.Outcome, error) {
		since = f.Since
		return []*history.Run{r2, r1}, []history.Outcome{
			{Run: r1, Index: 0, User: "alice", Status: "ok", Message: "done", At: t0},
			{Run: r1, Index: 1, User: "bob\x1b[2J", Status: "failed", Message: "no such user", At: t0},
		}, nil
	}
	h := newHistoryPage(sh)
	drain(t, h, h.Init())
	if time.Since(since) < historyWindow-time.Minute {
		t.Fatalf("read since %v", since)
	}
	v := ansi.Strip(h.View())
	for _, want := range []string{"odin-lab", "alice", "bob", "no such user", "unfinished", "2 runs, 2 resets"} {
		if !strings.Contains(v, want) {
			t.Fatalf("history lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(h.View(), "\x1b[2J") {
		t.Fatal("a user name cleared the screen")
	}
	if !h.Typing() {
		t.Fatal("the filter does not take the keys")
	}
	typeText(h, "ALI")
	v = ansi.Strip(h.View())
	if !strings.Contains(v, "alice") || strings.Contains(v, "bob") || strings.Contains(v, "admanager") || !strings.Contains(v, "1 run, 1 reset") {
		t.Fatalf("filter by user:\n%s", v)
	}
	h.Update(press("esc"))
	if h.filter.Value() != "" || len(sh.pending) != 0 {
		t.Fatal("esc with a filter should clear it, not go back")
	}
	typeText(h, "ad")
	v = ansi.Strip(h.View())
	if !strings.Contains(v, "admanager") || strings.Contains(v, "alice") {
		t.Fatalf("filter by profile:\n%s", v)
	}
	typeText(h, "q") // typed, not quit
	if h.filter.Value() != "adq" {
		t.Fatalf("filter %q", h.filter.Value())
	}
	h.Update(press("esc"))
	h.Update(press("esc"))
	if _, ok := sh.pending[0].(backMsg); !ok {
		t.Fatal("esc on an empty filter did not go back")
	}
}

func TestHistoryPageDemoAndErrors(t *testing.T) {
	sh := testShared()
	fake(sh).demo = true
	h := newHistoryPage(sh)
	drain(t, h, h.Init())
	if v := ansi.Strip(h.View()); !strings.Contains(v, "--demo keeps no journal and no history") {
		t.Fatalf("demo:\n%s", v)
	}
}

// The warnings of PrepareRun and of finish reach the status line, never stderr.
func TestRunWarningsGoToTheStatusLine(t *testing.T) {
	sh := testShared()
	fake(sh).start = func(ctx context.Context, req runner.Request, warn func(string)) (*runner.Run, error) {
		warn("journal: purge failed")
		return runner.Start(ctx, req, finishWarner{warn})
	}
	be := &fakeBackend{}
	rp := newRunPage(sh, fakeRequest(t, be, backends.Profile{Name: "p"}, []string{"alice"}))
	var toasts []string
	queue := []tea.Cmd{rp.Init()}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch m := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
		case toastMsg:
			if m.bad {
				toasts = append(toasts, m.text)
			}
		case runStartedMsg, outcomesMsg, runFinishedMsg:
			_, next := rp.Update(m)
			queue = append(queue, next)
		}
	}
	got := strings.Join(toasts, "|")
	if !strings.Contains(got, "journal: purge failed") || !strings.Contains(got, "history: disk full") {
		t.Fatalf("warnings on the status line: %q", got)
	}
}

// finishWarner is a recorder whose Finish warns, as the history does when its last write
// fails.
type finishWarner struct{ warn func(string) }

func (finishWarner) Intend(backends.Outcome) error        { return nil }
func (finishWarner) IntendBatch([]backends.Outcome) error { return nil }
func (finishWarner) Record(backends.Outcome) error        { return nil }
func (finishWarner) QuotaLeft() (int, bool)               { return 0, false }
func (f finishWarner) Finish([]backends.Outcome) {
	f.warn("history: disk full (the results above are complete)")
}
