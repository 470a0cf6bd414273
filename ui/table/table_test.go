package table

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/theme"
)

func users(n int) []string {
	u := make([]string, n)
	for i := range u {
		u[i] = fmt.Sprintf("user%05d", i)
	}
	return u
}

func lines(m *Model) []string { return strings.Split(ansi.Strip(m.View()), "\n") }

func TestRendersOnlyTheWindow(t *testing.T) {
	m := New(theme.New(true, true), users(1000))
	m.SetSize(100, 11)
	ls := lines(&m)
	if len(ls) != 11 {
		t.Fatalf("want header + 10 rows, got %d lines", len(ls))
	}
	if !strings.HasPrefix(ls[1], "> user00000") || !strings.Contains(ls[10], "user00009") {
		t.Fatalf("unexpected window:\n%s", strings.Join(ls, "\n"))
	}
	m.Move(15)
	ls = lines(&m)
	if !strings.HasPrefix(ls[10], "> user00015") {
		t.Fatalf("cursor not kept in sight:\n%s", strings.Join(ls, "\n"))
	}
	for _, l := range ls {
		if w := ansi.StringWidth(l); w > 100 {
			t.Fatalf("line wider than the table: %d", w)
		}
	}
}

func TestSecretsMaskedUntilRevealed(t *testing.T) {
	m := New(theme.New(true, true), users(3))
	m.SetSize(100, 5)
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusOK, Secret: "Hunter22!", Elapsed: 42 * time.Millisecond}, "", "Hunter22!", "done")
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
	m := New(theme.New(true, true), users(6))
	m.SetSize(100, 10)
	st := []backends.Status{backends.StatusOK, backends.StatusFailed, backends.StatusOK, backends.StatusUnknown, backends.StatusSkipped, backends.StatusOK}
	for i, s := range st {
		m.Apply(backends.Outcome{Index: i, Status: s}, "", "", "")
	}
	m.SetFilter(NotOK)
	if m.Shown() != 3 {
		t.Fatalf("not-ok filter shows %d rows, want 3", m.Shown())
	}
	if i, _ := m.Current(); i != 1 {
		t.Fatalf("cursor on row %d, want 1", i)
	}
	// A row that changes while filtered joins or leaves the view.
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusFailed}, "", "", "")
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
	m := New(theme.New(true, true), users(2))
	m.SetFilter(NotOK)
	if _, ok := m.Current(); ok {
		t.Fatal("a row under the cursor of an empty view")
	}
	if !strings.Contains(m.View(), "no rows") {
		t.Fatal("empty view not explained")
	}
}

func TestCacheFollowsChanges(t *testing.T) {
	m := New(theme.New(true, true), users(2))
	m.SetSize(100, 5)
	m.Move(1)
	_ = m.View()
	m.Apply(backends.Outcome{Index: 0, Status: backends.StatusFailed}, "", "", "refused: no such user")
	if !strings.Contains(m.View(), "refused: no such user") {
		t.Fatal("stale cached line drawn after an update")
	}
}

func BenchmarkView10k(b *testing.B) {
	m := New(theme.New(true, false), users(10000))
	m.SetSize(120, 40)
	for i := range 10000 {
		m.Apply(backends.Outcome{Index: i, Status: backends.StatusOK, Elapsed: time.Millisecond}, "", "secret", "ok")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Follow(i % 10000)
		_ = m.View()
	}
}
