// Package redact removes secrets from text before it is shown, logged, stored in the
// history or journal, or exported. A server that echoes a request in its error (a login
// body, a Basic header, a JSON document with the new password) must not put the
// profile's secret or a new password on a screen, in whatever escaping it comes: the
// text is decoded as far as it decodes (JSON and Go escapes, repeatedly; HTML entities;
// percent-encoding; base64), every secret is looked for in every decoding, and where one
// is found the whole span of the text that spells it is replaced by Mark — never a
// half-escaped remainder. Text is redacted whole and only then cut (Clip, Cut), and a cut
// never ends inside an escape sequence.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Mark replaces every secret removed.
const Mark = "[secret]"

// Withheld replaces a whole text in which a secret is still found after its spans were
// removed (an encoding whose spans overlap in ways no span removal undoes).
const Withheld = "[message withheld: it held a secret]"

// MinLen is the shortest secret redacted: a shorter one would blank ordinary words, and
// no system here accepts one so short.
const MinLen = 4

// Redactor holds secrets and removes them from text. It is safe for concurrent use.
//
// Every secret is looked for as it is in every decoding of a text, through a set keyed
// by length, so that the thousands of new passwords of a run cost no more per text than
// a few; a secret added with Add (the profile's, those a request carried) is also looked
// for in the other spellings Forms lists.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	first   [256]bool // the first bytes of secrets: most positions of a text are none
	lengths []int     // the distinct lengths of secrets
	forms   []string  // the other spellings of the secrets added with Add; replaced, never changed in place
}

// New returns a redactor holding secrets (Add).
func New(secrets ...string) *Redactor {
	r := &Redactor{secrets: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add adds secrets, with every spelling Forms lists.
func (r *Redactor) Add(secrets ...string) { r.add(secrets, true) }

// Also adds secrets looked for only as they are, in every decoding: for the many
// secrets of a run.
func (r *Redactor) Also(secrets ...string) { r.add(secrets, false) }

func (r *Redactor) add(secrets []string, withForms bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var forms []string
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		if !r.secrets[s] {
			r.secrets[s] = true
			r.first[s[0]] = true
			if !slices.Contains(r.lengths, len(s)) {
				r.lengths = append(r.lengths, len(s))
			}
		}
		if withForms {
			forms = append(forms, Forms(s)...)
		}
	}
	if len(forms) > 0 {
		// A new slice: String reads the old one without the lock.
		all := append(slices.Clone(r.forms), forms...)
		sort.Slice(all, func(i, j int) bool {
			if len(all[i]) != len(all[j]) {
				return len(all[i]) > len(all[j])
			}
			return all[i] < all[j]
		})
		r.forms = slices.Compact(all)
	}
}

// With is a new redactor holding r's secrets and secrets besides (r may be nil).
func (r *Redactor) With(secrets ...string) *Redactor {
	n := New()
	if r != nil {
		r.mu.RLock()
		for s := range r.secrets {
			n.secrets[s] = true
		}
		n.first = r.first
		n.lengths = slices.Clone(r.lengths)
		n.forms = r.forms
		r.mu.RUnlock()
	}
	n.Add(secrets...)
	return n
}

// String is s with every secret removed, in every decoding: each span of s that spells
// one is replaced by Mark. also are secrets of this text alone (a request's new
// password), looked for with their Forms too.
func (r *Redactor) String(s string, also ...string) string {
	if s == "" {
		return s
	}
	holders := make([]*Redactor, 0, 2)
	if r != nil {
		holders = append(holders, r)
	}
	if len(also) > 0 {
		holders = append(holders, New(also...))
	}
	for _, h := range holders {
		h.mu.RLock()
		defer h.mu.RUnlock()
	}
	find := func(s string) []span {
		var spans []span
		for _, d := range decodings(s) {
			for _, h := range holders {
				spans = h.find(d, spans)
			}
		}
		return spans
	}
	// Removing a span can join what was around it into a new spelling: look again.
	for range 3 {
		spans := find(s)
		if len(spans) == 0 {
			return s
		}
		s = replace(s, spans)
	}
	if len(find(s)) > 0 {
		return Withheld
	}
	return s
}

// Clip is s redacted whole, then cut to at most n characters (Cut).
func (r *Redactor) Clip(s string, n int) string { return Cut(r.String(s), n) }

type span struct{ lo, hi int }

// find adds to spans those of the original text that spell a secret, or one of its
// forms, in decoding d. The caller holds r.mu.
func (r *Redactor) find(d decoded, spans []span) []span {
	if len(r.lengths) > 0 {
		for i := range d.s {
			if !r.first[d.s[i]] {
				continue
			}
			for _, n := range r.lengths {
				if i+n <= len(d.s) && r.secrets[d.s[i:i+n]] {
					lo, hi := d.span(i, i+n)
					spans = append(spans, span{lo, hi})
				}
			}
		}
	}
	for _, f := range r.forms {
		for from := 0; ; {
			i := strings.Index(d.s[from:], f)
			if i < 0 {
				break
			}
			i += from
			lo, hi := d.span(i, i+len(f))
			spans = append(spans, span{lo, hi})
			from = i + 1
		}
	}
	return spans
}

// replace puts Mark in place of every span (overlapping ones merged).
func replace(s string, spans []span) string {
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		lo, hi := spans[i].lo, spans[i].hi
		for i++; i < len(spans) && spans[i].lo <= hi; i++ {
			hi = max(hi, spans[i].hi)
		}
		b.WriteString(s[last:lo])
		b.WriteString(Mark)
		last = hi
	}
	b.WriteString(s[last:])
	return b.String()
}

// Forms are the ways secret s may be spelt in a server's text without being decoded
// first (what decoding cannot reach: base64 that is not text, a lone secret glued to
// other letters), and what s becomes when a server decodes it by mistake (a '+' read as
// a space, an entity in it read as its character); none for a secret shorter than
// MinLen.
func Forms(s string) []string {
	if len(s) < MinLen {
		return nil
	}
	set := map[string]bool{s: true}
	for _, d := range Decodings(s)[1:] {
		set[d] = true
	}
	for _, e := range []string{url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), strictEscape(s)} {
		set[e] = true
		set[lowerHex(e)] = true // %c3%a9 is as good as %C3%A9 to a server
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		set[enc.EncodeToString([]byte(s))] = true
	}
	// JSON-escaped, with and without the HTML escaping (\u003c for <) encoders differ on.
	if j, err := json.Marshal(s); err == nil {
		set[unquote(string(j))] = true
	}
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		set[unquote(strings.TrimSpace(plain.String()))] = true
	}
	out := make([]string, 0, len(set))
	for f := range set {
		if len(f) >= MinLen {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// unquote is a JSON string without its quotes (only the outer two: a secret may end in
// an escaped quote).
func unquote(j string) string {
	if len(j) >= 2 && j[0] == '"' && j[len(j)-1] == '"' {
		return j[1 : len(j)-1]
	}
	return j
}

// strictEscape percent-encodes every byte outside RFC 3986's unreserved set, as some
// clients and servers do (%7E for ~, %20 for a space).
func strictEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// lowerHex is s with the hex digits of its percent-escapes in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if 'A' <= b[j] && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
		}
	}
	return string(b)
}
