package table

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/theme"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
)

func users(n int) []Row {
	u := make([]Row, n)
	for i := range u {
		u[i].User = fmt.Sprintf("user%05d", i)
	}
	return u
}

// rows are rows of the ids given, with no name.
func rows(ids ...string) []Row {
	out := make([]Row, len(ids))
	for i, id := range ids {
		out[i].User = id
	}
	return out
}

func lines(m *Model) []string { return strings.Split(ansi.Strip(m.View()), "\n") }

func TestRendersOnlyTheWindow(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(1000))
	m.SetSize(100, 11)
	ls := lines(&m)
	if len(ls) != 11 {
		t.Fatalf("want header + 9 rows + the marker, got %d lines", len(ls))
	}
	if !strings.HasPrefix(ls[1], "> user00000") || !strings.Contains(ls[9], "user00008") || strings.TrimSpace(ls[10]) != "↓ 991 more" {
		t.Fatalf("unexpected window:\n%s", strings.Join(ls, "\n"))
	}
	m.Move(15)
	ls = lines(&m)
	if !strings.HasPrefix(ls[9], "> user00015") || strings.TrimSpace(ls[10]) != "↓ 984 more · ↑ 7 above" {
		t.Fatalf("cursor not kept in sight:\n%s", strings.Join(ls, "\n"))
	}
	for _, l := range ls {
		if w := ansi.StringWidth(l); w > 100 {
			t.Fatalf("line wider than the table: %d", w)
		}
	}
}

// Revealed secrets are read whole: the secret column grows to the widest one shown.
func TestRevealAllWidensTheSecretColumn(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(3))
	m.SetSize(120, 6)
	secrets := []string{"Ywk~+FTu,9qLmP2x", "short", "https://adm.example.com/reset?token=0123456789abcdef"}
	for i, s := range secrets {
		m.Apply(backends.Outcome{Index: i, Status: backends.StatusOK}, s, "password set")
	}
	m.SetRevealAll(true)
	v := ansi.Strip(m.View())
	for _, s := range secrets {
		if !strings.Contains(v, s) {
			t.Fatalf("%q not shown whole at 120 columns:\n%s", s, v)
		}
	}
	for _, l := range strings.Split(v, "\n") {
		if ansi.StringWidth(l) > 120 {
			t.Fatalf("a line of %d cells", ansi.StringWidth(l))
		}
	}
	m.SetRevealAll(false)
	m.Move(1)
	m.ToggleReveal()
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "short") || strings.Contains(v, secrets[0]) {
		t.Fatalf("one row revealed:\n%s", v)
	}
}

// Wide (CJK) names keep the columns aligned.
func TestWideNamesStayAligned(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), rows("山田太郎", "ada", "김민준김민준김민준김민준김민준김민준"))
	m.SetSize(80, 5)
	for i := range 3 {
		m.Apply(backends.Outcome{Index: i, Status: backends.StatusOK, Elapsed: time.Millisecond}, "s", "done")
	}
	col := -1
	for _, l := range lines(&m)[1:] {
		at := ansi.StringWidth(l[:strings.Index(l, "✓")])
		if col >= 0 && at != col {
			t.Fatalf("status column at %d and %d:\n%s", col, at, strings.Join(lines(&m), "\n"))
		}
		col = at
	}
}

func TestSlashFiltersUserAndMessage(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(5))
	m.SetSize(100, 10)
	m.Apply(backends.Outcome{Index: 3, Status: backends.StatusFailed}, "", "account locked")
	m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	for _, r := range "locked" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if m.Shown() != 1 {
		t.Fatalf("filter shows %d rows", m.Shown())
	}
	if i, _ := m.Current(); i != 3 {
		t.Fatalf("cursor on row %d", i)
	}
}

func TestSecretsMaskedUntilRevealed(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(3))
	m.SetSize(100, 5)
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusOK, Secret: "Hunter22!", Elapsed: 42 * time.Millisecond}, "Hunter22!", "done")
	v := ansi.Strip(m.View())
	if strings.Contains(v, "Hunter22!") || !strings.Contains(v, Mask) || !strings.Contains(v, "42ms") {
		t.Fatalf("secret not masked:\n%s", v)
	}
	m.ToggleReveal()
	if !strings.Contains(ansi.Strip(m.View()), "Hunter22!") {
		t.Fatal("reveal did not show the secret")
	}
	m.ToggleReveal()
	m.SetRevealAll(true)
	if !strings.Contains(ansi.Strip(m.View()), "Hunter22!") {
		t.Fatal("reveal all did not show the secret")
	}
	m.HideAll()
	if strings.Contains(ansi.Strip(m.View()), "Hunter22!") {
		t.Fatal("hide all left the secret on screen")
	}
}

func TestFilterAndSortGoThroughTheIndex(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(6))
	m.SetSize(100, 10)
	st := []backends.Status{backends.StatusOK, backends.StatusFailed, backends.StatusOK, backends.StatusUnknown, backends.StatusSkipped, backends.StatusOK}
	for i, s := range st {
		m.Apply(backends.Outcome{Index: i, Status: s}, "", "")
	}
	m.SetFilter(NotOK)
	if m.Shown() != 3 {
		t.Fatalf("not-ok filter shows %d rows, want 3", m.Shown())
	}
	if i, _ := m.Current(); i != 1 {
		t.Fatalf("cursor on row %d, want 1", i)
	}
	// A row that changes while filtered joins or leaves the view.
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusFailed}, "", "")
	if m.Shown() != 4 {
		t.Fatalf("after a change the filter shows %d rows, want 4", m.Shown())
	}
	m.SetFilter(All)
	m.SetSort(ByStatus)
	m.Top()
	if i, _ := m.Current(); i != 0 || m.Row(i).Status != backends.StatusFailed {
		t.Fatalf("status sort does not start with a failure: row %d", i)
	}
	m.Follow(5)
	if i, _ := m.Current(); i != 5 {
		t.Fatalf("follow put the cursor on %d", i)
	}
}

func TestEmptyFilter(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(2))
	m.SetFilter(NotOK)
	if _, ok := m.Current(); ok {
		t.Fatal("a row under the cursor of an empty view")
	}
	if !strings.Contains(m.View(), "no rows") {
		t.Fatal("empty view not explained")
	}
}

func TestCacheFollowsChanges(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), users(2))
	m.SetSize(100, 5)
	m.Move(1)
	_ = m.View()
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusFailed}, "", "refused: no such user")
	if !strings.Contains(m.View(), "refused: no such user") {
		t.Fatal("stale cached line drawn after an update")
	}
}

func BenchmarkView10k(b *testing.B) {
	m := New(theme.New(true, false), keys.Default(), users(10000))
	m.SetSize(120, 40)
	for i := range 10000 {
		m.Apply(backends.Outcome{Index: i, Status: backends.StatusOK, Elapsed: time.Millisecond}, "secret", "ok")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Follow(i % 10000)
		_ = m.View()
	}
}

// Messages are cut at whole words ("jdoe was …", never "jdoe was su…"), and a message
// with no word that fits leaves its cell empty rather than a lone "…" beside a secret.
func TestMessagesCutAtWholeWords(t *testing.T) {
	m := New(theme.New(true, true), keys.Default(), rows("jdoe", "asmith"))
	m.SetSize(60, 5)
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusOK}, "Xy7#abcdEf12", "jdoe was successfully reset by the ADManager policy")
	m.Apply(backends.Outcome{Index: 1, Status: backends.StatusOK}, "Xy7#abcdEf13", "ADManager's")
	m.SetRevealAll(true)
	v := ansi.Strip(m.View())
	for _, l := range strings.Split(v, "\n")[1:] {
		f := strings.Fields(l)
		for i, w := range f {
			if strings.HasSuffix(w, "…") && w != "…" {
				t.Fatalf("a word cut at 60 columns: %q in %q", w, l)
			}
			if w == "…" && i > 0 && strings.HasPrefix(f[i-1], "Xy7#") {
				t.Fatalf("an ellipsis beside a secret: %q", l)
			}
		}
	}
	if !strings.Contains(v, "jdoe was") {
		t.Fatalf("the words that fit are gone:\n%s", v)
	}
}

// The row under the cursor keeps its status's colour.
func TestCursorRowKeepsItsStatusColour(t *testing.T) {
	th := theme.New(true, false)
	m := New(th, keys.Default(), users(2))
	m.SetSize(80, 5)
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusFailed}, "", "refused")
	cursor := strings.Split(m.View(), "\n")[1]
	plain := th.Failed.Render("✗ failed ")
	if !strings.Contains(cursor, "✗ failed") || !strings.Contains(cursor, "\x1b[") {
		t.Fatalf("the cursor row: %q", cursor)
	}
	want := th.Failed.Inherit(th.Cursor).Render(fit.Pad("✗ failed", statusWidth))
	if !strings.Contains(cursor, want) || plain == want {
		t.Fatalf("the failed status lost its colour on the cursor row: %q", cursor)
	}
}
