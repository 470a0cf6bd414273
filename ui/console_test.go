package ui

import (
	"context"
	"image/color"
	"strings"
	"testing"
	"time"

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
	c.Update(copyMsg{secret: "S-alice", what: "x"})
	if c.question == nil || !strings.Contains(c.question.text, "tmux delete-buffer") {
		t.Fatal("a served console in tmux copied without saying that tmux keeps the copy")
	}
	_, cmd := c.Update(press("y"))
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
	c.Update(quitMsg{force: true})
	if !c.quitting {
		t.Fatal("forced quit did not quit")
	}
}

// A copy cancelled at tmux's question was not made: the secret still counts as not
// copied, and q still asks before it goes (n at the question, then q, quit at once).
func TestACancelledCopyLeavesTheSecretUnsaved(t *testing.T) {
	c := New(context.Background(), &testDesk{getenv: func(k string) string {
		if k == "TERM" {
			return "tmux-256color"
		}
		return ""
	}})
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	r := runToResults(t, c.sh, []string{"alice"})
	c.apply(push{p: r})
	_, cmd := c.Update(press("c"))
	copies := msgsOf[copyMsg](cmd)
	if len(copies) != 1 {
		t.Fatalf("c asked for %d copies", len(copies))
	}
	c.Update(copies[0])
	if c.question == nil || !strings.Contains(c.question.text, "tmux delete-buffer") {
		t.Fatal("no question before the first copy inside tmux")
	}
	c.Update(press("n"))
	if c.clipHeld || r.Unsaved() != 1 {
		t.Fatalf("a cancelled copy: clipboard held %v, unsaved %d", c.clipHeld, r.Unsaved())
	}
	c.now = func() time.Time { return time.Now().Add(2 * answerGrace) } // q is not the late answer of n
	c.Update(press("q"))
	if c.quitting || c.question == nil || !strings.Contains(c.question.text, "not copied or exported yet") {
		t.Fatal("q quit with a secret whose copy was cancelled")
	}
	c.Update(press("n"))
	c.Update(copies[0]) // the question is said once: this one copies
	if !c.clipHeld || r.Unsaved() != 0 {
		t.Fatalf("a copy made: clipboard held %v, unsaved %d", c.clipHeld, r.Unsaved())
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
	c.apply(push{p: u})
	_, cmd := c.Update(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	if u.importing || cmd == nil || !strings.Contains(cmd().(toastMsg).text, "server's") {
		t.Fatal("ctrl+o opened a file of the server")
	}
	r := runToResults(t, c.sh, []string{"alice"})
	c.apply(push{p: r})
	_, cmd = c.Update(press("e"))
	if r.exporting || cmd == nil || !strings.Contains(cmd().(toastMsg).text, "server") {
		t.Fatal("e exported to a file of the server")
	}
	c.Update(press("?"))
	if v := ansi.Strip(c.View().Content); strings.Contains(v, "export") {
		t.Fatalf("the help offers export:\n%s", v)
	}
}

// An answer key typed a moment after its question closed does nothing on a page with no
// text field: a late y meant for "Leave these results?" must not act on the page below.
func TestAnswerKeyAfterItsQuestionClosedDoesNothing(t *testing.T) {
	c := New(context.Background(), &testDesk{}, LocalTerminal())
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	r := runToResults(t, c.sh, []string{"alice", "bob"})
	c.apply(push{p: r})
	c.apply(ask{text: "Stop?", yes: func() (tea.Cmd, nav) { return nil, nil }})
	c.Update(press("y")) // answers
	if c.question != nil {
		t.Fatal("y did not answer the question")
	}
	c.Update(press("n")) // meant for the question, a moment late
	if _, ok := c.top().(*resultsPage); !ok {
		t.Fatalf("a late n acted on the results: %T on top", c.top())
	}
	now = now.Add(2 * answerGrace)
	c.Update(press("n"))
	if _, ok := c.top().(*usersPage); !ok {
		t.Fatalf("n, typed well after the question, is the page's own key again: %T on top", c.top())
	}
}

// togglePage is a page whose every key toasts; what the test needs of a page.
type togglePage struct{ sizePage }

func (p *togglePage) Update(msg tea.Msg) (tea.Cmd, nav) {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		return toast("said by the page"), nil
	}
	return nil, nil
}

// A toast belongs to the page that made it: leaving the page takes it away, a toast
// arriving for a page no longer on top is not shown, and the page can take back what it
// said once it is no longer true.
func TestToastBelongsToItsPage(t *testing.T) {
	c := New(context.Background(), &testDesk{})
	d := newDriver(t, c, 80, 24)
	a, b := &togglePage{}, &togglePage{}
	c.stack = []page{a}
	_, cmd := c.Update(press("x"))
	msg := cmd()
	c.Update(msg)
	if c.toast != "said by the page" {
		t.Fatalf("the page's toast is not shown: %q", c.toast)
	}
	d.run(c.apply(push{p: b}))
	if c.toast != "" {
		t.Fatalf("the toast outlived its page: %q", c.toast)
	}
	c.apply(back{})
	c.Update(msg) // a's command answers late, after a was covered and uncovered: a is on top
	c.apply(push{p: b})
	c.Update(msg) // now b is on top: a's toast is not b's
	if c.toast != "" {
		t.Fatalf("a toast of a covered page was shown: %q", c.toast)
	}
	c.apply(back{})
	c.Update(msg)
	c.Update(own(untoast(), a)())
	if c.toast != "" {
		t.Fatal("the page could not take back its toast")
	}
}

// Served consoles name the technician in the header, as the history does.
func TestServedHeaderNamesTheTechnician(t *testing.T) {
	c := New(context.Background(), &testDesk{technician: "alice"})
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if head := ansi.Strip(strings.Split(c.View().Content, "\n")[0]); !strings.Contains(head, "technician alice") {
		t.Fatalf("header: %q", head)
	}
	c.Update(tea.WindowSizeMsg{Width: 40, Height: 24})
	if head := ansi.Strip(strings.Split(c.View().Content, "\n")[0]); !strings.Contains(head, "alice") || ansi.StringWidth(head) > 40 {
		t.Fatalf("header at 40: %q", head)
	}
}

// The desk's notices (a journal key file created) never write under the console: while
// it runs they become a toast and a line of the history page; before, they go to the
// fallback.
func TestNoticesBecomeToastsAndHistoryLines(t *testing.T) {
	var printed []string
	n := NewNotices(func(s string) { printed = append(printed, s) })
	n.Notice("before the console")
	c := New(context.Background(), &testDesk{}, LocalTerminal(), WithNotices(n))
	var sent []tea.Msg
	n.attach(func(m tea.Msg) { sent = append(sent, m) })
	n.Notice("created the journal key /home/t/.local/state/resetdesk/journal.key (0600)")
	if len(printed) != 1 || len(sent) != 1 {
		t.Fatalf("printed %q, sent %d", printed, len(sent))
	}
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	c.Update(sent[0])
	if !strings.Contains(flat(c.View().Content), "created the journal key") {
		t.Fatalf("no toast:\n%s", ansi.Strip(c.View().Content))
	}
	h := sized(newHistoryPage(c.sh), 80, 20)
	if v := flat(h.View()); !strings.Contains(v, "notice") || !strings.Contains(v, "journal.key (0600)") {
		t.Fatalf("the history page does not show the notice:\n%s", ansi.Strip(h.View()))
	}
}

// Tmux is found the same way locally and served: $TMUX, or a TERM of tmux or screen
// (sudo, su and env -i drop $TMUX). Where the console cannot delete the paste buffers
// a copy leaves, it says so once, before the first copy.
func TestTmuxFoundByTermAndTheBuffersNoteSaidOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		local bool
		env   map[string]string
		note  bool
	}{
		{"local with TMUX", true, map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"}, false},
		{"local under sudo", true, map[string]string{"TERM": "tmux-256color"}, true},
		{"served", false, map[string]string{"TERM": "screen-256color"}, true},
		{"served, not tmux", false, map[string]string{"TERM": "xterm-256color"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var opts []Option
			if c.local {
				opts = append(opts, LocalTerminal())
			}
			con := New(context.Background(), &testDesk{getenv: func(k string) string { return c.env[k] }}, opts...)
			tmux := c.env["TERM"] != "xterm-256color"
			if got := len(clipboardCmds(con.sh, "S")); (got == 2) != tmux {
				t.Fatalf("%d clipboard commands (DCS-wrapped for tmux: %v)", got, tmux)
			}
			con.Update(copyMsg{secret: "S", what: "x"})
			asked := con.question != nil && strings.Contains(con.question.text, "tmux delete-buffer")
			if asked != c.note {
				t.Fatalf("note before the copy: %v, want %v", asked, c.note)
			}
			if asked {
				con.Update(press("y"))
			}
			if !con.clipHeld {
				t.Fatal("not copied")
			}
			con.Update(copyMsg{secret: "T", what: "y"})
			if con.question != nil {
				t.Fatal("the note was said twice")
			}
		})
	}
}

// Esc on the results of a run goes back to where the run was started (the profiles),
// never to the table of the run before it; the runs page reaches every run of the
// session on purpose, and quitting still counts the secrets of all of them.
func TestEscOnResultsNeverShowsAnotherRunsTable(t *testing.T) {
	c := New(context.Background(), &testDesk{}, LocalTerminal())
	first := runToResults(t, c.sh, []string{"alice"})
	c.apply(startRun{first})
	c.apply(push{p: newUsersPage(c.sh, first.profile, first.be)}) // n: a new run
	second := runToResults(t, c.sh, []string{"bob"})
	c.apply(startRun{second})
	if len(c.stack) != 2 || c.stack[1] != second {
		t.Fatalf("stack under the second run: %d pages", len(c.stack))
	}
	c.Update(press("esc"))
	c.Update(press("y")) // leave although its secret is not saved
	if _, ok := c.top().(*profilesPage); !ok {
		t.Fatalf("esc on the second run's results went to %T", c.top())
	}
	c.closedAt = time.Time{}
	c.Update(press("l"))
	rp, ok := c.top().(*runsPage)
	if !ok || !strings.Contains(rp.View(), "2 runs") {
		t.Fatalf("l on the profiles: %T", c.top())
	}
	c.Update(press("down"))
	c.Update(press("enter"))
	if c.top() != first {
		t.Fatalf("the older run's results did not open: %T", c.top())
	}
	if n := c.unsaved(); n != 2 {
		t.Fatalf("quit would count %d unsaved secrets, want 2", n)
	}
}

// A long question keeps its end (the keys that answer it) at 60×16: the page gives it
// the room; a long toast ends in " …" rather than a line cut off unsaid.
func TestLongQuestionKeepsItsAnswerKeysAt60x16(t *testing.T) {
	c := New(context.Background(), &testDesk{})
	c.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	c.apply(ask{text: "The first 8 answers all failed: refused by the service (reason in the server's event log). " +
		"12 answered · 0 in flight (they finish either way) · 28 not sent yet. Send the 28 not sent yet?", hint: "y/n · ctrl+c aborts"})
	lines := strings.Split(ansi.Strip(c.View().Content), "\n")
	if len(lines) != 16 || !strings.Contains(strings.Join(lines, " "), "ctrl+c aborts)") {
		t.Fatalf("%d lines; the question's answer keys are cut:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	c.Update(press("n"))
	c.Update(toastMsg{text: strings.Repeat("created the journal key somewhere long ", 8)})
	v := flat(c.View().Content)
	if !strings.Contains(v, " …") {
		t.Fatalf("a cut toast does not say so:\n%s", ansi.Strip(c.View().Content))
	}
}

// The theme reaches every page that keeps styled rows when the terminal tells its
// background — the results of a run not on screen too — and View only draws.
func TestTerminalBackgroundReachesPagesNotOnScreen(t *testing.T) {
	c := New(context.Background(), &testDesk{}, LocalTerminal())
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	res := runToResults(t, c.sh, []string{"alice", "bad"})
	before := res.View()
	if again := res.View(); again != before {
		t.Fatal("drawing twice drew two screens")
	}
	c.Update(tea.BackgroundColorMsg{Color: color.White}) // a light terminal
	if res.View() == before {
		t.Fatal("the results kept the dark theme's rows")
	}
}
