package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/store/journal"
)

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
	r := sized(newRecoverPage(sh), 80, 20)
	cmd := r.Init()
	if !strings.Contains(r.View(), "reading the journal") {
		t.Fatal("no loading state")
	}
	drain(t, sh, r, cmd)
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
	cmd, _ = r.Update(press("c"))
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
	r := sized(newRecoverPage(sh), 80, 20)
	drain(t, sh, r, r.Init())
	if v := ansi.Strip(r.View()); !strings.Contains(v, "cannot open the journal") {
		t.Fatalf("error not shown:\n%s", v)
	}
	r.Update(press("c")) // no rows: nothing happens
	fake(sh).demo = true
	r = sized(newRecoverPage(sh), 80, 20)
	drain(t, sh, r, r.Init())
	if v := ansi.Strip(r.View()); !strings.Contains(v, "--demo keeps no journal") {
		t.Fatalf("demo:\n%s", v)
	}
}

func recoverRows(n int) []recoverRow {
	var rows []recoverRow
	for i := range n {
		rows = append(rows, recoverRow{time: "05-01 10:00", profile: "lab", mode: "sip", user: fmt.Sprintf("user%02d", i), status: "ok", secret: "S", shownSecret: "S"})
	}
	return rows
}

// The recover page's error and note show in full; its list makes room for them.
func TestRecoverErrorAndNoteWrap(t *testing.T) {
	sh := testShared()
	r := sized(newRecoverPage(sh), 80, 20)
	r.Update(recoverLoadedMsg{entries: recoverRows(40), note: longErr + " note", err: longErr + " error"})
	r.Update(press("end"))
	r.Update(press("r"))
	v := ansi.Strip(r.View())
	for _, want := range []string{"lastword error", "lastword note", "user39"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q:\n%s", want, v)
		}
	}
	bodyFits(t, 80, 20, r.View())
}

// The window moves in Update: View moves nothing.
func TestRecoverListMovesInUpdateNotView(t *testing.T) {
	r := sized(newRecoverPage(testShared()), 80, 20)
	r.Update(recoverLoadedMsg{entries: recoverRows(40)})
	r.Update(press("end"))
	from, _ := r.list.Span()
	if from == 0 || !strings.Contains(r.View(), "user39") {
		t.Fatalf("recover: window at %d", from)
	}
	if f, _ := r.list.Span(); f != from {
		t.Fatal("View moved the window")
	}
}

// / filters the recover table.
func TestRecoverSlashFilters(t *testing.T) {
	r := sized(newRecoverPage(testShared()), 80, 20)
	r.Update(recoverLoadedMsg{entries: recoverRows(40)})
	r.Update(press("/"))
	typeText(r, "user3")
	if r.list.Len() != 10 || r.Input() == noInput {
		t.Fatalf("the filter keeps %d rows (input %v)", r.list.Len(), r.Input())
	}
	r.Update(press("enter"))
	if cmd, _ := r.Update(press("c")); cmd == nil {
		t.Fatal("c does not copy after the filter")
	}
}

// R shows every secret of the journal whole at every size (after its row's columns
// when it fits, on lines of its own under them when not), and no column cuts a word.
func TestRecoverRevealShowsEverySecretWhole(t *testing.T) {
	secrets := []string{"2+6gj:EPb6XbcQ7r!", "https://webadm.corp.example.com/webapps/pwreset/?id=4529615f40323ec1b8224cdc84de3438"}
	for _, w := range []int{60, 80, 120} {
		r := sized(newRecoverPage(testShared()), w, 20)
		r.Update(recoverLoadedMsg{entries: []recoverRow{
			{time: "05-01 10:00", profile: "demo-admanager", mode: "generate", user: "bdoe", status: "ok", secret: secrets[0], shownSecret: secrets[0]},
			{time: "05-01 10:00", profile: "demo-webadm", mode: "link", user: "cgarcia", status: "possibly reset, password unknown — reset again", secret: secrets[1], shownSecret: secrets[1]},
		}})
		r.Update(press("R"))
		v := r.View()
		bodyFits(t, w, 20, v)
		joined := strings.Join(strings.Fields(ansi.Strip(v)), "")
		for _, s := range secrets {
			if !strings.Contains(joined, s) {
				t.Fatalf("%d columns: %q is not whole:\n%s", w, s, ansi.Strip(v))
			}
		}
		for _, l := range strings.Split(ansi.Strip(v), "\n") {
			for _, word := range strings.Fields(l) {
				if strings.HasSuffix(word, "…") && word != "…" && !strings.Contains(l, "bdoe") && !strings.Contains(l, "cgarcia") {
					t.Fatalf("%d columns: a word cut: %q", w, l)
				}
			}
		}
		if w >= 80 && !strings.Contains(ansi.Strip(v), "generate") {
			t.Fatalf("%d columns: the mode is cut:\n%s", w, ansi.Strip(v))
		}
	}
}

// On a wide terminal the recover page's rows hold the user and the status whole: at 120
// columns "9871515004@odinapi.…" and "sent, no …" were cut beside 40 empty columns.
func TestRecoverRowsUseTheWidth(t *testing.T) {
	sh := testShared()
	now := time.Now()
	fake(sh).recover = func(context.Context) (desk.Recovery, error) {
		return desk.Recovery{Keep: 24 * time.Hour, Runs: []journal.Run{{Entries: []journal.Entry{
			{Time: now, Profile: "annex", Mode: "sip", User: "9871515004@odinapi.net", Status: "unknown", Secret: "S-4"},
		}}}}, nil
	}
	r := sized(newRecoverPage(sh), 120, 20)
	drain(t, sh, r, r.Init())
	status := desk.RecoverStatus(journal.Entry{Status: "unknown", Secret: "S-4"})
	for _, l := range strings.Split(ansi.Strip(r.View()), "\n") {
		if strings.Contains(l, "••••") {
			if !strings.Contains(l, "9871515004@odinapi.net") || !strings.Contains(l, status) {
				t.Fatalf("the row cuts the user or its status %q at 120 columns: %q", status, l)
			}
			return
		}
	}
	t.Fatalf("no masked row:\n%s", ansi.Strip(r.View()))
}
