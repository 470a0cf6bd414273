package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the built binary in a real terminal: a private tmux server, keys
// sent with send-keys, the screen read with capture-pane.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

// startTmux runs argv in a detached tmux session of the given size, with env. CI sets
// RESETDESK_E2E=1, where a missing tmux is a failure rather than a skip.
func startTmux(t *testing.T, width, height int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("RESETDESK_E2E") != "" {
			t.Fatal("tmux is not installed (.ci/run installs it)")
		}
		t.Skip("tmux is not installed: apt-get install tmux")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("resetdesk-test-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "e2e"}
	// set-clipboard on makes tmux keep what an application copies through OSC 52 in its
	// paste buffer, where the test can read it.
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), "sleep 3600")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.tmux("set-option", "-g", "set-clipboard", "on")
	s.tmux("set-option", "-g", "remain-on-exit", "on")
	var cmd strings.Builder
	// A clean environment, but the pane's own $TMUX, as a technician's shell in tmux has it.
	cmd.WriteString(`env -i TMUX="$TMUX"`)
	for _, e := range env {
		cmd.WriteString(" " + shellQuote(e))
	}
	for _, a := range argv {
		cmd.WriteString(" " + shellQuote(a))
	}
	s.tmux("respawn-pane", "-k", "-t", s.name, cmd.String())
	return s
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// screen is the visible pane as text.
func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", s.name) }

// keys sends tmux key names ("Enter", "Space", "C-c") or literal text with literal=true.
func (s *tmuxSession) keys(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

func (s *tmuxSession) text(text string) { s.tmux("send-keys", "-t", s.name, "-l", text) }

// paste pastes text as tmux's own paste key does (prefix ]): paste-buffer -p, which
// brackets it when the program asked for it and turns line feeds into carriage returns.
func (s *tmuxSession) paste(text string) {
	s.tmux("set-buffer", "-b", "e2e-paste", "--", text)
	s.tmux("paste-buffer", "-p", "-d", "-b", "e2e-paste", "-t", s.name)
}

// waitFor polls the screen until cond holds; a terminal offers no event to wait on.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr := s.screen()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s; the screen is:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *tmuxSession) waitText(text string, timeout time.Duration) string {
	s.t.Helper()
	return s.waitFor(fmt.Sprintf("%q", text), timeout, func(scr string) bool { return strings.Contains(scr, text) })
}

// exited reports whether the program in the pane has ended.
func (s *tmuxSession) exited() bool {
	return strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_dead}")) == "1"
}

// buffer returns tmux's newest paste buffer ("" when there is none).
func (s *tmuxSession) buffer() string {
	out, err := exec.Command("tmux", "-L", s.socket, "show-buffer").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// On a terminal, `run` shows what it is about to do and sends nothing until confirmed.
func TestRunConfirmsOnATerminal(t *testing.T) {
	bin := builtBinary(t)
	s := startTmux(t, 120, 30, hermeticEnv(t, "TERM=xterm-256color"),
		bin, "run", "--demo", "--profile", "demo-odin", "--mode", "vm", "9871515000@odinapi.net", "9871515001@odinapi.net")
	s.waitText("for 2 user(s) in profile demo-odin", 20*time.Second)
	s.waitText("[y/N]", 5*time.Second)
	s.text("y")
	s.keys("Enter")
	scr := s.waitText("2 ok, 0 failed, 0 unknown, 0 skipped", 20*time.Second)
	if !strings.Contains(scr, "USER") || !strings.Contains(scr, "9871515001@odinapi.net  ok") {
		t.Fatalf("the table is missing:\n%s", scr)
	}
}

// toReview selects every hit of query on the users page and goes on, in the first
// mode, to the review: the path of most console tests.
func (s *tmuxSession) toReview(query string, hits int) {
	s.t.Helper()
	s.text(query)
	s.waitText(fmt.Sprintf("%d hits", hits), 10*time.Second)
	s.keys("C-a")
	s.waitText(fmt.Sprintf("selected: %d", hits), 5*time.Second)
	s.keys("Enter")
	s.waitText("Reset mode:", 5*time.Second)
	s.keys("Enter")
	s.waitText("· review", 5*time.Second)
}
