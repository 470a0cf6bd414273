package userlist

import (
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParseText(t *testing.T) {
	in := "\xef\xbb\xbfjdoe\r\n\r\n  asmith  \r\n# a comment\r\njdoe\r\nkim@corp.example.com\r\n"
	users, bad, err := Parse(strings.NewReader(in))
	if err != nil || len(bad) != 0 {
		t.Fatal(err, bad)
	}
	if want := []string{"jdoe", "asmith", "kim@corp.example.com"}; !reflect.DeepEqual(users, want) {
		t.Fatalf("got %q, want %q", users, want)
	}
}

func TestParseCSV(t *testing.T) {
	in := "username,display name\njdoe,\"Doe, Jane\"\n\"asmith\",Al Smith\n"
	users, bad, err := Parse(strings.NewReader(in))
	if err != nil || len(bad) != 0 {
		t.Fatal(err, bad)
	}
	if want := []string{"jdoe", "asmith"}; !reflect.DeepEqual(users, want) {
		t.Fatalf("got %q", users)
	}
}

func TestParseSeparatorsAndLateHeader(t *testing.T) {
	for name, in := range map[string]string{
		"semicolon": "# exported 2026-11-23\nusername;display name\njdoe;Doe, Jane\nasmith;Al Smith\n",
		"tab":       "sAMAccountName\tmail\njdoe\tj@x\nasmith\ta@x\n",
	} {
		users, bad, err := Parse(strings.NewReader(in))
		if err != nil || len(bad) != 0 || !reflect.DeepEqual(users, []string{"jdoe", "asmith"}) {
			t.Errorf("%s: users %q bad %v err %v", name, users, bad, err)
		}
	}
}

func TestParseFlagsBadLines(t *testing.T) {
	users, bad, err := Parse(strings.NewReader("ok1\nbad\x07bell\nok2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].String(), "line 2") {
		t.Fatalf("users %q bad %v", users, bad)
	}
	if _, _, err := Parse(strings.NewReader("PK\x03\x04\xff\xfe")); err == nil || !strings.Contains(err.Error(), "not UTF-8") {
		t.Fatalf("binary file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"jdoe\nasmith", "\xef\xbb\xbfa,b\r\n", "user\n\"x,y\",z", "a\x1b[31m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		users, _, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, u := range users {
			if err := CheckUserID(u); err != nil {
				t.Fatalf("accepted invalid id %q: %v", u, err)
			}
			if seen[u] {
				t.Fatalf("duplicate %q", u)
			}
			seen[u] = true
		}
	})
}

// A lone CR ends a line, as in an old Mac export or a paste through tmux's paste-buffer
// -p; line numbers count those lines.
func TestParseSplitsOnCarriageReturns(t *testing.T) {
	users, bad, err := Parse(strings.NewReader("jdoe\rasmith\r\rbad\x1bid\r"))
	if err != nil || len(users) != 2 || users[1] != "asmith" || len(bad) != 1 || bad[0].Line != 4 {
		t.Fatalf("%q %+v %v", users, bad, err)
	}
}

// A list past MaxListSize (a path like /dev/zero) is refused after MaxListSize bytes,
// not read until memory runs out.
func TestParseRefusesAnEndlessList(t *testing.T) {
	_, _, err := Parse(io.LimitReader(zeros{}, 1<<40))
	if err == nil || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Fatalf("err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A bidi override or a zero-width space in an id is refused like a control character,
// naming its line and the code point: the id would be sent as it is while a table shows
// another user's name.
func TestParseRefusesBidiAndFormatCharacters(t *testing.T) {
	users, bad, err := Parse(strings.NewReader("jdoe\nevil\u202egnp.exe\nj\u200bdoe\nasmith\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(users, []string{"jdoe", "asmith"}) || len(bad) != 2 {
		t.Fatalf("users %q bad %v", users, bad)
	}
	for i, want := range []string{"line 2: user id \"evil\\u202egnp.exe\" holds U+202E", "line 3: user id \"j\\u200bdoe\" holds U+200B"} {
		if !strings.Contains(bad[i].String(), want) {
			t.Errorf("%s, want %q", bad[i], want)
		}
	}
	for _, id := range []string{"a\u2066b", "\ufeffjdoe", "a\u200fb"} {
		if CheckUserID(id) == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

// A valid CSV whose quoted field spans lines is one row: its user is read, and the rows
// after it keep their own line numbers.
func TestParseCSVWithAMultiLineField(t *testing.T) {
	in := "user,address,note\njdoe,\"1 Main St\nSpringfield\",x\nasmith,\"a\nb\nc\",y\nbad\x07id,z,w\n"
	users, bad, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(users, []string{"jdoe", "asmith"}) || len(bad) != 1 || bad[0].Line != 7 {
		t.Fatalf("users %q bad %v", users, bad)
	}
	// A quote that never closes is named at the line it opened on.
	_, bad, err = Parse(strings.NewReader("user,note\njdoe,x\nasmith,\"open\nkim,y\n"))
	if err != nil || len(bad) != 1 || bad[0].Line != 3 || !strings.Contains(bad[0].String(), "line 3: not a CSV row") {
		t.Fatalf("bad %v err %v", bad, err)
	}
	// A bare quote spoils its own row only.
	users, bad, _ = Parse(strings.NewReader("user,note\nj\"doe,x\nasmith,y\n"))
	if !reflect.DeepEqual(users, []string{"asmith"}) || len(bad) != 1 || bad[0].Line != 2 {
		t.Fatalf("users %q bad %v", users, bad)
	}
}
