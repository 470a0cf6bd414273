package sanitize

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"jdoe", "jdoe"},
		{"Zoë Ångström", "Zoë Ångström"},
		{"a\x1b[31mred\x1b[0m", "ared"},
		{"x\x1b]52;c;aGVsbG8=\x07y", "xy"},
		{"x\x1b]52;c;aGVsbG8=\x1b\\y", "xy"},
		{"x\x1bP+q\x1b\\y", "xy"},
		{"x\u009b31my", "xy"},
		{"x\u009d52;c;Zm9v\u009cy", "xy"},
		{"bell\a back\b", "bell back"},
		{"two\nlines\r\nhere\ttab", "two lines here tab"},
		{"evil\u202egnp.exe", "evilgnp.exe"},
		{"\x1b[2J\x1b[Hcleared", "cleared"},
		{"trailing\x1b", "trailing"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	}
	for _, c := range cases {
		if got := Line(c.in); got != c.want {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextKeepsNewlines(t *testing.T) {
	if got := Text("a\r\nb\rc\n\x1b[1md"); got != "a\nb\nc\nd" {
		t.Fatalf("Text = %q", got)
	}
}

func TestSafe(t *testing.T) {
	if !Safe("plain") || !Safe("Zoë") || Safe("a\x1b[m") {
		t.Fatal("Safe misjudged")
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"jdoe", "\x1b]52;c;Zm9v\x07", "\u009b1m", "a\x1bPq\x1b\\", "é\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U left in %q (from %q)", r, out, s)
			}
		}
		if strings.ContainsRune(out, '\x1b') {
			t.Fatalf("ESC left in %q", out)
		}
		if Line(out) != out {
			t.Fatalf("not idempotent: %q -> %q", out, Line(out))
		}
	})
}

// A secret a terminal would act on is drawn quoted and whole, never shortened: what is
// drawn is what was set.
func TestSecretIsQuotedNotStripped(t *testing.T) {
	hostile := "Ab1!\x1b]52;c;SGFja2Vk\a\x1b[2J"
	got := Secret(hostile)
	if !Safe(got) || !strings.Contains(got, `\x1b]52`) || got == Line(hostile) {
		t.Fatalf("Secret(%q) = %q", hostile, got)
	}
	if uq, err := strconv.Unquote(got); err != nil || uq != hostile {
		t.Fatalf("the quoted form does not give the secret back: %q %v", uq, err)
	}
	if Secret("Xy7#pQ2!mN") != "Xy7#pQ2!mN" {
		t.Fatal("a plain secret was changed")
	}
}
