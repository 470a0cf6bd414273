package fit

import (
	"strings"
	"testing"
)

func TestPadAlignsWideCharacters(t *testing.T) {
	for _, s := range []string{"ada", "山田太郎", "Zoë", "山田太郎山田太郎山田"} {
		got := Pad(s, 9)
		if Width(got) != 9 {
			t.Errorf("Pad(%q, 9) = %q, %d cells", s, got, Width(got))
		}
	}
	if got := Pad("山田太郎山田", 7); got != "山田太…" {
		t.Errorf("a wide name cut to 7 cells: %q", got)
	}
	if got := PadLeft("42ms", 7); got != "   42ms" {
		t.Errorf("PadLeft: %q", got)
	}
}

func TestWrapBreaksAtSpacesAndOnlyLongWordsInside(t *testing.T) {
	s := "the request went out and no answer came: the password may have changed https://example.com/a/very/long/link/without/any/space"
	lines := Wrap(s, 30)
	for _, l := range lines {
		if Width(l) > 30 {
			t.Fatalf("line of %d cells: %q", Width(l), l)
		}
	}
	words := strings.Fields(s)
	joined := strings.Join(lines, " ")
	for _, w := range words[:len(words)-1] {
		if !strings.Contains(" "+joined+" ", " "+w+" ") {
			t.Fatalf("word %q was cut:\n%s", w, strings.Join(lines, "\n"))
		}
	}
	if strings.ReplaceAll(strings.Join(lines, ""), " ", "") != strings.ReplaceAll(s, " ", "") {
		t.Fatalf("text lost:\n%s", strings.Join(lines, "\n"))
	}
}

func TestWrapMaxEndsOnAWholeWord(t *testing.T) {
	got := WrapMax("aaa bbb ccc ddd eee fff", 7, 2)
	if len(got) != 2 || got[1] != "ccc …" {
		t.Fatalf("WrapMax = %q", got)
	}
	if got := WrapMax("short", 20, 2); len(got) != 1 || got[0] != "short" {
		t.Fatalf("WrapMax of a short text = %q", got)
	}
}

func TestIndentAlignsTheWrappedValue(t *testing.T) {
	got := Indent("  ! ", "only 5 of 10 users fit in today's quota", 20)
	if len(got) < 2 || !strings.HasPrefix(got[1], "    ") || !strings.HasPrefix(got[0], "  ! only") {
		t.Fatalf("Indent = %q", got)
	}
	for _, l := range got {
		if Width(l) > 20 {
			t.Fatalf("line of %d cells: %q", Width(l), l)
		}
	}
}

func TestHeightAndClip(t *testing.T) {
	if got := Height("a\nb\nc", 2); got != "a\nb" {
		t.Fatalf("Height cut: %q", got)
	}
	if got := Height("a", 3); got != "a\n\n" {
		t.Fatalf("Height filled: %q", got)
	}
	if got := Clip("abcdef\nxy", 4); got != "abc…\nxy" {
		t.Fatalf("Clip: %q", got)
	}
}

func TestCutEndsOnAWholeWord(t *testing.T) {
	if got := Cut("d removes · D removes every refused id · tab: back to the search", 40); got != "d removes · D removes every refused id …" {
		t.Fatalf("Cut = %q", got)
	}
	if got := Cut("short", 10); got != "short" {
		t.Fatalf("Cut of a short text = %q", got)
	}
	if got := Cut("https://a.example.com/long", 10); Width(got) > 10 {
		t.Fatalf("Cut of one long word = %q", got)
	}
}

func TestWordsNeverCutsAWord(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"ADManager's policy picks the password", 3, "…"},
		{"jdoe was successfully reset", 12, "jdoe was …"},
		{"9871515059  x5059  Engineering", 24, "9871515059  x5059 …"},
		{"ok", 5, "ok"},
	} {
		if got := Words(c.s, c.w); got != c.want || Width(got) > c.w {
			t.Errorf("Words(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}

// No line of Wrap is wider than its width, whatever the text breaks at: ansi.Wrap lets
// a comma hang one cell past it.
func TestWrapNeverOverflows(t *testing.T) {
	s := "2026-12-06 23:56  lab  odin/sip  by root  1 user(s): 1 ok, 0 failed, 0 unknown, 0 skipped; CN=Jon One,OU=Help-desk,DC=corp"
	for w := 10; w <= 100; w++ {
		lines := Wrap(s, w)
		for _, l := range lines {
			if Width(l) > w {
				t.Fatalf("w=%d: a line of %d: %q", w, Width(l), l)
			}
		}
		if strings.Join(strings.Fields(strings.Join(lines, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("w=%d: text lost:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
