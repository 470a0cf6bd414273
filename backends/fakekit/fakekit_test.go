package fakekit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestInFlightMax(t *testing.T) {
	var m InFlight
	var wg sync.WaitGroup
	start, release := make(chan struct{}), make(chan struct{})
	for range 5 {
		wg.Go(func() {
			m.Begin()
			start <- struct{}{}
			<-release
			m.End()
		})
	}
	for range 5 {
		<-start
	}
	close(release)
	wg.Wait()
	if m.Max() != 5 {
		t.Fatalf("Max = %d, want 5", m.Max())
	}
	m.Begin() // one at a time now: the peak stays
	m.End()
	if m.Max() != 5 {
		t.Fatalf("Max after = %d, want 5", m.Max())
	}
}

func TestBudget(t *testing.T) {
	var b Budget
	for i := range 2 {
		if !b.Take(2) {
			t.Fatalf("take %d refused", i)
		}
	}
	if b.Take(2) {
		t.Fatal("third take under limit 2 allowed")
	}
	if !b.Take(0) {
		t.Fatal("limit 0 means always")
	}
	b.Reset()
	if !b.Take(1) || b.Take(1) {
		t.Fatal("after Reset: want one take under limit 1")
	}
}

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), 0) || !Sleep(context.Background(), time.Millisecond) {
		t.Fatal("an uncancelled sleep reported the request gone")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	begin := time.Now()
	if Sleep(ctx, time.Hour) {
		t.Fatal("a cancelled sleep reported the request wanted")
	}
	if time.Since(begin) > time.Second {
		t.Fatal("a cancelled sleep waited")
	}
}

func TestHangReturnsWhenClientGivesUp(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Hang(r)
		close(done)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Hang did not return after the client gave up")
	}
}

func TestDropConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !DropConnection(w) {
			t.Error("could not drop an HTTP/1 connection")
		}
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("got an answer from a dropped connection")
	}
	if DropConnection(httptest.NewRecorder()) {
		t.Fatal("dropped a connection a recorder does not have")
	}
}

func TestWriters(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(http.ResponseWriter)
		ctype string
		body  string
	}{
		{"json", func(w http.ResponseWriter) { WriteJSON(w, 503, map[string]int{"a": 1}) }, "application/json", "{\"a\":1}\n"},
		{"html", func(w http.ResponseWriter) { WriteHTML(w, 503, "<html>x</html>") }, "text/html", "<html>x</html>"},
		{"truncated", func(w http.ResponseWriter) { WriteTruncated(w, 503, `{"a":`) }, "application/json", `{"a":`},
		{"json as", func(w http.ResponseWriter) { WriteJSONAs(w, 503, "application/json;charset=UTF-8", []int{1}) }, "application/json;charset=UTF-8", "[1]\n"},
		{"html as", func(w http.ResponseWriter) { WriteHTMLAs(w, 503, "text/html;charset=utf-8", "<p>%x</p>") }, "text/html;charset=utf-8", "<p>%x</p>"},
		{"truncated as", func(w http.ResponseWriter) { WriteTruncatedAs(w, 503, "application/json;charset=UTF-8", `[{"a`) }, "application/json;charset=UTF-8", `[{"a`},
	} {
		rec := httptest.NewRecorder()
		SetRetryAfter(rec, 7)
		c.write(rec)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 503 || rec.Header().Get("Content-Type") != c.ctype || string(body) != c.body || rec.Header().Get("Retry-After") != "7" {
			t.Errorf("%s: %d %q %q Retry-After %q", c.name, rec.Code, rec.Header().Get("Content-Type"), body, rec.Header().Get("Retry-After"))
		}
	}
}
