package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"resetdesk/backends"
)

func TestBearerCall(t *testing.T) {
	var token atomic.Value
	token.Store("old")
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/body":
			b, _ := io.ReadAll(r.Body)
			if r.Header.Get("Content-Type") != "application/json" || string(b) != `{"a":1}` {
				http.Error(w, "bad body "+string(b), http.StatusBadRequest)
				return
			}
		case "/fail":
			http.Error(w, "nope", http.StatusInternalServerError)
			return
		case "/anon":
			if r.Header.Get("Authorization") != "" {
				http.Error(w, "unexpected auth", http.StatusBadRequest)
				return
			}
		}
		if r.URL.Path != "/anon" && r.Header.Get("Authorization") != "Bearer new" {
			http.Error(w, "expired", http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Accept") != "application/json" {
			http.Error(w, "accept", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	b := &Bearer{
		Base: srv.URL + "/", Client: Client{HTTP: srv.Client()},
		Token:     func() string { return token.Load().(string) },
		ErrorText: func(r *Response) string { return "text:" + strings.TrimSpace(string(r.Body)) },
		Login: func(context.Context) error {
			logins.Add(1)
			token.Store("new")
			return nil
		},
	}
	ctx := context.Background()

	_, err := b.Call(ctx, http.MethodGet, "/x", nil, "list")
	if backends.KindOf(err) != backends.Expired || err.Error() != "list: session expired: text:expired" {
		t.Fatalf("401: %v", err)
	}
	resp, err := b.CallRelogin(ctx, http.MethodPut, "/body", map[string]int{"a": 1}, "put")
	if err != nil || string(resp.Body) != `{"ok":true}` || logins.Load() != 1 {
		t.Fatalf("relogin: %v %v (%d logins)", resp, err, logins.Load())
	}
	_, err = b.CallRelogin(ctx, http.MethodGet, "/fail", nil, "fail")
	if backends.KindOf(err) != backends.Refused || !strings.Contains(err.Error(), "fail: HTTP 500") || !strings.Contains(err.Error(), "text:nope") {
		t.Fatalf("500: %v", err)
	}
	if logins.Load() != 1 {
		t.Errorf("a 500 logged in again")
	}

	token.Store("")
	if _, err := b.Call(ctx, http.MethodGet, "/anon", nil, "anon"); err != nil {
		t.Fatalf("no token: %v", err)
	}

	// ExpiredText replaces the 401 message; a failed re-login is returned as it is.
	token.Store("old")
	b.ExpiredText = func(r *Response, desc string) string { return desc + ": gone" }
	b.Login = func(context.Context) error { return errors.New("login refused") }
	if _, err := b.Call(ctx, http.MethodGet, "/x", nil, "list"); err == nil || err.Error() != "list: gone" {
		t.Fatalf("ExpiredText: %v", err)
	}
	if _, err := b.CallRelogin(ctx, http.MethodGet, "/x", nil, "list"); err == nil || err.Error() != "login refused" {
		t.Fatalf("failed relogin: %v", err)
	}
}
