package httpx

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/redact"
)

// echoServer answers every request with status, as contentType, the text that page
// makes of the request's body: a server that quotes what it was sent in its errors.
func echoServer(t *testing.T, status int, contentType string, page func(body string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, page(string(body)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// send posts a login body holding the profile's secret and a new password to srv.
func send(t *testing.T, srv *httptest.Server, profileSecret, newPassword string) *Response {
	t.Helper()
	hc, _ := backends.NewClient(backends.Profile{})
	c := NewClient(backends.Profile{}, hc, profileSecret)
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": profileSecret, "newPassword": newPassword,
		"padding": strings.Repeat("p", 150)})
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(body)))
	resp, err := c.Do(context.Background(), req, "login", newPassword)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// The repro, and its HTML and JSON cousins: a server answering an error that
// quotes the request body, with the secrets past the 200th character so that a cut
// before the redaction would keep a prefix of them. Neither secret, nor a 6-character
// run of one, is in any decoding of the message, and what the server said is.
func TestAnEchoedRequestIsRedactedWholeBeforeItIsCut(t *testing.T) {
	const secret, newPassword = `Odin <Ech0>&"Pass/4417`, `N3w<Pa$$>"word&9`
	pages := map[string]struct {
		contentType string
		page        func(string) string
	}{
		"text/plain": {"text/plain", func(b string) string { return "Bad request: " + b }},
		"HTML page": {"text/html", func(b string) string {
			return "<html><head><title>Bad request: " + html.EscapeString(b) + "</title></head></html>"
		}},
		"JSON error": {"application/json", func(b string) string {
			j, _ := json.Marshal(map[string]string{"details": "Bad request: " + b})
			return string(j)
		}},
		"HTML body only ": {"text/html", func(b string) string {
			return "<html><body><p>Bad request:</p><pre>" + html.EscapeString(b) + "</pre></body></html>"
		}},
	}
	for name, p := range pages {
		t.Run(name, func(t *testing.T) {
			resp := send(t, echoServer(t, 400, p.contentType, p.page), secret, newPassword)
			msg := StatusError(resp, "login", "").Msg
			if !strings.Contains(msg, "Bad request") {
				t.Fatalf("the server's text did not reach the message, so this proves nothing: %q", msg)
			}
			for _, s := range []string{secret, newPassword} {
				if run := leakedRun(msg, s); run != "" {
					t.Errorf("%q of a secret survives in %q", run, msg)
				}
			}
		})
	}
}

// leakedRun is a run of 6 characters of secret found in some decoding of text.
func leakedRun(text, secret string) string {
	for _, d := range redact.Decodings(text) {
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(d, secret[i:i+6]) {
				return secret[i : i+6]
			}
		}
	}
	return ""
}

func TestSnippetSaysWhatCameBack(t *testing.T) {
	cases := map[string]string{
		"<!DOCTYPE html><html><head><title>Login &amp; SSO</title></head><body>x</body></html>": `an HTML page from the server, title "Login & SSO"`,
		"<html><body><h1>Gateway</h1> down</body></html>":                                       `an HTML page from the server: "Gateway down"`,
		"  \n ":           "an empty body",
		"\x00\x01garbage": `"garbage"`,
	}
	for body, want := range cases {
		if got := Snippet(&Response{Body: []byte(body)}); got != want {
			t.Errorf("Snippet(%q) = %q, want %q", body, got, want)
		}
	}
	long := strings.Repeat("ab \\u003c ", 40)
	got := Snippet(&Response{Body: []byte(long)})
	if !strings.HasSuffix(got, redact.Ellipsis+`"`) || strings.Contains(got[len(got)-8:], `\u00`) {
		t.Errorf("a long answer cut badly: %q", got)
	}
}
