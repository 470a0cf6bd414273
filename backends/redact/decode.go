package redact

import (
	"html"
	"unicode/utf8"
)

// A server may quote a secret in any escaping, and so may every layer between it and
// the screen (a JSON error quoting the request body, an HTML page quoting that, a %q in
// a message quoting the page). Rather than list every spelling of a secret, the text is
// decoded as far as it decodes and the secret is looked for in each decoding. Every byte
// of a decoding remembers the span of the original text it came from, so that a secret
// found in a decoding is removed from the original as the whole span that spells it.

// decoded is a text derived from the original by decoding: byte i of s came from the
// span [lo[i], hi[i]) of the original. The original itself has no lo and hi: byte i
// came from [i, i+1).
type decoded struct {
	s      string
	lo, hi []int32
}

// original is s as its own decoding.
func original(s string) decoded { return decoded{s: s} }

// from is the span of the original that byte i of d came from.
func (d decoded) from(i int) (lo, hi int) {
	if d.lo == nil {
		return i, i + 1
	}
	return int(d.lo[i]), int(d.hi[i])
}

// span is the span of the original that bytes [i, j) of d came from.
func (d decoded) span(i, j int) (lo, hi int) {
	lo, hi = d.from(i)
	for k := i + 1; k < j; k++ {
		l, h := d.from(k)
		lo, hi = min(lo, l), max(hi, h)
	}
	return lo, hi
}

// builder makes a decoding of a decoded text.
type builder struct {
	from    decoded
	b       []byte
	lo, hi  []int32
	changed bool
}

func newBuilder(from decoded) *builder {
	return &builder{from: from, b: make([]byte, 0, len(from.s)), lo: make([]int32, 0, len(from.s)), hi: make([]int32, 0, len(from.s))}
}

// keep copies bytes [i, j) of the source as they are.
func (b *builder) keep(i, j int) {
	b.b = append(b.b, b.from.s[i:j]...)
	if b.from.lo != nil {
		b.lo = append(b.lo, b.from.lo[i:j]...)
		b.hi = append(b.hi, b.from.hi[i:j]...)
		return
	}
	for k := i; k < j; k++ {
		b.lo = append(b.lo, int32(k))
		b.hi = append(b.hi, int32(k+1))
	}
}

// put writes out, the decoding of the source's bytes [i, j).
func (b *builder) put(out []byte, i, j int) {
	lo, hi := b.from.span(i, j)
	for range out {
		b.lo = append(b.lo, int32(lo))
		b.hi = append(b.hi, int32(hi))
	}
	b.b = append(b.b, out...)
	b.changed = true
}

func (b *builder) done() (decoded, bool) {
	return decoded{s: string(b.b), lo: b.lo, hi: b.hi}, b.changed
}

// decoder is one decoding step: the text with every escape of one kind decoded, and
// whether there was any.
type decoder func(decoded) (decoded, bool)

// decoders are the steps tried on every decoding. base64 is tried at each of the four
// alignments a run of its alphabet may start at, since a server may glue it to other
// letters.
var decoders = []decoder{
	unbackslash, unentity, unpercent(false), unpercent(true),
	unbase64(0), unbase64(1), unbase64(2), unbase64(3),
}

// Limits on the decodings of one text: a chain of encodings a few deep is decoded whole,
// and no text can make the work grow past a fixed multiple of its size.
const (
	maxDecodings = 48
	sizeFactor   = 24
)

// decodings are s and every decoding of it until nothing more decodes or the limits are
// reached: first the path that undoes every escape it can at each step, as deep as it
// goes, so that a chain of many layers is undone whole before the limits are spent on
// alternatives; then each single step from every text so far, breadth first (a text may
// hold an escape that is part of the secret, which only a path that leaves it reaches).
func decodings(s string) []decoded {
	all := []decoded{original(s)}
	seen := map[string]bool{s: true}
	budget := sizeFactor*len(s) + 4096
	add := func(d decoded) bool {
		if seen[d.s] {
			return true
		}
		if budget -= len(d.s); budget < 0 || len(all) >= maxDecodings {
			return false
		}
		seen[d.s] = true
		all = append(all, d)
		return true
	}
	for cur := all[0]; ; {
		next, changed := decodeAll(cur)
		if !changed || seen[next.s] || !add(next) {
			break
		}
		cur = next
	}
	for i := 0; i < len(all); i++ {
		for _, dec := range decoders {
			if out, changed := dec(all[i]); changed && !add(out) {
				return all
			}
		}
	}
	return all
}

// decodeAll undoes one layer of every escape in d: backslash escapes, entities,
// percent-escapes and aligned base64, one after the other.
func decodeAll(d decoded) (decoded, bool) {
	decodedSome := false
	for _, dec := range layer {
		if out, changed := dec(d); changed {
			d, decodedSome = out, true
		}
	}
	return d, decodedSome
}

// layer are the steps decodeAll takes, in order.
var layer = []decoder{unbackslash, unentity, unpercent(false), unbase64(0)}

// Decodings are s and every text it decodes to (JSON and Go escapes, HTML entities,
// percent-encoding, base64), for tests that look for a secret in all of them.
func Decodings(s string) []string {
	ds := decodings(s)
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.s
	}
	return out
}

// unbackslash decodes backslash escapes as JSON and Go write them: \" \\ \/ \' \n and
// the other letters, \uXXXX (surrogate pairs joined), \UXXXXXXXX, \xHH and octal \NNN.
// A backslash that starts none of them stays.
func unbackslash(d decoded) (decoded, bool) {
	return rewrite(d, func(s string, i int) ([]byte, int) {
		if s[i] != '\\' || i+1 >= len(s) {
			return nil, 0
		}
		return backslashEscape(s[i:])
	})
}

// rewrite is d with every escape decoded: at says what the escape starting at byte i
// of s decodes to, and how long it is (0: none starts there).
func rewrite(d decoded, at func(s string, i int) ([]byte, int)) (decoded, bool) {
	s := d.s
	var b *builder
	last := 0
	for i := 0; i < len(s); i++ {
		out, n := at(s, i)
		if n == 0 {
			continue
		}
		if b == nil {
			b = newBuilder(d)
		}
		b.keep(last, i)
		b.put(out, i, i+n)
		i += n - 1
		last = i + 1
	}
	if b == nil {
		return d, false
	}
	b.keep(last, len(s))
	return b.done()
}

var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', '\'': '\'', 'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f', 'a': '\a', 'v': '\v'}

// backslashEscape decodes the escape at the start of s (s[0] is '\\'): its bytes and
// its length, 0 when it is none.
func backslashEscape(s string) ([]byte, int) {
	c := s[1]
	if r, ok := simpleEscapes[c]; ok {
		return []byte{r}, 2
	}
	switch {
	case c == 'u':
		r, ok := hexAt(s, 2, 4)
		if !ok {
			return nil, 0
		}
		if 0xD800 <= r && r < 0xDC00 && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if r2, ok := hexAt(s, 8, 4); ok && 0xDC00 <= r2 && r2 < 0xE000 {
				return utf8.AppendRune(nil, 0x10000+(r-0xD800)<<10+(r2-0xDC00)), 12
			}
		}
		return utf8.AppendRune(nil, r), 6
	case c == 'U':
		r, ok := hexAt(s, 2, 8)
		if !ok {
			return nil, 0
		}
		return utf8.AppendRune(nil, r), 10
	case c == 'x':
		r, ok := hexAt(s, 2, 2)
		if !ok {
			return nil, 0
		}
		return []byte{byte(r)}, 4
	case '0' <= c && c <= '3':
		if len(s) >= 4 && isOctal(s[2]) && isOctal(s[3]) {
			return []byte{(c-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0')}, 4
		}
	}
	return nil, 0
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// hexAt reads n hex digits of s from i.
func hexAt(s string, i, n int) (rune, bool) {
	if len(s) < i+n {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+n]) {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// maxEntity bounds an HTML entity's name (the longest HTML5 names are 31 characters).
const maxEntity = 34

// unentity decodes HTML character references: &amp; &#39; &#x27; and every named one
// html.UnescapeString knows.
func unentity(d decoded) (decoded, bool) {
	return rewrite(d, func(s string, i int) ([]byte, int) {
		if s[i] != '&' {
			return nil, 0
		}
		j := i + 1
		for j < len(s) && j-i < maxEntity && (isAlnum(s[j]) || s[j] == '#') {
			j++
		}
		if j < len(s) && s[j] == ';' {
			j++
		}
		ref := s[i:j]
		if out := html.UnescapeString(ref); out != ref {
			return []byte(out), j - i
		}
		return nil, 0
	})
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// unpercent decodes %XX escapes; with plus, a '+' is a space too, as in a form body.
func unpercent(plus bool) decoder {
	return func(d decoded) (decoded, bool) {
		return rewrite(d, func(s string, i int) ([]byte, int) {
			switch {
			case s[i] == '%' && i+2 < len(s):
				hi, ok1 := hexVal(s[i+1])
				lo, ok2 := hexVal(s[i+2])
				if ok1 && ok2 {
					return []byte{hi<<4 | lo}, 3
				}
			case s[i] == '+' && plus:
				return []byte{' '}, 1
			}
			return nil, 0
		})
	}
}
