package fakekit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// kitServer is a fake built on a Kit: it answers "ok", a Fail with "failed <status>",
// and logs each request's path.
func kitServer(t *testing.T) (*Kit[string, struct{}], *httptest.Server) {
	t.Helper()
	var k Kit[string, struct{}]
	srv := httptest.NewServer(k.Handler(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := k.Admit(w, r, r.URL.Path, r.URL.Path, func(w http.ResponseWriter, f Faults) {
			WriteText(w, f.FailHead(w), "text/plain", "failed")
		}); !ok {
			return
		}
		if k.Refuses(r.URL.Path) {
			WriteText(w, http.StatusUnauthorized, "text/plain", "refused")
			return
		}
		WriteText(w, http.StatusOK, "text/plain", "ok")
	}))
	t.Cleanup(srv.Close)
	return &k, srv
}

func call(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		knob, call string
		want       bool
	}{
		{"", "/a/reset", false}, {"*", "/a/reset", true}, {"*", "", true},
		{"reset", "/a/reset", true}, {"/a/reset", "/a/reset", true}, {"/a", "/a/reset", false},
		{"Send_Request", "PwReset.Send_Request", true},
	} {
		if got := Matches(c.knob, c.call); got != c.want {
			t.Errorf("Matches(%q, %q) = %v", c.knob, c.call, got)
		}
	}
}

func TestFailAnswersItsBudgetThenBehaves(t *testing.T) {
	k, srv := kitServer(t)
	k.SetFaults(Faults{Fail: "/reset", FailStatus: 429, FailTimes: 2})
	for i := range 2 {
		if status, body := call(t, srv, "/reset"); status != 429 || body != "failed" {
			t.Fatalf("call %d: %d %q", i, status, body)
		}
	}
	if status, body := call(t, srv, "/reset"); status != 200 || body != "ok" {
		t.Fatalf("after the budget: %d %q", status, body)
	}
	if status, _ := call(t, srv, "/other"); status != 200 {
		t.Fatalf("a call the knob does not aim at failed: %d", status)
	}
	// New faults restart the budget.
	k.SetFaults(Faults{Fail: "*", FailTimes: 1})
	if status, body := call(t, srv, "/other"); status != 200 || body != "failed" {
		t.Fatalf("FailStatus 0 is 200 with the failure's body: %d %q", status, body)
	}
	if got := k.Requests(); len(got) != 5 || got[0] != "/reset" || got[3] != "/other" {
		t.Fatalf("log %v", got)
	}
	if n, all := k.Count("/reset"), k.Count("*"); n != 3 || all != 5 {
		t.Fatalf("Count(/reset) = %d, Count(*) = %d", n, all)
	}
}

func TestFailHeadSendsRetryAfter(t *testing.T) {
	for _, c := range []struct {
		f    Faults
		want string
	}{
		{Faults{FailStatus: 429}, "0"}, {Faults{FailStatus: 503, RetryAfter: 3}, "3"}, {Faults{FailStatus: 503}, ""},
	} {
		rec := httptest.NewRecorder()
		if status := c.f.FailHead(rec); status != c.f.FailStatus {
			t.Errorf("status %d", status)
		}
		if got := rec.Header().Get("Retry-After"); got != c.want {
			t.Errorf("%+v: Retry-After %q, want %q", c.f, got, c.want)
		}
	}
}

func TestRefusesItsBudget(t *testing.T) {
	k, srv := kitServer(t)
	k.SetFaults(Faults{Refuse: "/reset", RefuseTimes: 1})
	if status, _ := call(t, srv, "/reset"); status != 401 {
		t.Fatalf("first: %d", status)
	}
	if status, _ := call(t, srv, "/reset"); status != 200 {
		t.Fatalf("second: %d", status)
	}
}

func TestHangHoldsTheCallAndLatencyDelaysIt(t *testing.T) {
	k, srv := kitServer(t)
	k.SetFaults(Faults{Hang: "/reset", Latency: 30 * time.Millisecond})
	client := &http.Client{Timeout: 200 * time.Millisecond}
	if _, err := client.Get(srv.URL + "/reset"); err == nil {
		t.Fatal("a hung call was answered")
	}
	start := time.Now()
	if status, _ := call(t, srv, "/other"); status != 200 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("%d after %v: the latency was not added", status, time.Since(start))
	}
}

func TestDropsAfterTheChange(t *testing.T) {
	var changed sync.WaitGroup
	changed.Add(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		changed.Done()
		if (Faults{Drop: "reset"}).Spoils(w, r.URL.Path) {
			return
		}
		t.Error("the connection was not dropped")
	}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/x/reset"); err == nil {
		resp.Body.Close()
		t.Fatal("an answer came")
	}
	changed.Wait()
}

func TestTokens(t *testing.T) {
	var toks Tokens
	a := toks.Issue("eyJ")
	if !strings.HasPrefix(a, "eyJ") || len(a) != 3+32 {
		t.Fatalf("token %q", a)
	}
	if toks.Use("unknown", 0) {
		t.Fatal("an unknown token passed")
	}
	for i := range 2 {
		if !toks.Use(a, 2) {
			t.Fatalf("use %d refused", i)
		}
	}
	if toks.Use(a, 2) || toks.Use(a, 0) {
		t.Fatal("a token used past its limit stays good")
	}
	b := toks.Issue("")
	if !toks.Spend(b) || toks.Spend(b) {
		t.Fatal("a spent token can be spent again")
	}
	c := toks.Issue("")
	toks.ExpireAll()
	if toks.Use(c, 0) {
		t.Fatal("a token passed after ExpireAll")
	}
}
