package sanitize

import (
	"fmt"
	"unicode"
)

// Unseen returns the first character of s that is not drawn as itself: a C0 or C1
// control or DEL (a terminal acts on it), a line or paragraph separator, or a Unicode
// format character — zero-width spaces and joiners, bidi marks, embeddings, overrides
// and isolates, the byte-order mark — which hides text or makes one name display as
// another. What a person types or configures refuses these (a user id, a profile name);
// text that is only drawn goes through Line instead.
func Unseen(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}

// Describe names an unseen character for a message: "U+202E (a bidi or format
// character)", "U+0009 (a control character)".
func Describe(r rune) string {
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("%U (a control character)", r)
	case r == '\u2028' || r == '\u2029':
		return fmt.Sprintf("%U (a line separator)", r)
	}
	return fmt.Sprintf("%U (an invisible bidi or format character)", r)
}
