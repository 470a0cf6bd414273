package desk

import (
	"context"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/store"
)

// A warning reaches a watcher when it happens, in the middle of the run, in order with
// the outcomes around it: not buffered until the run starts or ends.
func TestRunWarningsAreAStreamOnTheRun(t *testing.T) {
	h, err := NewHost(Options{Config: &store.Config{}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	d, _ := h.Desk("")
	r, err := h.reg.add(d, Info{Users: []User{{ID: "a"}, {ID: "b"}}, State: StateRunning})
	if err != nil {
		t.Fatal(err)
	}
	w := d.handle(r).Watch()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	next := func() Update {
		t.Helper()
		u, err := w.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	next() // the run as it is
	r.add(backends.Outcome{Index: 0, User: "a", Status: backends.StatusOK})
	r.warn("history: disk full (recording goes on at the end of the run)")
	u := next()
	if len(u.Outcomes) != 1 || len(u.Warnings) != 1 || u.Over || u.Info.State != StateRunning {
		t.Fatalf("mid-run update %+v", u)
	}
	r.warn("second")
	if u := next(); len(u.Warnings) != 1 || u.Warnings[0] != "second" || len(u.Info.Warnings) != 2 {
		t.Fatalf("next warning %+v", u)
	}
	r.add(backends.Outcome{Index: 1, User: "b", Status: backends.StatusFailed})
	r.end(StateDone, "")
	if u := next(); !u.Over || len(u.Outcomes) != 1 || u.Info.Tally != (backends.Tally{OK: 1, Failed: 1}) {
		t.Fatalf("last update %+v", u)
	}
}
