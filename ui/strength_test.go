package ui

import (
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/password"
)

func TestStrengthHint(t *testing.T) {
	mode := backends.Mode{Name: "set", Policy: password.Policy{Length: 16}, CheckPassword: password.CheckADComplexity}
	for pw, want := range map[string]string{
		"abc":              "refused", // the system's own rules come first
		"abcdefghij":       "refused",
		"Abcdefgh1":        "fair",
		"Abcdefgh1!xyz":    "fair", // shorter than what the mode generates
		"Abcdefgh1!xyzUVW": "strong",
		"Xbdoe1234!x":      "refused: the password holds the user's name (bdoe)",
		"XBDOE1234!xyzabc": "refused: the password holds the user's name",
	} {
		if got := strength(pw, mode, `CORP\bdoe`); !strings.HasPrefix(got, want) {
			t.Errorf("strength(%q) = %q, want %s", pw, got, want)
		}
	}
	if got := strength("abc", backends.Mode{}, "bdoe"); !strings.HasPrefix(got, "weak") {
		t.Errorf("a mode with no rules of its own: %q", got)
	}
}
