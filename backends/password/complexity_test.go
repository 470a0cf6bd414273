package password

import (
	"strings"
	"testing"
)

func TestCheckADComplexity(t *testing.T) {
	cases := map[string]string{
		"Abcdef1!":                 "",
		"abcdefg1":                 "three of",
		"ABCdef12":                 "",
		"abc.def1":                 "",
		"Ab1!":                     "at least 8",
		"Abcdefg1\n":               "control character",
		strings.Repeat("aB1!", 64): "",
		strings.Repeat("aB1!", 65): "at most 256",
		"ÄÖÜäöü12":                 "",
		"abcdefgh":                 "three of",
	}
	for pw, want := range cases {
		err := CheckADComplexity(pw)
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckADComplexity(%q) = %v, want nil", pw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("CheckADComplexity(%q) = %v, want %q", pw, err, want)
		}
	}
}
