package ui

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/ui/keys"
)

func TestQuitAsksWhileSecretsUnsaved(t *testing.T) {
	c := New(context.Background(), &testDesk{getenv: func(k string) string {
		if k == "TMUX" {
			return "/tmp/tmux-0/default,1,0"
		}
		return ""
	}})
	r := runToResults(t, c.sh, []string{"alice"})
	c.stack = append(c.stack, r)
	c.Update(press("q"))
	if c.question == nil || c.quitting {
		t.Fatal("q quit with an uncopied secret")
	}
	c.Update(press("n"))
	_, cmd := c.Update(copyMsg{secret: "S-alice", what: "x"})
	if !c.clipHeld || cmd == nil {
		t.Fatal("copy did not hold the clipboard")
	}
	if cmds := clipboardCmds(c.sh, "S"); len(cmds) != 2 {
		t.Fatalf("inside tmux the DCS-wrapped copy is missing (%d commands)", len(cmds))
	}
	c.Update(clipboardExpiredMsg{id: c.clipID})
	if c.clipHeld {
		t.Fatal("clipboard not cleared after its time")
	}
	c.Update(press("y")) // no question pending: y is the page's copy key, not a yes
	c.Update(quitMsg{force: true})
	if !c.quitting {
		t.Fatal("forced quit did not quit")
	}
}

// At 80x24 a question or an error longer than the line wraps: its end (the y/n, the
// reason) shows, the screen keeps its 24 lines, and no control sequence gets through.
func TestStatusLineWrapsAtEightyColumns(t *testing.T) {
	c := New(context.Background(), &testDesk{
		profiles: []backends.Profile{{Name: "odin-lab", Kind: "odin", URL: "https://odin.example.com/api/v2"}}})
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	check := func(what, want string) {
		t.Helper()
		v := c.View().Content
		lines := strings.Split(v, "\n")
		if len(lines) != 24 {
			t.Fatalf("%s: %d lines, want 24", what, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > 80 {
				t.Fatalf("%s: a line of %d cells: %q", what, w, ansi.Strip(l))
			}
		}
		if !strings.Contains(flat(v), want) {
			t.Fatalf("%s: %q not on screen:\n%s", what, want, ansi.Strip(v))
		}
	}
	c.apply(ask{text: "Stop the run? Requests in flight finish; the users not yet sent are skipped."})
	check("question", "skipped. (y/n)")
	c.Update(press("n"))
	c.Update(toastMsg{text: "cannot create /home/technician/exports/resetdesk-odin-lab-20260101-120000.csv: permission denied \x1b]52;c;aGk=\x07", bad: true})
	check("error", "permission denied")
	if strings.Contains(c.View().Content, "\x1b]52") {
		t.Fatal("a control sequence in a toast reached the screen")
	}
}

// sizePage records the sizes it was given.
type sizePage struct{ sizes [][2]int }

func (s *sizePage) Init() tea.Cmd                 { return nil }
func (s *sizePage) Update(tea.Msg) (tea.Cmd, nav) { return nil, nil }
func (s *sizePage) View() string                  { return "" }
func (s *sizePage) SetSize(w, h int)              { s.sizes = append(s.sizes, [2]int{w, h}) }
func (s *sizePage) Title() string                 { return "size" }
func (s *sizePage) Help() keys.Help               { return keys.Help{} }
func (s *sizePage) Input() input                  { return noInput }

// Only the top page follows the size; a page coming back on top is given the current
// one.
func TestPageComingBackGetsTheCurrentSize(t *testing.T) {
	c := New(context.Background(), &testDesk{})
	under, over := &sizePage{}, &sizePage{}
	c.stack = []page{under, over}
	c.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if len(under.sizes) != 0 || len(over.sizes) != 1 {
		t.Fatalf("resize went to under %v, over %v", under.sizes, over.sizes)
	}
	c.apply(back{})
	if len(under.sizes) != 1 || under.sizes[0][0] != 100 {
		t.Fatalf("the page back on top was given %v", under.sizes)
	}
}

// A console built without LocalTerminal (resetdesk serve) touches no file of the
// machine it runs on: no import, no export, and it says why.
func TestServedConsoleTouchesNoFile(t *testing.T) {
	c := New(context.Background(), &testDesk{})
	u := newUsersPage(c.sh, fakeProfile(backends.Profile{Name: "p"}), &fakeBackend{})
	c.apply(push{u})
	_, cmd := c.Update(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	if u.importing || cmd == nil || !strings.Contains(cmd().(toastMsg).text, "server's") {
		t.Fatal("ctrl+o opened a file of the server")
	}
	r := runToResults(t, c.sh, []string{"alice"})
	c.apply(push{r})
	_, cmd = c.Update(press("e"))
	if r.exporting || cmd == nil || !strings.Contains(cmd().(toastMsg).text, "server") {
		t.Fatal("e exported to a file of the server")
	}
	c.Update(press("?"))
	if v := ansi.Strip(c.View().Content); strings.Contains(v, "export") {
		t.Fatalf("the help offers export:\n%s", v)
	}
}
