package redact

import "unicode/utf8"

// minBase64 is the shortest run of the base64 alphabet decoded: the shortest secret
// redacted (MinLen bytes) takes 6 characters.
const minBase64 = 6

// unbase64 decodes every run of the base64 alphabet (standard or URL, padded or not)
// from offset characters into it, where the run decodes to text: a run of ordinary
// letters decodes to bytes that are not text and stays as it is.
func unbase64(offset int) decoder {
	return func(d decoded) (decoded, bool) {
		s := d.s
		var b *builder
		var scratch []byte
		last := 0
		for i := 0; i < len(s); {
			if !isBase64(s[i]) {
				i++
				continue
			}
			j := i
			for j < len(s) && isBase64(s[j]) {
				j++
			}
			end := j
			for end < len(s) && end-j < 2 && s[end] == '=' {
				end++
			}
			start := i + offset
			if j-start >= minBase64 {
				var ok bool
				if scratch, ok = decodeBase64(s[start:j], scratch[:0]); ok {
					out := scratch
					if b == nil {
						b = newBuilder(d)
					}
					b.keep(last, start)
					putBase64(b, out, start, j, end)
					last = end
				}
			}
			i = end
		}
		if b == nil {
			return d, false
		}
		b.keep(last, len(s))
		return b.done()
	}
}

// putBase64 writes the bytes decoded from the source's [start, j) (and its padding up
// to end): each group of three bytes from its four characters.
func putBase64(b *builder, out []byte, start, j, end int) {
	for k := 0; k < len(out); k += 3 {
		g := start + k/3*4
		gEnd := min(g+4, j)
		if gEnd == j {
			gEnd = end
		}
		b.put(out[k:min(k+3, len(out))], g, gEnd)
	}
}

func isBase64(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '-' || c == '_' }

var base64Val = func() (t [256]byte) {
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBase64 decodes s in either alphabet, without padding, appending to out; ok only
// when the result is text (isText).
func decodeBase64(s string, out []byte) ([]byte, bool) {
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		acc = acc<<6 | uint32(base64Val[s[i]])
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out, isText(out)
}

// isText reports whether b reads as text: valid UTF-8 with few control characters (a
// secret may hold one; the bytes that ordinary words decode to are seldom either).
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	controls := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			controls++
		}
	}
	return controls*8 <= len(b)
}
