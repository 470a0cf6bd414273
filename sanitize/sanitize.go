// Package sanitize makes text from a server or a file safe to draw on a terminal: it
// removes escape sequences (CSI, OSC, DCS, APC, PM, SOS and their 8-bit forms) and other
// control characters, so that a user name cannot move the cursor, retitle the window or
// write the clipboard through OSC 52.
package sanitize

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s on one line: escape sequences and control characters removed, tabs and
// line breaks turned into single spaces.
func Line(s string) string { return clean(s, false) }

// Text is Line but keeps line breaks ("\n"); "\r\n" becomes "\n".
func Text(s string) string { return clean(s, true) }

// Secret is a secret as it may be drawn: as it is when it holds nothing a terminal would
// act on, else quoted with every such character escaped (strconv.Quote). A password the
// server made is never shortened by stripping: what is drawn must be what was set.
func Secret(s string) string {
	if Safe(s) {
		return s
	}
	return strconv.Quote(s)
}

// Safe reports whether s would come through Line unchanged.
func Safe(s string) bool { return fastSafe(s) || Line(s) == s }

const esc = 0x1b

func clean(s string, keepNewlines bool) string {
	if fastSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
			continue
		case r == esc:
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\t' || r == '\r' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029':
			if keepNewlines && r == '\n' {
				b.WriteByte('\n')
			} else if keepNewlines && r == '\r' {
				if !strings.HasPrefix(s[i+size:], "\n") {
					b.WriteByte('\n')
				}
			} else if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
				b.WriteByte(' ')
			}
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// other C0/C1 controls: bell, backspace, shift-out...
		case r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			// bidirectional overrides can make a name display as another
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func fastSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			return false
		}
	}
	return true
}

// skipEscape skips the sequence after an ESC at s[i-1] and returns the index after it.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// nF sequences: intermediates 0x20-0x2f then a final byte
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips parameter and intermediate bytes and the final byte.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
		if c < 0x20 {
			// a control inside a CSI ends it
			return i
		}
	}
	return i
}

// skipString skips a control string up to BEL, ST (ESC \) or 8-bit ST, or the end.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i + 1
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
