package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/store/history"
)

// pageCase is a console with one page on top, in a state worth drawing; keep is what
// must stay on screen at every size: its question, its field, what the keys act on.
type pageCase struct {
	name string
	make func(t *testing.T, c *Console) page
	keep []string
}

// everyPage is every page of the console in its usual states, with long and wide
// texts where a technician meets them.
func everyPage() []pageCase {
	webadm := backends.Profile{Name: "corp-webadm", Kind: "webadm", Username: "CORP\\administrator", URL: "https://webadm.corp.example.com"}
	return []pageCase{
		{"profiles", func(t *testing.T, c *Console) page { return c.stack[0] }, []string{"1 demo-admanager"}},
		{"users", func(t *testing.T, c *Console) page {
			u := newUsersPage(c.sh, newProfile(webadm), &fakeBackend{})
			u.Init()
			u.input.SetValue("smith")
			u.seq = 1
			var hits []backends.User
			for i := range 30 {
				hits = append(hits, backends.User{ID: fmt.Sprintf("smith%02d", i), Name: "山田太郎 Smith", Detail: "sales@corp.example.com"})
			}
			u.Update(searchResultMsg{seq: 1, hits: newHits(hits)})
			u.Update(tea.PasteMsg{Content: "administrator\nalice\nbob\nbad\x01line\n"})
			return u
		}, []string{"search: smith", "smith00", "selected: 3"}},
		{"users pane", func(t *testing.T, c *Console) page {
			u := newUsersPage(c.sh, newProfile(webadm), &fakeBackend{})
			u.Update(tea.PasteMsg{Content: strings.Join(userIDs(60), "\n") + "\nadministrator\n"})
			u.Update(press("tab"))
			return u
		}, nil},
		{"users import", func(t *testing.T, c *Console) page {
			u := newUsersPage(c.sh, newProfile(webadm), &fakeBackend{})
			u.Update(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
			return u
		}, []string{"import file:"}},
		{"mode", func(t *testing.T, c *Console) page {
			return newModePage(c.sh, newProfile(webadm), []string{"alice"}, nil)
		}, nil},
		{"mode password", func(t *testing.T, c *Console) page {
			m := newModePage(c.sh, newProfile(webadm), []string{"alice"}, nil)
			m.Update(press("down"))
			m.Update(press("tab"))
			m.Update(press("tab"))
			typeText(m, "abcdefghij")
			return m
		}, nil},
		{"review", func(t *testing.T, c *Console) page {
			p := newProfile(backends.Profile{Name: "corp-ad", Kind: "fake", URL: "http://adm.corp.example.com", DailyQuota: 50})
			req, err := runner.NewRequest(&fakeBackend{}, p.p, runner.Spec{Mode: "gen", Users: userIDs(12),
				Options: backends.Options{Ticket: "INC-2026-000123 requested by the service desk manager"}})
			if err != nil {
				t.Fatal(err)
			}
			plan := planOf(t, c.sh, req)
			plan.Quota.Left = 5 // today's quota, mostly spent
			return newReviewPage(c.sh, p, plan)
		}, nil},
		{"review large", func(t *testing.T, c *Console) page {
			p := fakeProfile(backends.Profile{Name: "lab", URL: "http://adm.corp.example.com"})
			req, err := runner.NewRequest(&fakeBackend{}, p.p, runner.Spec{Mode: "link", Users: userIDs(240),
				Options: backends.Options{Method: "MAIL", Expires: 48, Ticket: "INC-2026-000123"}})
			if err != nil {
				t.Fatal(err)
			}
			r := newReviewPage(c.sh, p, planOf(t, c.sh, req))
			r.Init()
			typeText(r, "24")
			return r
		}, []string{"Type 240 and press enter", "count: 24", "esc goes back"}},
		{"mode ticket", func(t *testing.T, c *Console) page {
			m := newModePage(c.sh, newProfile(webadm), []string{"alice"}, nil)
			m.Update(press("down")) // set: the password field too
			for range len(m.fields) {
				m.Update(press("tab"))
			}
			typeText(m, "INC-jk")
			return m
		}, []string{"> Ticket reference", "INC-jk"}},
		{"run", func(t *testing.T, c *Console) page {
			p := fakeProfile(backends.Profile{Name: "lab"})
			rp := runPageOf(t, c.sh, p, fakeRequest(t, &fakeBackend{}, p, userIDs(240)))
			rp.info.State, rp.started = desk.StateRunning, time.Now().Add(-10*time.Second)
			var outs []backends.Outcome
			for i := range 100 {
				outs = append(outs, backends.Outcome{Index: i, User: userIDs(240)[i], Status: backends.StatusFailed,
					Message: "the request went out and no answer came: the password may have changed"})
			}
			for i := 100; i < 102; i++ {
				outs = append(outs, backends.Outcome{Index: i, User: userIDs(240)[i], Status: backends.StatusRunning})
			}
			rp.apply(outs)
			return rp
		}, nil},
		{"run waiting for approval", func(t *testing.T, c *Console) page {
			p := fakeProfile(backends.Profile{Name: "lab"})
			rp := runPageOf(t, c.sh, p, fakeRequest(t, &fakeBackend{}, p, userIDs(240)))
			rp.info = desk.Info{State: desk.StateWaiting, Users: make([]desk.User, 240), Approval: &desk.Approval{
				Why: "240 users, more than approval_over = 20; svc-backup, svc-print, adm-lab and 3 more: approve = [\"svc-*\" \"adm-*\"]", Expires: time.Now()}}
			return rp
		}, []string{"withdraws the request", "esc leaves it waiting"}},
		{"approvals", func(t *testing.T, c *Console) page {
			p := fakeProfile(backends.Profile{Name: "corp-ad", URL: "http://adm.corp.example.com", DailyQuota: 50})
			users := make([]desk.User, 140)
			for i := range users {
				users[i] = desk.User{ID: userIDs(140)[i], Name: "Person Number " + fmt.Sprint(i)}
			}
			c.sh.pending = []desk.ApprovalRequest{{ID: 7, By: "alice-with-a-long-name", Requested: time.Now(), Expires: time.Now().Add(time.Hour),
				Profile: "corp-ad", Kind: "fake", Mode: "gen", Users: users, Why: "140 users, more than approval_over = 20",
				Options: backends.Options{Ticket: "INC-2026-000123 requested by the service desk manager"}}}
			a := newApprovalsPage(c.sh)
			plan := planOf(t, c.sh, fakeRequest(t, &fakeBackend{}, p, userIDs(140)))
			a.Update(requestPlanMsg{id: 7, plan: plan})
			typeText(a, "14")
			return a
		}, []string{"Type 140 and press enter to approve", "count: 14"}},
		{"results", func(t *testing.T, c *Console) page {
			r := runToResults(t, c.sh, append([]string{"bad"}, userIDs(40)...))
			r.Update(press("R"))
			return r
		}, nil},
		{"results export", func(t *testing.T, c *Console) page {
			r := runToResults(t, c.sh, userIDs(5))
			r.Update(press("e"))
			return r
		}, []string{"export to: resetdesk-p-"}},
		{"recover", func(t *testing.T, c *Console) page {
			r := newRecoverPage(c.sh)
			rows := recoverRows(30)
			rows[0].status = "sent, no answer recorded: may be set"
			r.Update(recoverLoadedMsg{entries: rows, note: "purged 3 journal file(s) older than 24h0m0s"})
			return r
		}, nil},
		{"history", func(t *testing.T, c *Console) page {
			h := newHistoryPage(c.sh)
			run := &history.Run{ID: 1, RunInfo: history.RunInfo{OSUser: "technician", Started: time.Now(), Profile: "corp-admanager-production",
				Kind: "admanager", Mode: "generate", Ticket: "INC-2026-000123", Total: 30}, Finished: time.Now(), Tally: backends.Tally{OK: 30}}
			var outs []history.Outcome
			for i := range 30 {
				outs = append(outs, history.Outcome{Run: run, User: "山田太郎" + fmt.Sprint(i), Status: "ok", Message: "password changed by the server's policy and delivered by ADManager's notifications"})
			}
			h.Update(historyLoadedMsg{lines: buildHistLines([]*history.Run{run}, outs)})
			return h
		}, nil},
		{"credentials", func(t *testing.T, c *Console) page {
			cp := newCredsPage(c.sh, newProfile(webadm))
			c.sh.secrets[webadm.Name] = "unknown: no Secret Service (OS keyring) is reachable: set secret_store = \"file\" in the config"
			return cp
		}, nil},
		{"review caller required", func(t *testing.T, c *Console) page {
			p := fakeProfile(backends.Profile{Name: "corp-webadm", Verify: backends.VerifyRequired})
			r := newReviewPage(c.sh, p, planOf(t, c.sh, fakeRequest(t, &fakeBackend{}, p, []string{"bdoe"})))
			pl := *r.plan
			pl.Caller = desk.Verification{Policy: backends.VerifyRequired, Unverified: []string{"bdoe"}}
			r.Update(callerMsg{r: r, plan: &pl})
			return r
		}, []string{"v verify", "Cannot reset yet"}},
		{"verify ways", func(t *testing.T, c *Console) page {
			return verifyPageAt(t, c, stageWays)
		}, []string{"> mail to", "call back +33612340001"}},
		{"verify code", func(t *testing.T, c *Console) page {
			return verifyPageAt(t, c, stageCode)
		}, []string{"carries 482913", "Ask the caller to read the code back", "code:", "1 try left"}},
		{"verify callback", func(t *testing.T, c *Console) page {
			return verifyPageAt(t, c, stageCallback)
		}, []string{"+33612340001", "Type yes and press enter", "reached them?"}},
		{"verify lookup failed", func(t *testing.T, c *Console) page {
			v := newVerifyPage(c.sh, newProfile(webadm), "bdoe", "")
			v.Update(callerFoundMsg{pg: v, gen: v.gen, err: "cannot verify bdoe: " + longErr})
			return v
		}, []string{"ctrl+r looks bdoe up again"}},
		{"credentials entering", func(t *testing.T, c *Console) page {
			cp := newCredsPage(c.sh, newProfile(webadm))
			cp.Update(storeReachedMsg{}) // s, once the store answered
			return cp
		}, []string{"password:", "enter stores"}},
	}
}

// pageNamed is the case of everyPage named name.
func pageNamed(name string) pageCase {
	for _, pc := range everyPage() {
		if pc.name == name {
			return pc
		}
	}
	panic("no page case " + name)
}

// consoleWith is a console at w×h whose top page is pc's.
func consoleWith(t *testing.T, pc pageCase, w, h int, noColor bool) *Console {
	t.Helper()
	d := &testDesk{profiles: []backends.Profile{
		{Name: "demo-admanager", Kind: "admanager", URL: "http://127.0.0.1:39423", DailyQuota: 150},
		{Name: "corp-webadm-production-cluster", Kind: "webadm", URL: "https://webadm.corp.example.com/very/long/path/to/the/manager/endpoint"},
		{Name: "odin", Kind: "odin", URL: "https://odin.example.com/api/v2", InsecureSkipVerify: true},
	}, getenv: func(k string) string {
		if k == "NO_COLOR" && noColor {
			return "1"
		}
		return ""
	}}
	c := New(context.Background(), d, LocalTerminal())
	c.sh.quota["demo-admanager"] = 150
	c.sh.secrets["corp-webadm-production-cluster"] = "encrypted file (/home/technician/.local/share/resetdesk/secrets.age)"
	c.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if p := pc.make(t, c); p != c.stack[0] {
		c.stack = append(c.stack, p)
	}
	c.layout()
	return c
}

var sizes = [][2]int{{80, 24}, {120, 40}, {60, 16}}

// Nothing is typed blind: at every size, with a toast of three lines on the status
// line, every page keeps its question, its field and the way out in sight (the list
// scrolls or compresses, never the prompt).
func TestEveryPageKeepsItsQuestionAndFieldInSight(t *testing.T) {
	long := "added 240 pasted users; 3 lines were skipped: line 12 is not an id, line 40 holds a control character, line 77 is empty"
	for _, pc := range everyPage() {
		for _, sz := range sizes {
			c := consoleWith(t, pc, sz[0], sz[1], true)
			c.Update(toastMsg{text: long})
			v := c.View().Content
			lines := strings.Split(v, "\n")
			if len(lines) != sz[1] {
				t.Fatalf("%s %dx%d: %d lines", pc.name, sz[0], sz[1], len(lines))
			}
			screen := ansi.Strip(v)
			for _, k := range pc.keep {
				if !strings.Contains(screen, k) {
					t.Fatalf("%s %dx%d: %q is out of sight:\n%s", pc.name, sz[0], sz[1], k, screen)
				}
			}
			if last := ansi.Strip(lines[len(lines)-1]); !strings.HasSuffix(last, "quit") && !strings.HasSuffix(last, "stop the run") {
				t.Fatalf("%s %dx%d: the way out is not on the last line: %q", pc.name, sz[0], sz[1], last)
			}
			if !strings.Contains(flat(screen), "line 77 is empty") {
				t.Fatalf("%s %dx%d: the toast is cut:\n%s", pc.name, sz[0], sz[1], screen)
			}
		}
	}
}

// Every page at 80×24, 120×40 and 60×16, with and without NO_COLOR: the screen has its
// height, no line is wider than it, and the help line ends with the way out.
func TestEveryPageFitsEverySize(t *testing.T) {
	for _, pc := range everyPage() {
		for _, sz := range sizes {
			for _, noColor := range []bool{false, true} {
				c := consoleWith(t, pc, sz[0], sz[1], noColor)
				for _, helpOpen := range []bool{false, true} {
					name := fmt.Sprintf("%s %dx%d nocolor=%v help=%v", pc.name, sz[0], sz[1], noColor, helpOpen)
					if helpOpen {
						c.Update(press("?"))
						if !c.helpOpen && c.top().Input() != textInput {
							t.Fatalf("%s: ? did not open the help", name)
						}
					}
					v := c.View().Content
					lines := strings.Split(v, "\n")
					if len(lines) != sz[1] {
						t.Fatalf("%s: %d lines:\n%s", name, len(lines), ansi.Strip(v))
					}
					for _, l := range lines {
						if ansi.StringWidth(l) > sz[0] {
							t.Fatalf("%s: a line of %d cells:\n%s", name, ansi.StringWidth(l), ansi.Strip(v))
						}
					}
					last := ansi.Strip(lines[len(lines)-1])
					if !helpOpen && !strings.HasSuffix(last, "quit") && !strings.HasSuffix(last, "stop the run") {
						t.Fatalf("%s: the help line hides the way out: %q", name, last)
					}
					if helpOpen && c.helpOpen && !strings.Contains(ansi.Strip(v), "quit") && !strings.Contains(ansi.Strip(v), "stop the run") {
						t.Fatalf("%s: the open help hides the way out:\n%s", name, ansi.Strip(v))
					}
					if noColor && strings.Contains(v, "\x1b[38;") {
						t.Fatalf("%s: a color under NO_COLOR", name)
					}
				}
			}
		}
	}
}

// ? shows the whole key map of every page, scrolled when it does not fit; on a page
// whose field is empty too.
func TestHelpShowsTheWholeKeyMapOfEveryPage(t *testing.T) {
	for _, pc := range everyPage() {
		for _, sz := range sizes {
			c := consoleWith(t, pc, sz[0], sz[1], true)
			if c.top().Input() == textInput {
				continue // ? is typed there; the field is left first (another test)
			}
			c.Update(press("?"))
			seen := ansi.Strip(c.View().Content)
			for range 30 {
				c.Update(press("j"))
				seen += ansi.Strip(c.View().Content)
			}
			for _, g := range c.top().Help().Groups {
				for _, b := range g {
					h := b.Help()
					if h.Key == "" || !b.Enabled() {
						continue
					}
					if !strings.Contains(seen, h.Key) || !strings.Contains(seen, h.Desc) {
						t.Fatalf("%s %dx%d: %q %q not in the help:\n%s", pc.name, sz[0], sz[1], h.Key, h.Desc, ansi.Strip(c.View().Content))
					}
				}
			}
			c.Update(press("esc"))
			if c.helpOpen {
				t.Fatalf("%s: esc did not close the help", pc.name)
			}
		}
	}
}

// ? on the users and history pages opens the help while their field is empty, and is
// typed when it holds text; tab leaves the field, after which ? helps again.
func TestHelpOnPagesWithATextField(t *testing.T) {
	c := consoleWith(t, pageCase{"users", func(t *testing.T, c *Console) page {
		u := newUsersPage(c.sh, fakeProfile(backends.Profile{Name: "p"}), &fakeBackend{})
		u.Init()
		return u
	}, nil}, 80, 24, false)
	c.Update(press("?"))
	if !c.helpOpen {
		t.Fatal("? on an empty search did not open the help")
	}
	c.Update(press("?"))
	u := c.top().(*usersPage)
	typeText(u, "ab")
	c.Update(press("?"))
	if c.helpOpen || u.input.Value() != "ab?" {
		t.Fatalf("? with text: help %v, field %q", c.helpOpen, u.input.Value())
	}
	c.Update(tea.PasteMsg{Content: "a\nb\n"})
	c.Update(press("tab"))
	c.Update(press("?"))
	if !c.helpOpen {
		t.Fatal("? after tab did not open the help")
	}
	if v := ansi.Strip(c.View().Content); !strings.Contains(v, "remove every refused id") {
		t.Fatalf("the pane's help:\n%s", v)
	}
}

// The results help names s, R and / (they were on no screen).
func TestResultsHelpNamesEveryKey(t *testing.T) {
	c := consoleWith(t, pageNamed("results"), 80, 24, true)
	c.Update(press("?"))
	v := ansi.Strip(c.View().Content)
	for _, want := range []string{"s sort by status", "R reveal all", "/     filter", "enter whole row"} {
		if !strings.Contains(strings.Join(strings.Fields(v), " "), strings.Join(strings.Fields(want), " ")) {
			t.Fatalf("%q not in the results help:\n%s", want, v)
		}
	}
}

// The header always shows the profile, its transport, its quota left and the
// clipboard's countdown, down to 60 columns.
func TestHeaderShowsProfileTransportQuotaAndClipboard(t *testing.T) {
	for _, w := range []int{120, 80, 60} {
		c := consoleWith(t, pageCase{"users", func(t *testing.T, c *Console) page {
			return newUsersPage(c.sh, c.sh.profiles[0], &fakeBackend{})
		}, nil}, w, 24, true)
		now := time.Now()
		c.now = func() time.Time { return now }
		c.Update(copyMsg{secret: "s", what: "x"})
		now = now.Add(7 * time.Second)
		head := ansi.Strip(strings.Split(c.View().Content, "\n")[0])
		for _, want := range []string{"demo-admanager", "local http", "quota 150", "clip"} {
			if !strings.Contains(head, want) {
				t.Fatalf("%d columns: %q not in the header %q", w, want, head)
			}
		}
		if !strings.Contains(head, "clipboard clears in 23s") && !strings.Contains(head, "clip 23s") {
			t.Fatalf("%d columns: no countdown in the header %q", w, head)
		}
	}
}

// j/k, g/G, the page keys and the wheel move every list the same way.
func TestEveryListMovesWithTheSameKeys(t *testing.T) {
	cursor := map[string]func(p page) int{
		"users pane":   func(p page) int { return p.(*usersPage).pane.Cursor() },
		"review large": func(p page) int { return p.(*reviewPage).list.Cursor() },
		"run":          func(p page) int { i, _ := p.(*runPage).tbl.Current(); return i },
		"results":      func(p page) int { i, _ := p.(*resultsPage).tbl.Current(); return i },
		"recover":      func(p page) int { return p.(*recoverPage).list.Cursor() },
		"history":      func(p page) int { return p.(*historyPage).list.Cursor() },
	}
	for _, pc := range everyPage() {
		at, ok := cursor[pc.name]
		if !ok {
			continue
		}
		c := consoleWith(t, pc, 80, 24, true)
		if pc.name == "history" {
			c.Update(press("tab"))
		}
		keys := []string{"j", "k", "down", "G", "g"}
		if pc.name == "review large" {
			keys = []string{"down", "down", "up", "pgdown", "pgup"} // the count field takes the letters
		}
		p := c.top()
		start := at(p)
		c.Update(press(keys[0]))
		if at(p) == start {
			t.Fatalf("%s: %s did not move", pc.name, keys[0])
		}
		c.Update(press(keys[1]))
		c.Update(press(keys[2]))
		c.Update(press(keys[3]))
		far := at(p)
		c.Update(press(keys[4]))
		if at(p) >= far {
			t.Fatalf("%s: %s/%s do not move between the ends (%d, %d)", pc.name, keys[3], keys[4], far, at(p))
		}
		c.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		if at(p) == start && pc.name != "run" {
			t.Fatalf("%s: the wheel did not move", pc.name)
		}
	}
}

// Each page says what enter does there — open, choose the mode, review, reset now — at
// every size down to 60 columns: the way on is the last key a short footer may drop.
func TestHelpNamesWhatEnterDoes(t *testing.T) {
	want := map[string]string{"profiles": "enter open", "users": "enter choose the mode", "mode": "enter review", "review": "enter reset now"}
	for _, pc := range everyPage() {
		w, ok := want[pc.name]
		if !ok {
			continue
		}
		for _, width := range []int{120, 80, 60} {
			c := consoleWith(t, pc, width, 24, true)
			if v := ansi.Strip(c.View().Content); !strings.Contains(v, w) || strings.Contains(v, "enter next") {
				t.Fatalf("%s at %d columns: %q not in the help line:\n%s", pc.name, width, w, v)
			}
		}
	}
}

// verifyPageAt is a verification page at stage, with the longest texts a technician
// meets there: a long ticket and domain, the demo's line, a wrong code said.
func verifyPageAt(t *testing.T, c *Console, stage verifyStage) *verifyPage {
	t.Helper()
	p := newProfile(backends.Profile{Name: "corp-webadm-production-cluster", Kind: "webadm", Verify: backends.VerifyRequired})
	v := newVerifyPage(c.sh, p, "bdoe", "INC-2026-000123 password reset requested by the manager")
	f := newFakeCallers()
	f.options[0].Shown = "b•••@headquarters.corp.example.com"
	f.code, f.demo = "482913", true
	caller, _ := f.caller(p.p, "bdoe")
	v.Update(callerFoundMsg{pg: v, gen: v.gen, caller: caller})
	switch stage {
	case stageCode:
		sent, _ := f.send(caller, backends.VerifyMail, "")
		v.gen++
		v.Update(codeSentMsg{pg: v, gen: v.gen, sent: sent, at: time.Now()})
		v.gen++
		v.Update(codeCheckedMsg{pg: v, gen: v.gen, check: verify.Check{Outcome: verify.Wrong, Left: 1}})
	case stageCallback:
		v.Update(press("down"))
		v.Update(press("enter"))
	}
	return v
}
