package ui

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

// msgsOf runs cmd and the batches it returns, and gives the messages of type T.
func msgsOf[T any](cmd tea.Cmd) []T {
	var out []T
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
		case T:
			out = append(out, m)
		}
	}
	return out
}

// The quota is counted in the history database: View must never be the one to ask.
func TestQuotaIsCountedInCommandsNotInView(t *testing.T) {
	var calls atomic.Int32
	sh := testShared()
	fake(sh).profiles = []backends.Profile{{Name: "ad", Kind: "admanager", DailyQuota: 10}}
	fake(sh).quotaLeft = func(p backends.Profile) (int, bool) { calls.Add(1); return 2, true }

	pp := newProfilesPage(sh)
	cmd := pp.Init()
	pp.View()
	if n := calls.Load(); n != 0 {
		t.Fatalf("the profiles page counted the quota %d time(s) before its commands ran", n)
	}
	for _, m := range msgsOf[quotaMsg](cmd) {
		pp.Update(m)
	}
	if !strings.Contains(ansi.Strip(pp.View()), "quota left today: 2") {
		t.Fatalf("quota not shown:\n%s", pp.View())
	}

	calls.Store(0)
	p := fake(sh).profiles[0]
	p.Kind = "fake"
	rv := newReviewPage(sh, fakeRequest(t, &fakeBackend{}, p, []string{"a", "b", "c"}))
	cmd = rv.Init()
	if v := ansi.Strip(rv.View()); !strings.Contains(v, "counting…") {
		t.Fatalf("review before the count:\n%s", v)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the review page counted the quota %d time(s) in View", n)
	}
	for _, m := range msgsOf[quotaMsg](cmd) {
		rv.Update(m)
	}
	if v := ansi.Strip(rv.View()); !strings.Contains(v, "only 2 of 3 users fit") {
		t.Fatalf("quota warning missing:\n%s", v)
	}
}

// Back on the profiles page after a run, the quota is counted again.
func TestProfilesCountQuotaAgainOnBack(t *testing.T) {
	left := 5
	m := newModel(context.Background(), &testDesk{
		profiles:  []backends.Profile{{Name: "ad", Kind: "admanager", DailyQuota: 10}},
		quotaLeft: func(backends.Profile) (int, bool) { return left, true }})
	m.stack = append(m.stack, newRecoverPage(m.sh))
	left = 3
	_, cmd := m.Update(backMsg{})
	qs := msgsOf[quotaMsg](cmd)
	if len(qs) != 1 || qs[0].left != 3 {
		t.Fatalf("back on the profiles page counted %v", qs)
	}
}

// At 80x24 a question or an error longer than the line wraps: its end (the y/n, the
// reason) shows, the screen keeps its 24 lines, and no control sequence gets through.
func TestStatusLineWrapsAtEightyColumns(t *testing.T) {
	m := newModel(context.Background(), &testDesk{
		profiles: []backends.Profile{{Name: "odin-lab", Kind: "odin", URL: "https://odin.example.com/api/v2"}}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	check := func(what, want string) {
		t.Helper()
		v := m.View().Content
		lines := strings.Split(v, "\n")
		if len(lines) != 24 {
			t.Fatalf("%s: %d lines, want 24", what, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 80 {
				t.Fatalf("%s: a line of %d cells: %q", what, w, ansi.Strip(l))
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(ansi.Strip(v)), " "), want) {
			t.Fatalf("%s: %q not on screen:\n%s", what, want, ansi.Strip(v))
		}
	}
	m.Update(askMsg{question: "Stop the run? Requests in flight finish; the users not yet sent are skipped."})
	check("question", "skipped. (y/n)")
	m.Update(press("n"))
	m.Update(toastMsg{text: "cannot create /home/technician/exports/resetdesk-odin-lab-20260101-120000.csv: permission denied \x1b]52;c;aGk=\x07", bad: true})
	check("error", "permission denied")
	if strings.Contains(m.View().Content, "\x1b]52") {
		t.Fatal("a control sequence in a toast reached the screen")
	}
}

// A run that could not start has nothing to stop: q and ctrl+c quit as the help says,
// and its whole error shows at 80 columns.
func TestFailedRunStartQuitsAndShowsTheWholeError(t *testing.T) {
	m := newModel(context.Background(), &testDesk{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	rp := newRunPage(m.sh, fakeRequest(t, &fakeBackend{}, backends.Profile{Name: "p"}, []string{"a"}))
	m.stack = append(m.stack, rp)
	long := "cannot prepare the run, nothing sent: the journal key is not in the keyring (no answer within 15s): check the Secret Service"
	m.Update(runStartedMsg{err: errorString(long)})
	v := strings.Join(strings.Fields(ansi.Strip(m.View().Content)), " ")
	if !strings.Contains(v, "check the Secret Service") {
		t.Fatalf("the start error is cut:\n%s", ansi.Strip(m.View().Content))
	}
	for _, k := range []tea.KeyPressMsg{press("q"), {Code: 'c', Mod: tea.ModCtrl}} {
		_, cmd := m.Update(k)
		if cmd == nil {
			t.Fatalf("%s does nothing on a run that could not start", k)
		}
		if _, ok := cmd().(quitMsg); !ok {
			t.Fatalf("%s does not quit on a run that could not start", k)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// A profile that cannot be opened says why in full at 80 columns.
func TestProfilesOpenErrorWraps(t *testing.T) {
	sh := testShared()
	fake(sh).profiles = []backends.Profile{{Name: "odin-lab", Kind: "odin"}}
	pp := newProfilesPage(sh)
	pp.Update(openedMsg{p: fake(sh).profiles[0], err: errorString("login failed: 401 Unauthorized: the account john.smith is locked, ask an administrator to unlock it")})
	v := strings.Join(strings.Fields(ansi.Strip(pp.View())), " ")
	if !strings.Contains(v, "ask an administrator to unlock it") {
		t.Fatalf("the open error is cut:\n%s", pp.View())
	}
}

// Twenty profiles at 80×24: the list scrolls with the cursor, which stays on screen.
func TestProfilesListScrollsWithTheCursor(t *testing.T) {
	sh := testShared()
	for i := range 20 {
		fake(sh).profiles = append(fake(sh).profiles, backends.Profile{Name: fmt.Sprintf("site-%02d", i), Kind: "odin", URL: "https://x"})
	}
	pp := newProfilesPage(sh)
	var pg page = pp
	if v := pp.View(); !strings.Contains(v, "site-00") || strings.Contains(v, "site-19") || !strings.Contains(v, "more") {
		t.Fatalf("first screen:\n%s", v)
	}
	for range 19 {
		pg, _ = pg.Update(press("down"))
	}
	v := pg.View()
	if !strings.Contains(v, "> ") || !strings.Contains(v, "site-19") || strings.Contains(v, "site-00") {
		t.Fatalf("cursor on the last profile is off screen:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > sh.height {
		t.Fatalf("%d lines for a body of %d", n, sh.height)
	}
}
