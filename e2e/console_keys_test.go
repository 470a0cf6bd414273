package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// demoConsole starts `resetdesk --demo` in tmux at w×h and waits for its profiles.
func demoConsole(t *testing.T, w, h int, extra ...string) *tmuxSession {
	t.Helper()
	env := hermeticEnv(t, append([]string{"TERM=xterm-256color"}, extra...)...)
	s := startTmux(t, w, h, env, builtBinary(t), "--demo")
	s.waitText("demo-webadm", 20*time.Second)
	return s
}

// profileNumber is the number the profiles page gives the profile named name.
func (s *tmuxSession) profileNumber(name string) string {
	s.t.Helper()
	scr := s.waitText(name, 10*time.Second)
	m := regexp.MustCompile(`(\d) ` + regexp.QuoteMeta(name) + ` `).FindStringSubmatch(scr)
	if m == nil {
		s.t.Fatalf("%s has no number on the profiles page:\n%s", name, scr)
	}
	return m[1]
}

// openProfile opens the profile named name by its number, as a technician reads it off
// the screen, and waits for its users page.
func (s *tmuxSession) openProfile(name string) {
	s.t.Helper()
	s.keys(s.profileNumber(name))
	s.waitText(name+" · users", 10*time.Second)
}

// A single-user reset from launch takes one key for the profile, the user's name and
// three keys, on every demo profile: the number, the name, enter on the one hit, enter
// on the first mode, enter to confirm.
func TestConsoleSingleUserResetInFewKeys(t *testing.T) {
	for _, c := range []struct {
		profile, name, user string
	}{
		{"demo-admanager", "bdoe", "bdoe"},
		{"demo-emm", "bdoe", "bdoe"},
		{"demo-odin", "5001", "9871515001@odinapi.net"}, // Ben Doe's extension
		{"demo-prm", "bdoe", "bdoe"},                    // no search: the id, typed
		{"demo-webadm", "bdoe", "bdoe"},
	} {
		t.Run(c.profile, func(t *testing.T) {
			s := demoConsole(t, 80, 24)
			keys := 0
			press := func(k string) { s.keys(k); keys++ }
			number := s.profileNumber(c.profile)
			press(number)
			s.waitText(c.profile+" · users", 10*time.Second)
			s.text(c.name)
			keys += len(c.name)
			if c.profile != "demo-prm" {
				s.waitText("1 hit", 10*time.Second)
			}
			press("Enter")
			s.waitText("Reset mode:", 10*time.Second)
			press("Enter")
			s.waitText("reset now", 10*time.Second)
			press("Enter")
			s.waitText("1/1 answered", 20*time.Second)
			scr := s.waitText("ok 1 ", 10*time.Second)
			if !strings.Contains(scr, "> "+c.user) || !strings.Contains(scr, "failed 0") {
				t.Fatalf("the reset of %s did not end ok:\n%s", c.user, scr)
			}
			if max := 1 + len(c.name) + 3; keys > max {
				t.Fatalf("%d keys, want at most %d", keys, max)
			}
			t.Logf("%s: a single-user reset in %d keys (%s, %q, enter ×3)", c.profile, keys, number, c.name)
		})
	}
}

var talliedRe = regexp.MustCompile(`ok (\d+)  failed (\d+)  unknown (\d+)  skipped (\d+)`)

// A 240-user run is stopped by ctrl+c twice: the first asks (and holds every request
// not yet sent), the second aborts; the run ends on its results with the rest skipped.
func TestConsoleDoubleCtrlCStopsA240UserRun(t *testing.T) {
	s := demoConsole(t, 80, 24)
	s.openProfile("demo-odin")
	s.toReview("*", 240)
	s.waitText("Type 240", 5*time.Second)
	s.text("240")
	s.keys("Enter")
	s.waitText("✓ ok", 20*time.Second)
	s.keys("C-c")
	scr := s.waitText("ctrl+c aborts", 5*time.Second)
	if !strings.Contains(scr, "paused") {
		t.Fatalf("the run is not paused while the question is on screen:\n%s", scr)
	}
	s.keys("C-c")
	scr = s.waitText("results · sip", 20*time.Second)
	m := talliedRe.FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no tally:\n%s", scr)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	if n(1)+n(2)+n(3)+n(4) != 240 || n(4) == 0 || n(1) == 240 {
		t.Fatalf("after two ctrl+c: ok %d failed %d unknown %d skipped %d:\n%s", n(1), n(2), n(3), n(4), scr)
	}
}

// A list pasted with tmux's own paste (paste-buffer -p, which turns line feeds into
// carriage returns) selects every id.
func TestConsolePasteWithCarriageReturns(t *testing.T) {
	s := demoConsole(t, 80, 24)
	s.openProfile("demo-emm")
	s.paste("bdoe\ncgarcia\nddoe\n")
	s.waitText("selected: 3", 5*time.Second)
	s.keys("Tab")
	scr := s.waitText("✓ cgarcia", 5*time.Second)
	if regexp.MustCompile(`\d+ refused|line(s)? skipped|✗`).MatchString(scr) {
		t.Fatalf("the pasted list was not split:\n%s", scr)
	}
}

// ? shows the help of every page, and esc closes it.
func TestConsoleHelpOfEveryPage(t *testing.T) {
	s := demoConsole(t, 80, 24)
	help := func(page, fragment string) {
		t.Helper()
		s.keys("?")
		s.waitFor(page+" help", 5*time.Second, func(scr string) bool {
			return strings.Contains(scr, "close the help") && strings.Contains(scr, fragment)
		})
		s.keys("Escape")
		s.waitFor(page+" help closed", 5*time.Second, func(scr string) bool { return !strings.Contains(scr, "close the help") })
	}
	help("profiles", "open by number")
	s.keys("c")
	s.waitText("credentials", 5*time.Second)
	help("credentials", "test connection")
	s.keys("Escape")
	s.waitText("Choose the system", 5*time.Second) // an esc and a key sent at once read as alt+key
	s.keys("r")
	s.waitText("· recover", 5*time.Second)
	help("recover", "read again")
	s.keys("Escape")
	s.waitText("Choose the system", 5*time.Second)
	s.keys("h")
	s.waitText("filter:", 5*time.Second)
	help("history", "filter by user or profile")
	s.keys("Escape")
	s.waitText("Choose the system", 5*time.Second)
	s.openProfile("demo-webadm")
	help("users", "clear selection")
	s.text("doe")
	s.waitText("12 hits", 10*time.Second)
	s.keys("C-a")
	s.waitText("selected: 12", 5*time.Second)
	s.keys("Tab")
	help("selection", "remove every refused id")
	s.keys("Tab", "Enter")
	s.waitText("Reset mode:", 5*time.Second)
	help("mode", "previous field")
	s.keys("Enter")
	s.waitText("reset now", 5*time.Second)
	help("review", "enter reset now")
	s.keys("Enter")
	s.waitText("r reveal row", 20*time.Second)
	help("results", "sort by status")
	s.keys("Escape")
	s.waitText("Leave these results?", 5*time.Second)
	s.keys("y")
	s.waitText("Choose the system", 5*time.Second)
	// The run page's help, while a run goes (a slow one: 240 users).
	s.openProfile("demo-odin")
	s.toReview("*", 240)
	s.waitText("Type 240", 5*time.Second)
	s.text("240")
	s.keys("Enter")
	s.waitText("answered", 10*time.Second)
	help("run", "stop the run")
	s.keys("C-c")
	s.waitText("ctrl+c aborts", 5*time.Second)
	s.keys("y")
	s.waitText("results · sip", 20*time.Second)
}

// The console fits the screen at every size, with and without colour: the last line is
// the help with the way out, whatever the page.
func TestConsoleFitsEverySize(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {60, 16}, {120, 40}} {
		for _, noColor := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d nocolor=%v", sz[0], sz[1], noColor), func(t *testing.T) {
				var extra []string
				if noColor {
					extra = append(extra, "NO_COLOR=1")
				}
				s := demoConsole(t, sz[0], sz[1], extra...)
				s.openProfile("demo-webadm")
				s.toReview("smith", 13)
				s.waitText("reset now", 5*time.Second)
				s.keys("Enter")
				s.waitText("r reveal row", 20*time.Second)
				s.keys("R")
				// Every link on screen whole: R never cuts a secret, at any size.
				scr := s.waitText("/webapps/pwreset/", 5*time.Second)
				assertLinksWhole(t, scr)
				lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
				if last := lines[len(lines)-1]; !strings.HasSuffix(strings.TrimSpace(last), "q quit") {
					t.Fatalf("the last line is not the help with the way out: %q\n%s", last, scr)
				}
			})
		}
	}
}
