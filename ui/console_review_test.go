package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
	"resetdesk/store"
	"resetdesk/store/history"
)

const longErr = "cannot reach https://odin.example.net/api/v2/users: dial tcp 10.1.2.3:443: " +
	"connect: connection timed out after 30 seconds; check the VPN and the proxy settings then retry lastword"

// bodyFits fails when a page body is taller than the room the root gives it.
func bodyFits(t *testing.T, sh *shared, v string) {
	t.Helper()
	if n := strings.Count(v, "\n") + 1; n > sh.height {
		t.Fatalf("%d lines for a body of %d:\n%s", n, sh.height, ansi.Strip(v))
	}
}

func TestWindowFollowsTheCursor(t *testing.T) {
	var w window
	w.follow(12, 5)
	if w.top != 8 {
		t.Fatalf("top %d, want 8", w.top)
	}
	w.follow(10, 5) // still in view: no move
	if w.top != 8 {
		t.Fatalf("top %d, want 8", w.top)
	}
	w.follow(3, 5)
	if from, to := w.span(20, 5); from != 3 || to != 8 {
		t.Fatalf("span %d..%d", from, to)
	}
	w.top = 15
	w.fill(17, 5)
	if w.top != 12 {
		t.Fatalf("fill: top %d, want 12", w.top)
	}
}

// The users, recover and history pages move their window in Update: View moves nothing.
func TestListWindowsMoveInUpdateNotView(t *testing.T) {
	sh := testShared()
	u := newUsersPage(sh, backends.Profile{Name: "lab"}, &fakeBackend{})
	u.input.SetValue("x")
	u.seq = 1
	var hits []backends.User
	for i := range 40 {
		hits = append(hits, backends.User{ID: fmt.Sprintf("u%02d", i)})
	}
	u.Update(searchResultMsg{seq: 1, users: hits})
	for range 30 {
		u.Update(press("down"))
	}
	top := u.win.top
	if top == 0 || !strings.Contains(u.View(), "u30") || u.win.top != top {
		t.Fatalf("users: top %d then %d", top, u.win.top)
	}
	// A smaller screen: the resize moves the window.
	sh.height = 12
	u.Update(tea.WindowSizeMsg{Width: 80, Height: 15})
	if top2 := u.win.top; top2 <= top || !strings.Contains(u.View(), "u30") || u.win.top != top2 {
		t.Fatalf("users after resize: top %d", u.win.top)
	}

	sh = testShared()
	var entries []RecoverEntry
	for i := range 40 {
		entries = append(entries, RecoverEntry{Time: time.Now(), Profile: "lab", Mode: "sip", User: fmt.Sprintf("user%02d", i), Status: "ok", Secret: "S"})
	}
	r := newRecoverPage(sh)
	r.Update(recoverLoadedMsg{entries: entries})
	r.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	top = r.win.top
	if top == 0 || !strings.Contains(r.View(), "user39") || r.win.top != top {
		t.Fatalf("recover: top %d then %d", top, r.win.top)
	}

	sh = testShared()
	var outs []history.Outcome
	run := &history.Run{ID: 1, RunInfo: history.RunInfo{Profile: "lab", Started: time.Now()}}
	for i := range 40 {
		outs = append(outs, history.Outcome{Run: run, User: fmt.Sprintf("hist%02d", i), Status: "ok"})
	}
	h := newHistoryPage(sh)
	h.Update(historyLoadedMsg{runs: []*history.Run{run}, outs: outs})
	for range 40 {
		h.Update(press("down"))
	}
	top = h.win.top
	if top == 0 || !strings.Contains(h.View(), "hist39") || h.win.top != top {
		t.Fatalf("history: top %d then %d", top, h.win.top)
	}
}

// A long search error shows in full at 80 columns, and the page still fits.
func TestUsersSearchErrorWraps(t *testing.T) {
	sh := testShared()
	u := newUsersPage(sh, backends.Profile{Name: "lab"}, &fakeBackend{})
	u.input.SetValue("x")
	u.seq = 1
	u.Update(searchResultMsg{seq: 1, err: errors.New(longErr)})
	u.add([]string{"a", "b"}, []userlist.BadUser{{Line: 3, ID: "?", Err: errors.New("not an id")}})
	v := u.View()
	if !strings.Contains(ansi.Strip(v), "lastword") {
		t.Fatalf("the search error is cut:\n%s", ansi.Strip(v))
	}
	bodyFits(t, sh, v)
	for _, l := range strings.Split(ansi.Strip(v), "\n") {
		if ansi.StringWidth(l) > sh.width {
			t.Fatalf("line wider than %d: %q", sh.width, l)
		}
	}
}

// The recover page's error and note show in full; its list makes room for them.
func TestRecoverErrorAndNoteWrap(t *testing.T) {
	sh := testShared()
	var entries []RecoverEntry
	for i := range 40 {
		entries = append(entries, RecoverEntry{Time: time.Now(), Profile: "lab", Mode: "sip", User: fmt.Sprintf("user%02d", i), Status: "ok", Secret: "S"})
	}
	r := newRecoverPage(sh)
	r.Update(recoverLoadedMsg{entries: entries, note: longErr + " note", err: errors.New(longErr + " error")})
	r.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	r.Update(press("r"))
	v := ansi.Strip(r.View())
	for _, want := range []string{"lastword error", "lastword note", "user39"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q:\n%s", want, v)
		}
	}
	bodyFits(t, sh, r.View())
}

// The history page's error shows in full; its list makes room for it.
func TestHistoryErrorWraps(t *testing.T) {
	sh := testShared()
	run := &history.Run{ID: 1, RunInfo: history.RunInfo{Profile: "lab", Started: time.Now()}}
	var outs []history.Outcome
	for i := range 40 {
		outs = append(outs, history.Outcome{Run: run, User: fmt.Sprintf("hist%02d", i), Status: "ok"})
	}
	h := newHistoryPage(sh)
	h.Update(historyLoadedMsg{runs: []*history.Run{run}, outs: outs, err: errors.New(longErr)})
	for range 40 {
		h.Update(press("down"))
	}
	v := ansi.Strip(h.View())
	if !strings.Contains(v, "lastword") || !strings.Contains(v, "hist39") {
		t.Fatalf("error cut or cursor off screen:\n%s", v)
	}
	bodyFits(t, sh, h.View())
}

// A missing secret is told by store.ErrNoSecret, not by the words of the message: the
// environment chain's message keeps its text and matches; another error that happens
// to say "no secret" is not a missing secret.
func TestCredsMissingSecretByErrorNotText(t *testing.T) {
	env := store.EnvSecrets{Next: &fakeStore{secrets: map[string]string{}}, Lookup: func(string) (string, bool) { return "", false }}
	_, err := env.Get(context.Background(), "lab")
	want := "profile lab: no secret in the fake store: run `resetdesk creds set lab` (or set RESETDESK_SECRET_LAB)"
	if !errors.Is(err, store.ErrNoSecret) || err.Error() != want {
		t.Fatalf("EnvSecrets.Get: %v (is ErrNoSecret: %v)", err, errors.Is(err, store.ErrNoSecret))
	}
	_, err = store.EnvSecrets{Lookup: env.Lookup}.Get(context.Background(), "lab")
	if !errors.Is(err, store.ErrNoSecret) || !strings.HasPrefix(err.Error(), "profile lab: no secret: set RESETDESK_SECRET_LAB") {
		t.Fatalf("EnvSecrets.Get without a store: %v", err)
	}

	status := func(err error) string {
		sh := testShared()
		fake(sh).secretSource = func(context.Context, backends.Profile) (string, error) { return "", err }
		c := newCredsPage(sh, backends.Profile{Name: "lab", Kind: "odin"}, nil)
		drain(t, c, c.Init())
		return c.status
	}
	_, err = env.Get(context.Background(), "lab")
	if st := status(err); !strings.HasPrefix(st, "missing: ") {
		t.Fatalf("missing secret shown as %q", st)
	}
	broken := errors.New("profile lab: the encrypted secrets file /x opened but holds no secrets table")
	if st := status(broken); !strings.HasPrefix(st, "unknown: ") {
		t.Fatalf("a broken file shown as %q", st)
	}
}

// The profiles page bounds SecretStatus as the credentials page does: a store that
// ignores its context costs no more than the timeout.
func TestProfilesSecretStatusIsBounded(t *testing.T) {
	defer func(d time.Duration) { openTimeout = d }(openTimeout)
	openTimeout = 50 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	sh := testShared()
	fake(sh).profiles = []backends.Profile{{Name: "lab", Kind: "odin"}}
	fake(sh).secretSource = func(context.Context, backends.Profile) (string, error) {
		<-release // ignores its context
		return "keyring", nil
	}
	pp := newProfilesPage(sh)
	got := make(chan secretStatusMsg, 1)
	go func() {
		for _, m := range msgsOf[secretStatusMsg](pp.Init()) {
			got <- m
		}
	}()
	select {
	case m := <-got:
		if !strings.HasPrefix(m.status, "unknown: no answer within") {
			t.Fatalf("status %q", m.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SecretStatus is not bounded")
	}
}

// sizePage records the sizes it was told about.
type sizePage struct{ sizes []tea.WindowSizeMsg }

func (s *sizePage) Init() tea.Cmd { return nil }
func (s *sizePage) Update(msg tea.Msg) (page, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		s.sizes = append(s.sizes, m)
	}
	return s, nil
}
func (s *sizePage) View() string  { return "" }
func (s *sizePage) Title() string { return "size" }
func (s *sizePage) Keys() keyMap  { return keyMap{} }
func (s *sizePage) Typing() bool  { return false }

// Only the top page sees a resize; a page coming back on top is given the current size.
func TestPageComingBackGetsTheCurrentSize(t *testing.T) {
	m := newModel(context.Background(), &testDesk{})
	under, over := &sizePage{}, &sizePage{}
	m.stack = []page{under, over}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if len(under.sizes) != 0 || len(over.sizes) != 1 {
		t.Fatalf("resize went to under %v, over %v", under.sizes, over.sizes)
	}
	m.Update(backMsg{})
	if len(under.sizes) != 1 || under.sizes[0].Width != 100 {
		t.Fatalf("the page back on top was told %v", under.sizes)
	}
}
