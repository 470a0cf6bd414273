package redact

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
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

func TestShortSecretsAndOrdinaryTextStay(t *testing.T) {
	r := New("pw", "")
	if got := r.String("password for pw"); got != "password for pw" {
		t.Fatalf("a short secret blanked ordinary text: %q", got)
	}
	var nilR *Redactor
	if nilR.String("x") != "x" {
		t.Fatal("a nil redactor changed text")
	}
}

func TestAddLaterSecrets(t *testing.T) {
	r := New("first-secret")
	_ = r.String("warm the replacer")
	r.Add("second-secret")
	if got := r.String("first-secret second-secret"); got != Mark+" "+Mark {
		t.Fatalf("%q", got)
	}
}

func FuzzRedactor(f *testing.F) {
	f.Add("s3cr3t-Pass", "error: s3cr3t-Pass was refused")
	f.Add("äöü+/=", "x")
	f.Fuzz(func(t *testing.T, secret, text string) {
		r := New(secret)
		got := r.String(text + secret + text)
		if len(secret) >= MinLen && strings.Contains(got, secret) {
			t.Fatalf("secret %q survives in %q", secret, got)
		}
	})
}
