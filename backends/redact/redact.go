// Package redact removes secrets from text before it is shown, logged, stored in the
// history or journal, or exported. A server that echoes a request in its error (a login
// body, a Basic header, a JSON document with the new password) must not put the profile's
// secret or a new password on a screen: every form it may take there is removed — as
// written, URL-encoded (query and path escaping), base64 (standard and URL alphabets,
// padded and raw) and JSON-escaped.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Mark replaces every secret removed.
const Mark = "[secret]"

// MinLen is the shortest secret redacted: a shorter one would blank ordinary words, and
// no system here accepts one so short.
const MinLen = 4

// Redactor holds secrets and removes them from text. It is safe for concurrent use.
type Redactor struct {
	mu    sync.RWMutex
	forms map[string]bool
	rep   *strings.Replacer // rebuilt when a secret is added
}

// New returns a redactor holding secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{forms: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add adds secrets (and their encoded forms).
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	added := false
	for _, s := range secrets {
		for _, f := range Forms(s) {
			if !r.forms[f] {
				r.forms[f] = true
				added = true
			}
		}
	}
	if added {
		r.rep = nil
	}
}

// String is s with every secret form replaced by Mark.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep == nil {
		r.mu.Lock()
		if r.rep == nil {
			r.rep = r.build()
		}
		rep = r.rep
		r.mu.Unlock()
	}
	return rep.Replace(s)
}

// build makes the replacer, longest form first so that a secret inside a longer form
// (a base64 string that contains the plain secret) does not leave the rest behind.
func (r *Redactor) build() *strings.Replacer {
	forms := make([]string, 0, len(r.forms))
	for f := range r.forms {
		forms = append(forms, f)
	}
	sort.Slice(forms, func(i, j int) bool {
		if len(forms[i]) != len(forms[j]) {
			return len(forms[i]) > len(forms[j])
		}
		return forms[i] < forms[j]
	})
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Mark)
	}
	return strings.NewReplacer(pairs...)
}

// Forms are the ways secret s may appear in a server's text; none for a secret shorter
// than MinLen.
func Forms(s string) []string {
	if len(s) < MinLen {
		return nil
	}
	set := map[string]bool{s: true}
	for _, e := range []string{url.QueryEscape(s), url.PathEscape(s), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), strictEscape(s)} {
		set[e] = true
		set[lowerHex(e)] = true // %c3%a9 is as good as %C3%A9 to a server
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		set[enc.EncodeToString([]byte(s))] = true
	}
	// JSON-escaped, with and without the HTML escaping (\u003c for <) encoders differ on.
	if j, err := json.Marshal(s); err == nil {
		set[strings.Trim(string(j), `"`)] = true
	}
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		set[strings.Trim(strings.TrimSpace(plain.String()), `"`)] = true
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
