package redact

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// Cut is s cut to at most n characters (plus Ellipsis when something was cut), and
// further back when the cut would end inside an escape sequence (\u00, %4, &am) or a
// Mark: a cut text never ends in half an escape whose other half is gone. Cut only
// text that was redacted whole (Redactor.Clip): a secret cut in two is no longer found.
func Cut(s string, n int) string {
	if n < 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	end := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	cut := s[:end]
	cut = cut[:safeEnd(cut)]
	return strings.TrimRight(cut, " ") + Ellipsis
}

// maxEscape is the longest escape looked for at the end of a cut text: an HTML entity
// name, with its '&' and ';'.
const maxEscape = maxEntity + 2

// safeEnd is where s may end without leaving half an escape or Mark at its end: the
// start of the unfinished one, else len(s).
func safeEnd(s string) int {
	from := max(0, len(s)-maxEscape)
	for from > 0 && s[from-1] == '\\' {
		from-- // a run of backslashes is read from its start: they pair up
	}
	for p := from; p < len(s); p++ {
		t := s[p:]
		switch s[p] {
		case '\\':
			k := 1
			for p+k < len(s) && s[p+k] == '\\' {
				k++
			}
			// In a run of k backslashes, pairs are escaped backslashes; an odd one out,
			// the last, starts an escape.
			if k%2 == 1 && partialBackslash(s[p+k-1:]) {
				return p + k - 1
			}
			p += k - 1
		case '%':
			if len(t) < 3 && allOf(t[1:], isHex) {
				return p
			}
		case '&':
			if allOf(t[1:], func(c byte) bool { return isAlnum(c) || c == '#' }) {
				return p
			}
		case '[':
			if len(t) < len(Mark) && strings.HasPrefix(Mark, t) || len(t) < len(Withheld) && strings.HasPrefix(Withheld, t) {
				return p
			}
		}
	}
	return len(s)
}

// partialBackslash reports whether t, which starts with a backslash that starts an
// escape, is that escape cut short.
func partialBackslash(t string) bool {
	if len(t) == 1 {
		return true
	}
	rest := t[2:]
	switch c := t[1]; {
	case c == 'u':
		return len(rest) < 4 && allOf(rest, isHex)
	case c == 'U':
		return len(rest) < 8 && allOf(rest, isHex)
	case c == 'x':
		return len(rest) < 2 && allOf(rest, isHex)
	case '0' <= c && c <= '3':
		return len(rest) < 2 && allOf(rest, isOctal)
	}
	return false
}

func isHex(c byte) bool {
	_, ok := hexVal(c)
	return ok
}

func allOf(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}
