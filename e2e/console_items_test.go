package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// wholeLink is a demo WebADM reset link as the server makes it.
var wholeLink = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/webapps/pwreset/\?id=[0-9a-f]{32}$`)

// assertLinksWhole fails unless every reset link on the screen is whole: on one line,
// or broken across the lines under its row, never cut and never touched by "…".
func assertLinksWhole(t *testing.T, scr string) {
	t.Helper()
	lines := strings.Split(scr, "\n")
	found := 0
	for i := 0; i < len(lines); i++ {
		at := strings.Index(lines[i], "http://")
		if at < 0 {
			continue
		}
		link := strings.Fields(lines[i][at:])[0]
		for !wholeLink.MatchString(link) && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") &&
			!strings.Contains(lines[i+1], "http://") && len(link) < 80 {
			i++
			link += strings.TrimSpace(lines[i])
		}
		if !wholeLink.MatchString(link) {
			t.Fatalf("a link is not whole: %q\n%s", link, scr)
		}
		found++
	}
	if found == 0 {
		t.Fatalf("no link on the screen:\n%s", scr)
	}
}

// The sizes the console must be usable at without typing blind.
var itemSizes = [][2]int{{80, 24}, {60, 16}}

// Issue 19.1: the review of a run over 100 users keeps its question, its count field
// and the way back in sight at 60×16 and 80×24, whatever the options above them; what
// is typed shows; ? opens the help rather than going into a hidden field.
func TestConsoleLargeReviewKeepsItsPromptInSight(t *testing.T) {
	for _, sz := range itemSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := demoConsole(t, sz[0], sz[1])
			s.openProfile("demo-webadm")
			s.text("a")
			s.waitText("240 hits", 10*time.Second)
			s.keys("C-a")
			s.waitText("selected: 240", 5*time.Second)
			s.keys("Enter")
			s.waitText("Reset mode:", 5*time.Second)
			s.keys("Tab", "Right", "Tab")
			s.text("48")
			s.keys("Tab")
			s.text("call back")
			s.keys("Tab")
			s.text("INC-1234")
			s.keys("Enter")
			scr := s.waitText("Type 240 and press enter", 5*time.Second)
			if !strings.Contains(scr, "count:") || !strings.Contains(scr, "esc goes back") {
				t.Fatalf("the count field or the way back is out of sight:\n%s", scr)
			}
			s.text("240")
			s.waitText("count: 240", 5*time.Second)
			s.keys("?")
			s.waitText("close the help", 5*time.Second)
			s.keys("Escape")
			scr = s.waitFor("the help closed", 5*time.Second, func(scr string) bool { return !strings.Contains(scr, "close the help") })
			if !strings.Contains(scr, "count: 240 ") {
				t.Fatalf("? went into the count:\n%s", scr)
			}
		})
	}
}

// Issue 19.2: help is reachable from a field that holds text (F1, as the footer says);
// an export name ending in ? is refused; the toast names the file by its absolute path.
func TestConsoleHelpFromAFieldAndTheExportName(t *testing.T) {
	for _, sz := range itemSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			home := t.TempDir()
			s := startTmux(t, sz[0], sz[1], []string{"HOME=" + home, "PATH=/usr/bin:/bin", "TERM=xterm-256color"},
				"sh", "-c", "cd \"$HOME\" && exec "+shellQuote(builtBinary(t))+" --demo")
			s.waitText("demo-webadm", 20*time.Second)
			s.openProfile("demo-emm")
			s.text("bdoe")
			s.waitText("1 hit", 10*time.Second)
			s.keys("Enter")
			s.waitText("Reset mode:", 5*time.Second)
			s.keys("Enter")
			s.waitText("reset now", 5*time.Second)
			s.keys("Enter")
			s.waitText("r reveal row", 20*time.Second)
			s.keys("e")
			scr := s.waitText("export to:", 5*time.Second)
			if !strings.Contains(scr, "f1 help") {
				t.Fatalf("the footer does not say how to reach the help from the field:\n%s", scr)
			}
			s.keys("F1")
			s.waitText("close the help", 5*time.Second)
			s.keys("Escape")
			s.waitFor("the help closed", 5*time.Second, func(scr string) bool { return !strings.Contains(scr, "close the help") })
			s.keys("?", "Enter")
			s.waitText("ended in ?", 5*time.Second)
			s.waitText("export to:", 5*time.Second) // the field stays, the name kept without the ?
			s.keys("Enter")
			scr = s.waitText("(mode 0600)", 5*time.Second)
			if !strings.Contains(strings.Join(strings.Fields(scr), ""), home+"/resetdesk-demo-emm-") {
				t.Fatalf("the toast does not name the absolute path under %s:\n%s", home, scr)
			}
		})
	}
}

// Issue 19.8 and 18.5 on the built binary: / filters the selection pane, ctrl+x asks,
// j/k are typed in the mode's text fields, no letter confirms a review, esc clears a
// filtered results table first, a kept profiles filter is cleared by esc and the
// numbers stay each profile's own.
func TestConsoleKeysDoWhatTheySay(t *testing.T) {
	for _, sz := range itemSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := demoConsole(t, sz[0], sz[1])
			admanager := s.profileNumber("demo-admanager")
			s.keys("/")
			s.text("odin")
			s.keys("Enter")
			scr := s.waitFor("the filtered profiles", 5*time.Second, func(scr string) bool { return !strings.Contains(scr, "demo-emm ") })
			if !strings.Contains(scr, "demo-odin") || strings.Contains(scr, "1 demo-odin") {
				t.Fatalf("the filter renumbered the profiles:\n%s", scr)
			}
			s.keys("Escape")
			s.waitText("demo-emm", 5*time.Second)
			s.keys(admanager)
			s.waitText("demo-admanager · users", 10*time.Second)
			s.paste("bdoe\ncgarcia\nddoe\nasmith\n")
			s.waitText("selected: 4", 5*time.Second)
			s.keys("Tab", "/")
			s.text("doe")
			scr = s.waitText("2 of 4", 5*time.Second)
			if strings.Contains(scr, "✓ cgarcia") {
				t.Fatalf("/ in the selection pane did not filter:\n%s", scr)
			}
			s.keys("Escape") // clears the pane's filter (two esc at once read as alt+esc)
			s.waitFor("the pane's filter cleared", 5*time.Second, func(scr string) bool { return strings.Contains(scr, "✓ cgarcia") })
			s.keys("Escape")
			s.waitFor("the search field", 5*time.Second, func(scr string) bool { return strings.Contains(scr, "tab: see and edit") })
			s.keys("C-x")
			s.waitText("Clear the selection of 4 users?", 5*time.Second)
			s.keys("n")
			s.waitFor("the question answered", 5*time.Second, func(scr string) bool { return !strings.Contains(scr, "Clear the selection") })
			s.keys("Enter")
			s.waitText("Reset mode:", 5*time.Second)
			s.keys("BTab") // shift+tab from the modes: the last field, the ticket
			s.waitText("> Ticket reference", 5*time.Second)
			s.text("INC-jk")
			scr = s.waitText("INC-jk", 5*time.Second)
			if strings.Contains(scr, "↓/j") {
				t.Fatalf("j is offered as a move in a text field:\n%s", scr)
			}
			s.keys("Enter")
			s.waitText("reset now", 5*time.Second)
			// y must do nothing: the help that ? opens after it proves y was read.
			s.text("y")
			s.keys("?")
			if scr := s.waitText("close the help", 5*time.Second); !strings.Contains(scr, "nothing has been sent yet") {
				t.Fatalf("y confirmed the review:\n%s", scr)
			}
			s.keys("?")
			s.waitText("reset now", 5*time.Second)
			s.keys("Enter")
			s.waitText("r reveal row", 20*time.Second)
			s.keys("/")
			s.text("cgarcia")
			s.keys("Enter", "Escape")
			scr = s.waitFor("the filter cleared", 5*time.Second, func(scr string) bool { return strings.Contains(scr, "ddoe") })
			if strings.Contains(scr, "Leave these results?") {
				t.Fatalf("esc on a filtered table asked to leave:\n%s", scr)
			}
		})
	}
}

// Issue 18.4 and 18.5: enter on a search with twelve hits and nothing picked says so and
// stays; t opens the retry review and a letter there confirms nothing; esc on a run's
// results goes back to where it started, never to the run before, and the runs of the
// session stay reachable with l.
func TestConsoleEnterNeverGuessesAndRunsStayApart(t *testing.T) {
	for _, sz := range itemSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := demoConsole(t, sz[0], sz[1])
			s.openProfile("demo-odin")
			s.text("doe")
			s.waitText("12 hits", 10*time.Second)
			s.keys("Enter")
			scr := s.waitText("12 hits — pick one", 5*time.Second)
			if !strings.Contains(scr, "demo-odin · users") {
				t.Fatalf("enter on 12 hits left the page:\n%s", scr)
			}
			s.keys("Down", "Enter")
			s.waitText("Reset mode:", 5*time.Second)
			s.keys("Enter")
			scr = s.waitText("reset now", 5*time.Second)
			if !strings.Contains(scr, "9871515021@odinapi.net") {
				t.Fatalf("the review is not of the user the cursor picked:\n%s", scr)
			}
			s.keys("Enter")
			s.waitText("r reveal row", 20*time.Second)
			s.keys("t")
			s.waitText("nothing to retry", 5*time.Second)
			s.keys("n") // a second run, from the first one's results
			s.waitText("search:", 5*time.Second)
			s.text("5000")
			s.waitText("1 hit", 10*time.Second)
			s.keys("Enter")
			s.waitText("Reset mode:", 5*time.Second)
			s.keys("Enter")
			s.waitText("reset now", 5*time.Second)
			s.keys("Enter")
			s.waitText("r reveal row", 20*time.Second)
			s.keys("Escape")
			s.waitText("Leave these results?", 5*time.Second)
			s.keys("y")
			scr = s.waitText("Choose the system", 5*time.Second)
			if strings.Contains(scr, "9871515021") {
				t.Fatalf("esc on the second run's results showed the first run's:\n%s", scr)
			}
			s.keys("l") // not an answer key: the grace after the question does not hold it
			s.waitText("2 runs of yours", 5*time.Second)
			s.keys("Down", "Enter")
			scr = s.waitText("results · sip", 5*time.Second)
			if !strings.Contains(scr, "9871515021@odinapi.net") {
				t.Fatalf("the first run is not reachable from the runs page:\n%s", scr)
			}
		})
	}
}
