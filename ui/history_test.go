package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/store/history"
)

func TestHistoryPageFilters(t *testing.T) {
	sh := testShared()
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
	h := sized(newHistoryPage(sh), 200, 20)
	drain(t, sh, h, h.Init())
	if time.Since(since) < historyWindow-time.Minute {
		t.Fatalf("read since %v", since)
	}
	v := ansi.Strip(h.View())
	for _, want := range []string{"odin-lab", "alice", "bob", "no such user", "unfinished", "2 runs · 2 users, 1 of them reset"} {
		if !strings.Contains(v, want) {
			t.Fatalf("history lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(h.View(), "\x1b[2J") {
		t.Fatal("a user name cleared the screen")
	}
	if h.Input() == noInput {
		t.Fatal("the filter does not take the keys")
	}
	typeText(h, "ALI")
	v = ansi.Strip(h.View())
	if !strings.Contains(v, "alice") || strings.Contains(v, "bob") || strings.Contains(v, "admanager") || !strings.Contains(v, "1 run · 1 user, 1 of them reset") {
		t.Fatalf("filter by user:\n%s", v)
	}
	if n := navOf(h.Update(press("esc"))); h.filter.Value() != "" || n != nil {
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
	if _, ok := navOf(h.Update(press("esc"))).(back); !ok {
		t.Fatal("esc on an empty filter did not go back")
	}
}

func TestHistoryPageDemoAndErrors(t *testing.T) {
	sh := testShared()
	fake(sh).demo = true
	h := sized(newHistoryPage(sh), 80, 20)
	drain(t, sh, h, h.Init())
	if v := ansi.Strip(h.View()); !strings.Contains(v, "--demo keeps no journal and no history") {
		t.Fatalf("demo:\n%s", v)
	}
}

func historyOf(n int) historyLoadedMsg {
	run := &history.Run{ID: 1, RunInfo: history.RunInfo{Profile: "lab", Started: time.Now()}}
	var outs []history.Outcome
	for i := range n {
		outs = append(outs, history.Outcome{Run: run, User: fmt.Sprintf("hist%02d", i), Status: "ok"})
	}
	return historyLoadedMsg{lines: buildHistLines([]*history.Run{run}, outs)}
}

// The history page's error shows in full; its list makes room for it.
func TestHistoryErrorWraps(t *testing.T) {
	h := sized(newHistoryPage(testShared()), 80, 20)
	msg := historyOf(40)
	msg.err = longErr
	h.Update(msg)
	for range 40 {
		h.Update(press("down"))
	}
	v := ansi.Strip(h.View())
	if !strings.Contains(v, "lastword") || !strings.Contains(v, "hist39") {
		t.Fatalf("error cut or cursor off screen:\n%s", v)
	}
	bodyFits(t, 80, 20, h.View())
}

// The window moves in Update: View moves nothing.
func TestHistoryListMovesInUpdateNotView(t *testing.T) {
	h := sized(newHistoryPage(testShared()), 80, 20)
	h.Update(historyOf(40))
	for range 40 {
		h.Update(press("down"))
	}
	from, _ := h.list.Span()
	if from == 0 || !strings.Contains(h.View(), "hist39") {
		t.Fatalf("history: window at %d", from)
	}
	if f, _ := h.list.Span(); f != from {
		t.Fatal("View moved the window")
	}
}

// A run's line longer than the screen wraps at whole words instead of being cut.
func TestHistoryWrapsRunLines(t *testing.T) {
	run := &history.Run{ID: 1, RunInfo: history.RunInfo{OSUser: "technician", Started: time.Now(), Profile: "corp-admanager-production",
		Kind: "admanager", Mode: "generate", Ticket: "INC-2026-000123", Total: 1}, Finished: time.Now(), Tally: backends.Tally{OK: 1}}
	h := sized(newHistoryPage(testShared()), 80, 20)
	h.Update(historyLoadedMsg{lines: buildHistLines([]*history.Run{run}, []history.Outcome{{Run: run, User: "alice", Status: "ok", Message: "done"}})})
	v := h.View()
	if !strings.Contains(flat(v), "1 user(s): 1 ok, 0 failed, 0 unknown, 0 skipped") {
		t.Fatalf("the run's line is cut:\n%s", ansi.Strip(v))
	}
	bodyFits(t, 80, 20, v)
}

// Wide (CJK) names keep the columns of the users and history pages aligned.
func TestUsersAndHistoryAlignWideNames(t *testing.T) {
	column := func(t *testing.T, v, mark string) {
		t.Helper()
		at := -1
		for _, l := range strings.Split(ansi.Strip(v), "\n") {
			i := strings.Index(l, mark)
			if i < 0 {
				continue
			}
			w := ansi.StringWidth(l[:i])
			if at >= 0 && w != at {
				t.Fatalf("%q at cell %d and %d:\n%s", mark, at, w, ansi.Strip(v))
			}
			at = w
		}
		if at < 0 {
			t.Fatalf("no %q:\n%s", mark, ansi.Strip(v))
		}
	}
	u := newTestUsersPage(testShared(), backends.Profile{Name: "p"})
	u.input.SetValue("x")
	u.seq = 1
	u.Update(searchResultMsg{seq: 1, hits: newHits([]backends.User{
		{ID: "tyamada", Name: "山田太郎", Detail: "@ sales"}, {ID: "ada", Name: "Ada Smith", Detail: "@ it"}, {ID: "김민준", Name: "김민준김민준김민준김민준김민준", Detail: "@ hr"}})})
	column(t, u.View(), "@")

	run := &history.Run{ID: 1, RunInfo: history.RunInfo{Profile: "lab", Started: time.Now()}}
	h := sized(newHistoryPage(testShared()), 100, 20)
	h.Update(historyLoadedMsg{lines: buildHistLines([]*history.Run{run}, []history.Outcome{
		{Run: run, User: "山田太郎", Status: "ok"}, {Run: run, User: "ada", Status: "failed"}, {Run: run, User: "김민준김민준김민준김민준김민준김민준", Status: "ok"}})})
	column(t, h.View(), "ok")
}

// Tab leaves the filter for the list, where j/k, g/G move; / goes back to the filter.
func TestHistoryTabLeavesTheFieldForTheList(t *testing.T) {
	h := sized(newHistoryPage(testShared()), 80, 20)
	h.Update(historyOf(40))
	h.Update(press("tab"))
	if h.Input() != noInput {
		t.Fatal("tab did not leave the filter")
	}
	h.Update(press("G"))
	if !strings.Contains(h.View(), "hist39") {
		t.Fatalf("G did not reach the end:\n%s", ansi.Strip(h.View()))
	}
	h.Update(press("/"))
	typeText(h, "hist0")
	if h.filter.Value() != "hist0" {
		t.Fatalf("/ did not go back to the filter: %q", h.filter.Value())
	}
}

// A DN in a message wraps between its parts, never inside one ("DC=c" / "om").
func TestHistoryWrapsADistinguishedNameBetweenItsParts(t *testing.T) {
	run := &history.Run{ID: 1, RunInfo: history.RunInfo{Profile: "ad", Started: time.Now()}}
	h := sized(newHistoryPage(testShared()), 80, 20)
	msg := "password reset for CN=Jon One,OU=Helpdesk Users,OU=Head Office,DC=corp,DC=example,DC=com by the ADManager policy"
	h.Update(historyLoadedMsg{lines: buildHistLines([]*history.Run{run}, []history.Outcome{{Run: run, User: "jon.one", Status: "ok", Message: msg}})})
	for _, part := range []string{"DC=corp,", "DC=example,", "DC=com", "OU=Helpdesk", "OU=Head"} {
		found := false
		for _, l := range strings.Split(ansi.Strip(h.View()), "\n") {
			found = found || strings.Contains(l, part)
		}
		if !found {
			t.Fatalf("%q is broken across lines:\n%s", part, ansi.Strip(h.View()))
		}
	}
}
