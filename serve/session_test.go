package serve

import (
	"maps"
	"testing"
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
