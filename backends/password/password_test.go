package password

import (
	"strings"
	"testing"
)

func TestPolicyGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw, err := DefaultPolicy.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 16 || !strings.ContainsAny(pw, LowerChars) || !strings.ContainsAny(pw, UpperChars) ||
			!strings.ContainsAny(pw, DigitChars) || !strings.ContainsAny(pw, SymbolChars) {
			t.Fatalf("%q misses a class or the length", pw)
		}
		if strings.ContainsAny(pw[:1], "=+-@") {
			t.Fatalf("%q starts like a spreadsheet formula", pw)
		}
		if seen[pw] {
			t.Fatalf("repeated password %q", pw)
		}
		seen[pw] = true
	}
}

func TestPolicyDigitsAndExclusions(t *testing.T) {
	pc, err := Policy{Length: 8, DigitsOnly: true}.Generate()
	if err != nil || len(pc) != 8 || strings.Trim(pc, "0123456789") != "" {
		t.Fatalf("passcode %q %v", pc, err)
	}
	p := Policy{Length: 30, Lower: true, Upper: true, Digits: true, Symbols: "!#%", Exclude: "#%abc"}
	for range 50 {
		pw, err := p.Generate()
		if err != nil || strings.ContainsAny(pw, "#%abc") || !strings.Contains(pw, "!") {
			t.Fatalf("%q %v", pw, err)
		}
	}
	if _, err := (Policy{Length: 8, Symbols: "!", Exclude: "!"}).Generate(); err == nil {
		t.Fatal("a policy with an emptied class must be refused")
	}
	if _, err := (Policy{Length: 2, Lower: true, Upper: true, Digits: true}).Generate(); err == nil {
		t.Fatal("a length shorter than the classes must be refused")
	}
}
