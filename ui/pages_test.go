package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/password"
	"resetdesk/backends/runner"
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
func init() { backends.Register(backends.Kind{Name: "fake", Title: "Fake", Modes: fakeModes()}) }

// fakeRequest is a request of the fake kind's mode (first mode unless named) on profile
// p for users.
func fakeRequest(t testing.TB, b backends.Backend, p backends.Profile, users []string, mode ...string) runner.Request {
	t.Helper()
	if p.Kind == "" {
		p.Kind = "fake"
	}
	spec := runner.Spec{Mode: fakeModes()[0].Name, Users: users}
	if len(mode) > 0 {
		spec.Mode = mode[0]
	}
	req, err := runner.NewRequest(b, p, spec)
	if err != nil {
		t.Fatal(err)
	}
	return req
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

func testShared() *shared {
	return &shared{ctx: context.Background(), width: 80, height: 20, desk: &testDesk{},
		th: newModel(context.Background(), &testDesk{}).sh.th}
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "ctrl+a":
		return tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func TestUsersSearchSelectAndStaleAnswers(t *testing.T) {
	sh := testShared()
	u := newUsersPage(sh, backends.Profile{Name: "p"}, &fakeBackend{})
	u.Init()
	for _, k := range []string{"j", "o"} {
		u.Update(press(k))
	}
	if u.seq != 2 {
		t.Fatalf("seq %d after two keys", u.seq)
	}
	// The debounce tick of the first key is stale: no search.
	if _, cmd := u.Update(searchTickMsg{seq: 1}); cmd != nil {
		t.Fatal("a stale debounce tick started a search")
	}
	_, cmd := u.Update(searchTickMsg{seq: 2})
	if cmd == nil || !u.searching {
		t.Fatal("the current debounce tick did not search")
	}
	cancelled := u.cancel
	u.Update(press("e")) // the query changes: the search in flight is cancelled
	if u.cancel != nil || cancelled == nil {
		t.Fatal("search in flight not cancelled")
	}
	u.Update(searchResultMsg{seq: 2, users: []backends.User{{ID: "old"}}})
	if len(u.hits) != 0 {
		t.Fatal("an answer to an old query was shown")
	}
	u.Update(searchResultMsg{seq: 3, users: []backends.User{{ID: "joe1", Name: "One \x1b]52;c;aGk=\x07"}, {ID: "joe2"}}})
	if strings.Contains(u.View(), "\x1b]52") {
		t.Fatal("a server string reached the screen unsanitized")
	}
	u.Update(press("space"))
	if got := u.Selection(); len(got) != 1 || got[0] != "joe1" {
		t.Fatalf("space selected %v", got)
	}
	if strings.Contains(u.input.Value(), " ") {
		t.Fatal("space typed into the query")
	}
	u.Update(press("ctrl+a"))
	if len(u.Selection()) != 2 {
		t.Fatalf("select all: %v", u.Selection())
	}
	u.Update(press("enter"))
	if len(sh.pending) != 1 {
		t.Fatal("enter did not go to the mode page")
	}
	if _, ok := sh.pending[0].(pushMsg).p.(*modePage); !ok {
		t.Fatalf("enter went to %T", sh.pending[0])
	}
}

func TestUsersPasteFlagsInvalidAndNoSearch(t *testing.T) {
	sh := testShared()
	u := newUsersPage(sh, backends.Profile{Name: "p"}, &fakeBackend{})
	u.Update(tea.PasteMsg{Content: "alice\nbob\n\nalice\nbad\x01id\n"})
	if got := u.Selection(); len(got) != 2 || got[0] != "alice" || got[1] != "bob" {
		t.Fatalf("paste selected %v", got)
	}
	if len(u.dropped) != 1 || !strings.Contains(ansi.Strip(u.View()), "1 line skipped") {
		t.Fatalf("the bad pasted line is not flagged:\n%s", ansi.Strip(u.View()))
	}
	u.Update(searchResultMsg{seq: 0, err: backends.ErrNoSearch})
	if !strings.Contains(ansi.Strip(u.View()), "search not offered by this system") {
		t.Fatal("no-search not explained")
	}
}

// A system with no search says so before anything is typed, and takes typed ids.
func TestUsersWithoutSearchTakeTypedIDs(t *testing.T) {
	sh := testShared()
	u := newUsersPage(sh, backends.Profile{Name: "p", Kind: "prm"}, &fakeBackend{})
	if v := ansi.Strip(u.View()); !strings.Contains(v, "search not offered by this system") {
		t.Fatalf("no-search not said up front:\n%s", v)
	}
	u.Init()
	typeText(u, "kim.lee")
	u.Update(press("enter"))
	if got := u.Selection(); len(got) != 1 || got[0] != "kim.lee" {
		t.Fatalf("typed id not taken: %v", got)
	}
	if len(sh.pending) != 1 {
		t.Fatalf("enter did not go on to the modes: %v", sh.pending)
	}
	if _, ok := sh.pending[0].(pushMsg); !ok {
		t.Fatalf("enter sent %T", sh.pending[0])
	}
}

func TestUsersImportFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.csv")
	if err := os.WriteFile(path, []byte("user,name\ncarol,C\ndave,D\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	msg := importFile(path)()
	u := newUsersPage(testShared(), backends.Profile{}, &fakeBackend{})
	u.Update(msg)
	if got := u.Selection(); len(got) != 2 || got[0] != "carol" {
		t.Fatalf("import selected %v", got)
	}
	if m := importFile(filepath.Join(t.TempDir(), "none.txt"))().(importedMsg); m.err == nil || !strings.Contains(m.err.Error(), "cannot open") {
		t.Fatalf("missing file: %v", m.err)
	}
}

func TestModeOptionsAndTypedPassword(t *testing.T) {
	sh := testShared()
	m := newModePage(sh, backends.Profile{Kind: "fake"}, &fakeBackend{}, []string{"alice"})
	m.Update(press("down")) // link
	m.Update(press("tab"))  // delivery
	m.Update(press("right"))
	m.Update(press("tab")) // expires
	for _, k := range "999" {
		m.Update(press(string(k)))
	}
	m.Update(press("enter"))
	if !strings.Contains(m.err, "from 1 to 720") {
		t.Fatalf("bad expiry accepted: %q", m.err)
	}
	for range 3 {
		m.Update(press("backspace"))
	}
	req, err := m.request()
	if err != nil || req.Options().Method != "SMS" {
		t.Fatalf("request %v, method %q", err, req.Options().Method)
	}
	m = newModePage(sh, backends.Profile{Kind: "fake"}, &fakeBackend{}, []string{"alice"})
	m.Update(press("down"))
	m.Update(press("down")) // set: a typed password for one user
	m.Update(press("tab"))
	for _, k := range "abc" {
		m.Update(press(string(k)))
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "weak") || strings.Contains(v, "abc") {
		t.Fatalf("typed password not masked or no strength hint:\n%s", v)
	}
	m2 := newModePage(sh, backends.Profile{Kind: "fake"}, &fakeBackend{}, []string{"a", "b"})
	m2.Update(press("down"))
	m2.Update(press("down"))
	for _, f := range m2.fields {
		if f.kind == fPassword {
			t.Fatal("a typed password offered for two users")
		}
	}
}

// An invalid request never reaches the review: the mode page says why and stays.
func TestModePageKeepsAnInvalidRequest(t *testing.T) {
	sh := testShared()
	m := newModePage(sh, backends.Profile{Name: "p", Kind: "fake"}, &fakeBackend{}, []string{"alice", " x"})
	m.Update(press("enter"))
	if len(sh.pending) != 0 || !strings.Contains(ansi.Strip(m.View()), "invalid user id") {
		t.Fatalf("an invalid request went on to the review:\n%s", ansi.Strip(m.View()))
	}
}

func TestReviewWarnsAndConfirms(t *testing.T) {
	sh := testShared()
	be := &fakeBackend{}
	r := newReviewPage(sh, fakeRequest(t, be, backends.Profile{Name: "p", InsecureSkipVerify: true}, []string{"alice"}))
	if !strings.Contains(ansi.Strip(r.View()), "TLS verification is OFF") {
		t.Fatal("insecure TLS not warned about")
	}
	if v := ansi.Strip(newReviewPage(sh, fakeRequest(t, be, backends.Profile{Name: "p", URL: "http://adm.example.com"}, []string{"alice"})).View()); !strings.Contains(v, "travel unencrypted") {
		t.Fatalf("plain http not warned about:\n%s", v)
	}
	r.Update(press("y"))
	if _, ok := sh.pending[0].(startRunMsg); !ok {
		t.Fatal("y did not start the run")
	}
}

// runToResults drives a run page with the fake to its results page.
func runToResults(t *testing.T, sh *shared, users []string) *resultsPage {
	t.Helper()
	be := &fakeBackend{}
	rp := newRunPage(sh, fakeRequest(t, be, backends.Profile{Name: "p"}, users))
	msg := tea.Msg(nil)
	for _, c := range flatten(rp.Init()) {
		if m, ok := c().(runStartedMsg); ok {
			msg = m
		}
	}
	_, cmd := rp.Update(msg)
	for cmd != nil {
		m := cmd()
		_, cmd = rp.Update(m)
	}
	res, ok := sh.pending[len(sh.pending)-1].(replaceMsg).p.(*resultsPage)
	if !ok {
		t.Fatal("the run did not end on the results")
	}
	sh.pending = nil
	return res
}

func flatten(c tea.Cmd) []tea.Cmd {
	if c == nil {
		return nil
	}
	return []tea.Cmd{func() tea.Msg {
		if b, ok := c().(tea.BatchMsg); ok {
			for _, x := range b {
				if x == nil {
					continue
				}
				if m, ok := x().(runStartedMsg); ok {
					return m
				}
			}
		}
		return nil
	}}
}

func TestResultsRevealCopyRetryExport(t *testing.T) {
	sh := testShared()
	r := runToResults(t, sh, []string{"alice", "bad", "carol"})
	if r.tally.OK != 2 || r.tally.Failed != 1 {
		t.Fatalf("tally %+v", r.tally)
	}
	if strings.Contains(r.View(), "S-alice") {
		t.Fatal("secret shown before reveal")
	}
	r.Update(press("r"))
	if !strings.Contains(ansi.Strip(r.View()), "S-alice") {
		t.Fatal("reveal did not show the secret")
	}
	if r.Unsaved() != 2 {
		t.Fatalf("unsaved %d", r.Unsaved())
	}
	_, cmd := r.Update(press("c"))
	if c, ok := cmd().(copyMsg); !ok || c.secret != "S-alice" {
		t.Fatalf("copy sent %#v", c)
	}
	if r.Unsaved() != 1 {
		t.Fatalf("unsaved after copy %d", r.Unsaved())
	}
	r.Update(press("f"))
	if r.tbl.Shown() != 1 {
		t.Fatalf("failed filter shows %d", r.tbl.Shown())
	}
	r.Update(press("t"))
	rv := sh.pending[0].(pushMsg).p.(*reviewPage)
	if u := rv.req.Users(); len(u) != 1 || u[0] != "bad" {
		t.Fatalf("retry users %v", u)
	}
	sh.pending = nil
	path := filepath.Join(t.TempDir(), "out.json")
	if err := exportFile(path, "p", "gen", r.outcomes); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("export mode %v", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"secret": "S-alice"`) {
		t.Fatalf("export lacks the secret:\n%s", b)
	}
	if err := exportFile(path, "p", "gen", r.outcomes); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("export overwrote: %v", err)
	}
	r.Update(exportedMsg{path: path})
	if r.Unsaved() != 0 {
		t.Fatal("export did not count as saved")
	}
}

func TestQuitAsksWhileSecretsUnsaved(t *testing.T) {
	m := newModel(context.Background(), &testDesk{getenv: func(k string) string {
		if k == "TMUX" {
			return "/tmp/tmux-0/default,1,0"
		}
		return ""
	}})
	r := runToResults(t, m.sh, []string{"alice"})
	m.stack = append(m.stack, r)
	_, cmd := m.Update(press("q"))
	m.Update(cmd())
	if m.question == "" || m.quitting {
		t.Fatal("q quit with an uncopied secret")
	}
	m.Update(press("n"))
	_, cmd = m.Update(copyMsg{secret: "S-alice", what: "x"})
	if !m.clipHeld || cmd == nil {
		t.Fatal("copy did not hold the clipboard")
	}
	if cmds := clipboardCmds(m.sh, "S"); len(cmds) != 2 {
		t.Fatalf("inside tmux the DCS-wrapped copy is missing (%d commands)", len(cmds))
	}
	m.Update(clipboardExpiredMsg{id: m.clipID})
	if m.clipHeld {
		t.Fatal("clipboard not cleared after its time")
	}
	m.Update(press("y")) // no question pending: y is the page's copy key, not a yes
	m.Update(quitMsg{force: true})
	if !m.quitting {
		t.Fatal("forced quit did not quit")
	}
}

// runPageWith10k returns a run page of 10 000 users at 120x40 with outcomes applied.
func runPageWith10k(tb testing.TB) (*runPage, []backends.Outcome) {
	sh := testShared()
	sh.width, sh.height = 120, 37
	users := make([]string, 10000)
	outs := make([]backends.Outcome, 0, 20000)
	for i := range users {
		users[i] = fmt.Sprintf("user%05d@example.com", i)
		outs = append(outs, backends.Outcome{Index: i, User: users[i], Status: backends.StatusRunning},
			backends.Outcome{Index: i, User: users[i], Status: backends.StatusOK, Secret: "Xy7#pQ2!mN", Message: "password set", Elapsed: 42 * time.Millisecond})
	}
	rp := newRunPage(sh, fakeRequest(tb, &fakeBackend{}, backends.Profile{Name: "p"}, users))
	rp.started = time.Now().Add(-time.Minute)
	rp.run = &runner.Run{}
	return rp, outs
}

func BenchmarkRunPageView10k(b *testing.B) {
	rp, outs := runPageWith10k(b)
	rp.apply(outs[:10000])
	b.ReportAllocs()
	for b.Loop() {
		_ = rp.View()
	}
}

// BenchmarkApply10kOutcomes applies 10 000 outcome messages one by one (the worst case:
// no batching).
func BenchmarkApply10kOutcomes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		rp, outs := runPageWith10k(b)
		b.StartTimer()
		for _, o := range outs[10000:] {
			rp.Update(outcomesMsg{batch: []backends.Outcome{o}})
		}
	}
}
