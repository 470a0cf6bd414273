package sanitize

import (
	"strings"
	"testing"
)

// Every character the issue names (C0, C1, DEL, the zero-width and bidi ranges, the BOM)
// is found, with its position; letters of every script, spaces and emoji are not.
func TestUnseenFindsControlsAndFormatCharacters(t *testing.T) {
	var bad []rune
	for r := rune(0); r < 0x20; r++ {
		bad = append(bad, r)
	}
	for r := rune(0x7f); r < 0xa0; r++ {
		bad = append(bad, r)
	}
	for _, rg := range [][2]rune{{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2066, 0x2069}, {0xfeff, 0xfeff}, {0x2028, 0x2029}} {
		for r := rg[0]; r <= rg[1]; r++ {
			bad = append(bad, r)
		}
	}
	for _, r := range bad {
		s := "odin" + string(r) + "-lab"
		if got, ok := Unseen(s); !ok || got != r {
			t.Errorf("Unseen(%q) = %U, %v; want %U", s, got, ok, r)
		}
		if d := Describe(r); !strings.HasPrefix(d, "U+") {
			t.Errorf("Describe(%U) = %q", r, d)
		}
	}
	for _, s := range []string{"jdoe", "Zoë Ångström", "山田太郎", "CORP\\jdoe", "a b", "👍", "j.doe@example.com"} {
		if r, ok := Unseen(s); ok {
			t.Errorf("Unseen(%q) found %U", s, r)
		}
	}
}
