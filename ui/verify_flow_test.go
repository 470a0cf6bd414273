package ui

import (
	"context"
	"regexp"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"resetdesk/desk"
)

var (
	carriesRe = regexp.MustCompile(`carries (\d{6})`)
	clockRe   = regexp.MustCompile(`\b\d\d:\d\d\b`)
)

// The whole flow on the demo's desk, as `resetdesk --demo` runs it: demo-emm, bdoe,
// the review offers v; the code "sent" to the demo outbox is read off its line, a wrong
// one counts down, the right one verifies; the review says by what and when.
func TestFlowVerifyTheCaller(t *testing.T) {
	d, err := desk.New(desk.Options{Demo: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	searchDebounce = 10 * time.Millisecond
	tm := teatest.NewTestModel(t, New(context.Background(), d, LocalTerminal()),
		teatest.WithInitialTermSize(80, 24), teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	waitFor(t, tm, "demo-webadm")
	send(tm, "2") // demo-emm
	waitFor(t, tm, "search:")
	send(tm, "bdoe")
	waitFor(t, tm, "1 hit")
	send(tm, "enter", "enter")
	waitFor(t, tm, "v verify")
	send(tm, "v")
	waitFor(t, tm, "On file:")
	send(tm, "enter")
	var code string
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		if m := carriesRe.FindSubmatch(b); m != nil {
			code = string(m[1])
		}
		return code != ""
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	send(tm, wrong, "enter")
	waitFor(t, tm, "2 tries left")
	send(tm, code, "enter")
	waitFor(t, tm, "verified by mail code")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Console)
	r, ok := m.top().(*reviewPage)
	if !ok || !r.callers().v.Verified {
		t.Fatalf("ended on %T, verified %v", m.top(), ok && r.callers().v.Verified)
	}
	v := clockRe.ReplaceAllString(m.View().Content, "hh:mm")
	golden(t, "verify_caller", regexp.MustCompile(`http://127\.0\.0\.1:\d+`).ReplaceAllString(v, "http://127.0.0.1:port"))
}
