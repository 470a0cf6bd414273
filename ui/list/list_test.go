package list

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"resetdesk/ui/keys"
	"resetdesk/ui/uitest"
)

func newList(n, h int) *Model {
	l := New(keys.Default(), Styles{})
	l.SetItems(n)
	l.SetHeight(h)
	return &l
}

// press is uitest.Press: the key press named s.
func press(s string) tea.KeyPressMsg { return uitest.Press(s) }

func draw(item int, current bool) string {
	if current {
		return fmt.Sprintf("> row%02d", item)
	}
	return fmt.Sprintf("  row%02d", item)
}

func TestFillsItsRoomAndSaysWhatIsOutOfSight(t *testing.T) {
	l := newList(40, 10)
	lines := strings.Split(l.View(draw), "\n")
	if len(lines) != 10 || lines[8] != "  row08" || lines[9] != "  ↓ 31 more" {
		t.Fatalf("first screen:\n%s", strings.Join(lines, "\n"))
	}
	for range 20 {
		l.Update(press("j"))
	}
	lines = strings.Split(l.View(draw), "\n")
	if len(lines) != 10 || lines[8] != "> row20" || lines[9] != "  ↓ 19 more · ↑ 12 above" {
		t.Fatalf("after 20 down:\n%s", strings.Join(lines, "\n"))
	}
	l.Update(press("G"))
	lines = strings.Split(l.View(draw), "\n")
	if lines[8] != "> row39" || lines[9] != "  ↑ 31 above" {
		t.Fatalf("at the end:\n%s", strings.Join(lines, "\n"))
	}
	// A short list shows every row and no marker.
	if v := newList(3, 10).View(draw); strings.Count(v, "\n") != 2 || strings.Contains(v, "more") {
		t.Fatalf("short list:\n%s", v)
	}
}

func TestPagesAndWheelAndTypingLeavesLettersAlone(t *testing.T) {
	l := newList(100, 12)
	l.Update(press("pgdown"))
	if l.Cursor() != 10 {
		t.Fatalf("page down moved to %d", l.Cursor())
	}
	l.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if l.Cursor() != 13 {
		t.Fatalf("wheel moved to %d", l.Cursor())
	}
	l.SetTyping(true)
	if _, handled := l.Update(press("j")); handled || l.Cursor() != 13 {
		t.Fatal("j moved a list under a text field")
	}
	if _, handled := l.Update(press("down")); !handled || l.Cursor() != 14 {
		t.Fatal("the arrow did not move a list under a text field")
	}
}

func TestFilterKeepsMatchesAndEscClearsIt(t *testing.T) {
	names := []string{"alice", "bob", "alfred", "carol"}
	l := newList(len(names), 10)
	l.SetFilter(Contains(func() int { return len(names) }, func(i int) string { return names[i] }))
	l.Update(press("/"))
	if !l.Filtering() {
		t.Fatal("/ did not open the filter")
	}
	for _, r := range "AL" {
		l.Update(press(string(r)))
	}
	if l.Len() != 2 || l.Item(1) != 2 {
		t.Fatalf("filter AL shows %d items", l.Len())
	}
	if v := l.View(draw); !strings.Contains(v, "2 of 4") || strings.Contains(v, "row01") {
		t.Fatalf("filtered view:\n%s", v)
	}
	l.Update(press("enter"))
	if l.Filtering() || l.Len() != 2 {
		t.Fatal("enter did not keep the filter")
	}
	l.Update(press("j"))
	if it, _ := l.Current(); it != 2 {
		t.Fatalf("cursor on item %d", it)
	}
	l.Update(press("/"))
	l.Update(press("esc"))
	if l.Len() != 4 || l.Query() != "" {
		t.Fatal("esc did not clear the filter")
	}
}

func TestRowsOfManyLines(t *testing.T) {
	l := newList(10, 7)
	l.SetRowLines(func(int) int { return 2 })
	lines := strings.Split(l.View(func(i int, cur bool) string { return draw(i, cur) + "\n    detail" }), "\n")
	if len(lines) != 7 || lines[6] != "  ↓ 7 more" {
		t.Fatalf("two-line rows:\n%s", strings.Join(lines, "\n"))
	}
	l.Update(press("G"))
	from, to := l.Span()
	if to != 10 || from != 7 {
		t.Fatalf("at the end the window is %d..%d", from, to)
	}
}
