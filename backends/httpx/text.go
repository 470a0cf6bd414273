package httpx

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"

	"resetdesk/backends/redact"
	"resetdesk/sanitize"
)

// The server's text goes into messages in three steps, in this order: redacted whole
// with every secret the request carried (the answer may echo the request), put on one
// line without terminal controls, and only then cut — so that no secret is cut in two
// and escapes a redactor that no longer sees it whole.

// Lengths of the server's text in a message.
const (
	textLen  = 200 // a plain or JSON answer in a Snippet
	titleLen = 120 // an HTML page's title or text
	nameLen  = 80  // a name in a certificate
	// detailLen bounds a detail a client extracted (or a Snippet of its own, with its
	// quotes and the words around it).
	detailLen = 300
)

// window bounds the part of an answer that is redacted and summarised: no message shows
// more than its first few hundred characters. When an answer is longer, the last
// windowMargin bytes of the window are dropped too, so that a secret that straddles the
// window's end (no secret, in any escaping, is that long) is not kept in part.
const (
	window       = 64 << 10
	windowMargin = 4 << 10
)

// Text is s, server text from answer r (or extracted from it), as a message may show
// it: with every secret of r's request removed from the whole of it, on one line, then
// cut (never inside an escape sequence).
func Text(r *Response, s string) string {
	return oneLine(r.secrets.String(s), detailLen)
}

// Text is s, server text that reached the client some other way than as a Response (a
// field of a decoded answer passed on), as a message may show it: with every secret of
// the profile and secrets (those the request carried) removed from the whole of it, on
// one line, then cut.
func (c Client) Text(s string, secrets ...string) string {
	return oneLine(c.Secrets.With(secrets...).String(s), detailLen)
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
var tagRe = regexp.MustCompile(`(?s)<[^>]*>`)

// Snippet summarises an answer whose body is not what the contract says: an HTML page
// by its title (or its text), an empty body as such, anything else by its first 200
// characters, quoted, on one line; every secret the request carried removed first.
func Snippet(r *Response) string {
	b := bytes.TrimSpace(r.Body)
	if len(b) == 0 {
		return "an empty body"
	}
	if len(b) > window {
		b = b[:window-windowMargin]
	}
	s := r.secrets.String(string(b))
	if strings.HasPrefix(s, "<") {
		if m := titleRe.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
			return fmt.Sprintf("an HTML page from the server, title %q", oneLine(html.UnescapeString(m[1]), titleLen))
		}
		return fmt.Sprintf("an HTML page from the server: %q", oneLine(html.UnescapeString(tagRe.ReplaceAllString(s, " ")), titleLen))
	}
	return fmt.Sprintf("%q", oneLine(s, textLen))
}

// oneLine puts text that was redacted whole on one line, stripped of terminal control
// sequences, and cuts it to n characters.
func oneLine(s string, n int) string {
	return redact.Cut(sanitize.Line(strings.Join(strings.Fields(s), " ")), n)
}
