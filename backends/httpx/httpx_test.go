package httpx

import (
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

func get(t *testing.T, c *http.Client, url string) (*Response, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return Client{HTTP: c}.Do(ctx, req, "test call")
}

func TestSelfSignedCertificateIsRefusedWithAHint(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	c, err := backends.NewClient(backends.Profile{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = get(t, c, srv.URL+"/x?AuthToken=SECRET")
	if backends.KindOf(err) != backends.NotSent || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Fatal("the URL (with its secret) leaked into the error")
	}
}

func TestCAFileAndSkipVerify(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	os.WriteFile(ca, pemBytes, 0o600)
	c, err := backends.NewClient(backends.Profile{Name: "p", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := get(t, c, srv.URL); err != nil || r.Status != 200 {
		t.Fatalf("with ca_file: %v", err)
	}
	c, _ = backends.NewClient(backends.Profile{Name: "p", InsecureSkipVerify: true})
	if _, err := get(t, c, srv.URL); err != nil {
		t.Fatalf("with insecure_skip_verify: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := backends.NewClient(backends.Profile{Name: "p", CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad ca_file: %v", err)
	}
}

func TestConnectionRefusedIsNotSent(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c, _ := backends.NewClient(backends.Profile{})
	_, err := get(t, c, "http://"+addr+"/x")
	if backends.KindOf(err) != backends.NotSent || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("err = %v", err)
	}
}

func TestHTTPSURLOnPlainServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c, _ := backends.NewClient(backends.Profile{})
	_, err := get(t, c, strings.Replace(srv.URL, "http://", "https://", 1))
	if err == nil || backends.KindOf(err) != backends.NotSent {
		t.Fatalf("err = %v", err)
	}
}

// hangingServer answers nothing until the client gives up.
func hangingServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

func TestTimeoutNamesTheLimitAndTheKey(t *testing.T) {
	srv := hangingServer(t)
	hc, _ := backends.NewClient(backends.Profile{})
	c := NewClient(backends.Profile{Timeout: 150 * time.Millisecond}, hc)
	put := func(ctx context.Context) error {
		req, _ := http.NewRequest("PUT", srv.URL, strings.NewReader("{}"))
		_, err := c.Do(ctx, req, "reset")
		return err
	}

	// The profile's timeout runs out: the message names it and its value.
	err := put(context.Background())
	if backends.KindOf(err) != backends.Unanswered || !strings.HasSuffix(err.Error(), "reset: no answer within 150ms (the profile's timeout)") {
		t.Fatalf("the profile's limit: %v", err)
	}
	// The runner holds a reset to the same limit, under a context made a moment before.
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if err := put(ctx); !strings.Contains(err.Error(), "no answer within 150ms (the profile's timeout)") {
		t.Fatalf("the runner's limit: %v", err)
	}
	// A caller's shorter deadline is not the profile's: it is told as it was.
	short, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	err = put(short)
	if backends.KindOf(err) != backends.Unanswered || !strings.HasSuffix(err.Error(), "no answer within 40ms") || strings.Contains(err.Error(), "profile") {
		t.Fatalf("a caller's limit: %v", err)
	}
}

func TestNoTimeoutIsTheDefault(t *testing.T) {
	if got := (Client{}).limit(); got != backends.DefaultTimeout {
		t.Fatalf("limit %v, want %v", got, backends.DefaultTimeout)
	}
	if got := NewClient(backends.Profile{Timeout: time.Minute}, nil).limit(); got != time.Minute {
		t.Fatalf("limit %v, want the profile's minute", got)
	}
}

func TestCertificateForAnotherNameListsItsNames(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	c, err := backends.NewClient(backends.Profile{Name: "p", CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	// httptest's certificate names example.com, 127.0.0.1 and ::1, but not localhost.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	_, err = get(t, c, "https://localhost:"+port+"/")
	if backends.KindOf(err) != backends.NotSent {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"is for example.com, *.example.com, 127.0.0.1, ::1, not localhost", "use one of its names"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func TestDecodeJSONExplainsWhatCame(t *testing.T) {
	var v map[string]any
	html := &Response{Status: 502, Body: []byte("<html><head><title>502 Bad Gateway</title></head></html>")}
	if err := DecodeJSON(html, &v, "login"); err == nil || !strings.Contains(err.Error(), `an HTML page from the server, title "502 Bad Gateway"`) {
		t.Fatalf("html: %v", err)
	}
	cut := &Response{Status: 200, Body: []byte(`{"token": "abc`)}
	if err := DecodeJSON(cut, &v, "login"); err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("truncated: %v", err)
	}
	empty := &Response{Status: 200}
	if err := DecodeJSON(empty, &v, "login"); err == nil || !strings.Contains(err.Error(), "empty body") {
		t.Fatalf("empty: %v", err)
	}
}

func TestStatusErrorKinds(t *testing.T) {
	h := http.Header{}
	h.Set("Retry-After", "3")
	if e := StatusError(&Response{Status: 429, Header: h}, "x", ""); e.Kind != backends.Throttled || e.RetryAfter != 3*time.Second {
		t.Fatalf("429: %+v", e)
	}
	if e := StatusError(&Response{Status: 504, Header: http.Header{}}, "x", ""); e.Kind != backends.Unanswered {
		t.Fatalf("504: %+v", e)
	}
	if e := StatusError(&Response{Status: 400, Header: http.Header{}}, "x", "bad password"); e.Kind != backends.Refused || !strings.Contains(e.Msg, "bad password") {
		t.Fatalf("400: %+v", e)
	}
}

func TestJoinURL(t *testing.T) {
	if JoinURL("https://h/api/v2/", "/users") != "https://h/api/v2/users" {
		t.Fatal("JoinURL doubled a slash")
	}
}

func TestHTTPSAgainstPlainPortSaysSo(t *testing.T) {
	// a plain TCP server that answers garbage to a TLS hello
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	c, _ := backends.NewClient(backends.Profile{})
	_, err := get(t, c, "https://"+ln.Addr().String()+"/")
	if err == nil || !strings.Contains(err.Error(), "does not speak TLS") && !strings.Contains(err.Error(), "plain HTTP") {
		t.Fatalf("err = %v", err)
	}
}

func TestShapeErrorsAndSnippetsAreClean(t *testing.T) {
	var v struct {
		Users []string `json:"users"`
	}
	err := DecodeJSON(&Response{Status: 200, Body: []byte(`{"users":"jdoe"}`)}, &v, "search")
	if err == nil || strings.Contains(err.Error(), "Go value") || !strings.Contains(err.Error(), `field "users" holds a string`) {
		t.Fatalf("err = %v", err)
	}
	var w struct {
		Name string `json:"name"`
	}
	if err := DecodeJSON(&Response{Status: 200, Body: []byte(`{"name":["x"]}`)}, &w, "search"); err == nil || !strings.Contains(err.Error(), `field "name" holds an array`) {
		t.Fatalf("err = %v", err)
	}
	if s := Snippet(&Response{Body: []byte("<html><title>x\x1b]52;c;Zm9v\x07y</title></html>")}); strings.Contains(s, "52;c") || !strings.Contains(s, "xy") {
		t.Fatalf("snippet kept an escape sequence: %q", s)
	}
}
