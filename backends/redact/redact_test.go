package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEveryFormIsRemoved(t *testing.T) {
	secret := `p@ss w0rd+/<&>"\é`
	r := New(secret)
	j, _ := json.Marshal(secret)
	texts := []string{
		"login failed for " + secret,
		"body: password=" + url.QueryEscape(secret) + "&user=admin",
		"path /users/" + url.PathEscape(secret),
		"Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"newPassword=" + base64.URLEncoding.EncodeToString([]byte(secret)),
		"raw " + base64.RawStdEncoding.EncodeToString([]byte(secret)),
		`{"password":` + string(j) + `}`,
		"pwd=p%40ss%20w0rd%2B%2F%3C%26%3E%22%5C%C3%A9",
		"pwd=p%40ss%20w0rd%2b%2f%3c%26%3e%22%5c%c3%a9",
	}
	for _, text := range texts {
		got := r.String(text)
		if !strings.Contains(got, Mark) {
			t.Errorf("%q: nothing removed: %q", text, got)
		}
		for _, f := range Forms(secret) {
			if strings.Contains(got, f) {
				t.Errorf("%q still holds %q: %q", text, f, got)
			}
		}
	}
}

// The issue's repro: Odin's login answered 400 text/plain "Bad request: <body>", the
// body being the login's JSON, and the product quoting that text again (%q): the secret
// came out as \"…\\u003c…\\\"… and nothing matched it. Each spelling, and each quoted
// again, is removed whole, and the text around it stays.
func TestEscapedSpellingsOfTheIssuesSecretAreRemoved(t *testing.T) {
	const secret = `Odin <Ech0>&"Pass/4417`
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": secret})
	plain := "Bad request: " + string(body)
	spellings := map[string]string{
		"the server's text":           plain,
		"quoted by the product (%q)":  fmt.Sprintf("%q", plain),
		"quoted twice":                fmt.Sprintf("%q", fmt.Sprintf("%q", plain)),
		"in an HTML page":             "<html><body><pre>" + html.EscapeString(plain) + "</pre></body></html>",
		"HTML-escaped then quoted":    fmt.Sprintf("%q", html.EscapeString(plain)),
		"in a JSON error, then %q":    fmt.Sprintf("%q", mustJSON(map[string]string{"details": plain})),
		"as numeric entities":         "value=&#79;&#100;&#105;&#110;&#32;&#x3c;Ech0&#x3E;&amp;&quot;Pass/4417",
		"percent-encoded form body":   "body: username=admin&password=" + url.QueryEscape(secret),
		"base64 of the JSON body":     "request " + base64.StdEncoding.EncodeToString(body),
		"base64 of the %q":            base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%q", plain))),
		"go ASCII quoting of unicode": strconv.QuoteToASCII("pw «" + secret + "»"),
	}
	r := New(secret)
	for name, text := range spellings {
		got := r.String(text)
		if !strings.Contains(got, Mark) {
			t.Errorf("%s: nothing removed from %q", name, text)
		}
		if run := leakedRun(got, secret); run != "" {
			t.Errorf("%s: %q survives in %q", name, run, got)
		}
	}
	if got := r.String(fmt.Sprintf("%q", plain)); !strings.HasPrefix(got, `"Bad request: {\"password\":`) {
		t.Errorf("the text around the secret was not kept: %q", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestShortSecretsAndOrdinaryTextStay(t *testing.T) {
	r := New("pw", "")
	if got := r.String("password for pw"); got != "password for pw" {
		t.Fatalf("a short secret blanked ordinary text: %q", got)
	}
	r = New("Tr0ub4dor&3x")
	for _, text := range []string{"HTTP 400 Bad Request: invalid user a%20b &amp; c\\n", "dXNlcg== is base64 of user"} {
		if got := r.String(text); got != text {
			t.Errorf("text without the secret changed: %q → %q", text, got)
		}
	}
	var nilR *Redactor
	if nilR.String("x") != "x" {
		t.Fatal("a nil redactor changed text")
	}
}

func TestAddLaterSecrets(t *testing.T) {
	r := New("first-secret")
	_ = r.String("warm the redactor")
	r.Add("second-secret")
	if got := r.String("first-secret second-secret"); got != Mark+" "+Mark {
		t.Fatalf("%q", got)
	}
	if got := r.With("third-secret").String("second-secret third-secret"); got != Mark+" "+Mark {
		t.Fatalf("With lost a secret: %q", got)
	}
	if got := r.String("third-secret"); got != "third-secret" {
		t.Fatalf("With changed the redactor it was made from: %q", got)
	}
}

// A long echo is redacted whole before it is cut: a secret across the cut leaves no
// prefix of itself, in any escaping.
func TestClipRedactsBeforeItCuts(t *testing.T) {
	const secret = `Odin <Ech0>&"Pass/4417`
	r := New(secret)
	for _, enc := range []func(string) string{
		func(s string) string { return s },
		func(s string) string { return unquote(mustJSON(s)) },
		func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		html.EscapeString,
	} {
		for pad := 150; pad < 200; pad++ {
			text := strings.Repeat("x", pad) + " " + enc(secret) + " tail"
			got := r.Clip(text, 160)
			if run := leakedRun(got, secret); run != "" {
				t.Fatalf("pad %d: %q survives in %q", pad, run, got)
			}
		}
	}
}

func TestCutNeverEndsInsideAnEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{`abc \u003cdef`, `abc` + Ellipsis},       // cut at 7: "abc \u0"
		{`abc \\u003cdef`, `abc \\u0` + Ellipsis}, // an escaped backslash, then letters
		{`abc \\\u003cdef`, `abc \\` + Ellipsis},
		{`abcde %3Cdef`, `abcde` + Ellipsis},
		{`abc &quot;def`, `abc` + Ellipsis},
		{`abc [secret] def`, `abc` + Ellipsis},
		{`abc def ghi jkl`, `abc def` + Ellipsis},
		{`short`, `short`},
	}
	for _, c := range cases {
		if got := Cut(c.in, 8); got != c.want {
			t.Errorf("Cut(%q, 8) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := Cut("héllo wörld", 7); got != "héllo w"+Ellipsis {
		t.Errorf("cut by characters: %q", got)
	}
}

// encodings are the escapings a server or a layer of the product may put a secret
// through, each applied to the whole text so far.
var encodings = []func(string) string{
	func(s string) string { return unquote(mustJSON(s)) }, // JSON string, HTML-safe
	func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		return unquote(strings.TrimSpace(b.String()))
	},
	strconv.Quote, strconv.QuoteToASCII,
	func(s string) string { return fmt.Sprintf("%q", s) },
	html.EscapeString,
	func(s string) string { return strings.ReplaceAll(html.EscapeString(s), "&#39;", "&#x27;") },
	url.QueryEscape, url.PathEscape, strictEscape,
	func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
	func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
	func(s string) string { return mustJSON(map[string]string{"password": s}) },
	func(s string) string { return "Bad request: " + s },
}

// leakedRun is a run of 6 characters of secret (the whole secret when shorter) found in
// some decoding of text, "" when there is none.
func leakedRun(text, secret string) string {
	runes := []rune(secret)
	n := min(6, len(runes))
	for _, d := range Decodings(text) {
		for i := 0; i+n <= len(runes); i++ {
			if run := string(runes[i : i+n]); strings.Contains(d, run) {
				return run
			}
		}
	}
	return ""
}

// Random secrets wrapped in random chains of encodings, between random text: no run of
// 6 characters of the secret survives in any decoding of what the redactor returns.
func FuzzRedactor(f *testing.F) {
	f.Add(`Odin <Ech0>&"Pass/4417`, []byte{0, 4, 13}, "HTTP 400", "end")
	f.Add("s3cr3t-Pass", []byte{10, 0, 5}, "error:", "")
	f.Add("äöü+/=xyz", []byte{12, 7, 2, 11}, "", "x")
	f.Fuzz(func(t *testing.T, secret string, chain []byte, before, after string) {
		// Secrets are text: a typed password with a control character is refused and the
		// generators make none (base64 of bytes that are not text is not decoded).
		if len(secret) < MinLen || len(secret) > 64 || !utf8.ValidString(secret) || strings.ContainsFunc(secret, unicode.IsControl) ||
			len(chain) > 6 || len(before)+len(after) > 256 {
			t.Skip()
		}
		wrap := func(s string) string {
			for _, c := range chain {
				s = encodings[int(c)%len(encodings)](s)
			}
			return before + " " + s + " " + after
		}
		got := New(secret).String(wrap(secret))
		run := leakedRun(got, secret)
		if run == "" {
			return
		}
		// A run the text around the secret spells by itself (the quotes' escapes of a
		// secret made of backslashes, say), or with the Mark that replaces the secret,
		// is not the secret's.
		for _, around := range []string{wrap(Mark), before + " " + Mark + " " + after, wrap(Withheld), Withheld} {
			for _, d := range Decodings(around) {
				if strings.Contains(d, run) {
					return
				}
			}
		}
		t.Fatalf("secret %q through chain %v: %q survives in %q", secret, chain, run, got)
	})
}

// The runner redacts every outcome's message with its own secrets.
func BenchmarkStringOrdinaryMessage(b *testing.B) {
	r := New("Xk9#mP2$vL7q", "another-Secret-1")
	msg := "password reset of jdoe: HTTP 400 Bad Request: [Error 4200] Invalid password: does not meet the system password rules; see the administrator"
	for b.Loop() {
		_ = r.String(msg)
	}
}

// A run's thousands of new passwords are each looked for in every decoding of a text,
// at the cost of a few: one quoted twice in another user's answer is removed.
func TestAlsoFindsEveryOneOfARunsSecrets(t *testing.T) {
	r := New("profile-Secret-1")
	for i := range 10000 {
		r.Also(fmt.Sprintf("Run<%05d>&\"pw", i))
	}
	text := fmt.Sprintf("%q", `{"error":"user b refused","newPassword":"Run<04711>&\"pw"}`)
	got := r.String(text)
	if run := leakedRun(got, `Run<04711>&"pw`); run != "" || !strings.Contains(got, Mark) {
		t.Fatalf("%q survives in %q", run, got)
	}
	if got := r.String("HTTP 400 for jdoe", "Typed-Pass<1>"); got != "HTTP 400 for jdoe" {
		t.Fatalf("ordinary text changed: %q", got)
	}
	if got := r.String("echo: Typed-Pass%3C1%3E", "Typed-Pass<1>"); got != "echo: "+Mark {
		t.Fatalf("a text's own secret: %q", got)
	}
}

// The runner redacts every outcome with every secret of the run: the cost must not grow
// with the run.
func BenchmarkStringWithTenThousandRunSecrets(b *testing.B) {
	r := New("Xk9#mP2$vL7q")
	for i := range 10000 {
		r.Also(fmt.Sprintf("Run<%05d>&\"pw", i))
	}
	msg := "password reset of jdoe: HTTP 400 Bad Request: [Error 4200] Invalid password: does not meet the system password rules; see the administrator"
	for b.Loop() {
		_ = r.String(msg, "another-Secret-1")
	}
}
