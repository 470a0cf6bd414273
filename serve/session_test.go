package serve

import (
	"maps"
	"strings"
	"testing"
	"time"
)

// The console reads only the terminal's variables, as the client sent them, with TERM
// from the pty request (the console finds tmux from it, as it does locally).
func TestTerminalEnv(t *testing.T) {
	cases := []struct {
		name    string
		environ []string
		term    string
		want    map[string]string
	}{
		{"plain terminal", []string{"LANG=C.UTF-8", "COLORTERM=truecolor", "RESETDESK_SECRET_LAB=client-sent", "HOME=/client"}, "xterm-256color",
			map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}},
		{"tmux by TERM", nil, "tmux-256color", map[string]string{"TERM": "tmux-256color"}},
		{"screen by TERM", []string{"NO_COLOR=1"}, "screen.xterm-256color",
			map[string]string{"TERM": "screen.xterm-256color", "NO_COLOR": "1"}},
		{"TMUX sent wins over a screen TERM", []string{"TMUX=/tmp/tmux-1000/default,123,0"}, "screen-256color",
			map[string]string{"TERM": "screen-256color", "TMUX": "/tmp/tmux-1000/default,123,0"}},
		{"the pty's TERM wins over an env TERM", []string{"TERM=evil"}, "xterm", map[string]string{"TERM": "xterm"}},
	}
	for _, c := range cases {
		if got := terminalEnv(c.environ, c.term); !maps.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// What a technician reads when the server ends their session says what is true of
// their runs: an idle close leaves them going; a shutdown stops them, and only a real
// host has a recover to point to (the demo keeps nothing).
func TestEndMessageSaysWhatIsTrueOfTheRuns(t *testing.T) {
	cases := []struct {
		reason    endReason
		ran, demo bool
		want, not string
	}{
		{endIdle, true, false, "your runs go on at the server: connect again", "recover"},
		{endShutdown, true, false, "the new secrets are in recover (r)", "go on"},
		{endShutdown, true, true, "the demo keeps nothing to recover", "recover (r)"},
		{endAbort, true, true, "the demo keeps nothing to recover", "recover (r)"},
		{endAbort, true, false, "aborted: check those users; the new secrets are in recover (r)", "demo"},
		{endShutdown, false, false, "the server is shutting down", "runs"},
	}
	for _, c := range cases {
		got := c.reason.message(time.Minute, c.ran, c.demo)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("%s ran=%v demo=%v: %q", c.reason, c.ran, c.demo, got)
		}
	}
}

// The end message is wrapped at words to the technician's terminal: at 60 columns the
// terminal's own wrap had cut "recover (r" from its ")". The lines end in CR LF (the
// terminal is raw), and nothing of the text is lost.
func TestEndTextWrapsAtWordsToTheTerminal(t *testing.T) {
	msg := endShutdown.message(time.Minute, true, false)
	got := endText(msg, 60)
	if !strings.HasSuffix(got, "\r\n") {
		t.Fatalf("not ended with CR LF: %q", got)
	}
	lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
	if len(lines) < 2 {
		t.Fatalf("a %d-column message on one line: %q", len(msg), got)
	}
	for _, l := range lines {
		if len(l) > 60 || strings.HasPrefix(l, ")") || strings.HasSuffix(l, "(r") {
			t.Fatalf("a line cut mid-word or past 60 columns: %q", l)
		}
	}
	if strings.Join(strings.Fields(strings.Join(lines, " ")), " ") != "resetdesk: "+msg {
		t.Fatalf("the text changed: %q", got)
	}
}
