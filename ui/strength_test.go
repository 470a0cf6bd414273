package ui

import (
	"strings"
	"testing"
)

func TestStrengthHint(t *testing.T) {
	for pw, want := range map[string]string{"abc": "weak", "abcdefghij": "weak", "Abcdefgh1": "fair", "Abcdefgh1!xyz": "strong"} {
		if got := strength(pw); !strings.HasPrefix(got, want) {
			t.Errorf("strength(%q) = %q, want %s", pw, got, want)
		}
	}
}
