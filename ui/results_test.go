package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
)

func TestResultsRevealCopyRetryExport(t *testing.T) {
	sh := testShared()
	r := runToResults(t, sh, []string{"alice", "bad", "carol"})
	if r.tally.OK != 2 || r.tally.Failed != 1 {
		t.Fatalf("tally %+v", r.tally)
	}
	if strings.Contains(r.View(), "S-alice") {
		t.Fatal("secret shown before reveal")
	}
	r.Update(press("r"))
	if !strings.Contains(ansi.Strip(r.View()), "S-alice") {
		t.Fatal("reveal did not show the secret")
	}
	if r.Unsaved() != 2 {
		t.Fatalf("unsaved %d", r.Unsaved())
	}
	cmd, _ := r.Update(press("c"))
	c, ok := cmd().(copyMsg)
	if !ok || c.secret != "S-alice" {
		t.Fatalf("copy sent %#v", c)
	}
	c.copied() // the console made the copy
	if r.Unsaved() != 1 {
		t.Fatalf("unsaved after copy %d", r.Unsaved())
	}
	r.Update(press("f"))
	if r.tbl.Shown() != 1 {
		t.Fatalf("failed filter shows %d", r.tbl.Shown())
	}
	retry := afterPlan(t, r, cmdOf(r.Update(press("t")))).(push)
	rv := retry.then.(*reviewPage)
	if u := rv.plan.Request.Users(); len(u) != 1 || u[0] != "bad" {
		t.Fatalf("retry users %v", u)
	}
	if m, ok := retry.p.(*modePage); !ok || len(m.users) != 1 || m.current().Name != rv.plan.Request.Mode().Name {
		t.Fatalf("under the retry's review: %#v", retry.p)
	}
	path := filepath.Join(t.TempDir(), "out.json")
	if err := exportFile(path, "p", "gen", "", r.outcomes); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("export mode %v", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"secret": "S-alice"`) {
		t.Fatalf("export lacks the secret:\n%s", b)
	}
	if err := exportFile(path, "p", "gen", "", r.outcomes); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("export overwrote: %v", err)
	}
	r.Update(exportedMsg{path: path})
	if r.Unsaved() != 0 {
		t.Fatal("export did not count as saved")
	}
}

// longSecrets is a system whose passwords are longer than the masked column.
type longSecrets struct{ fakeBackend }

func (*longSecrets) Reset(_ context.Context, t backends.Target) (backends.Result, error) {
	return backends.Result{Secret: "Ywk~+FTu,9qLmP2x-" + t.User, Message: "password set"}, nil
}

func resultsOfUsers(t *testing.T, sh *shared, be backends.Backend, users []string, spec runner.Spec) *resultsPage {
	t.Helper()
	p := fakeProfile(backends.Profile{Name: "p"})
	spec.Users = users
	if spec.Mode == "" {
		spec.Mode = "gen"
	}
	req, err := runner.NewRequest(be, p.p, spec)
	if err != nil {
		t.Fatal(err)
	}
	c := New(context.Background(), sh.desk, LocalTerminal())
	dr := newDriver(t, c, 120, 30)
	dr.run(c.apply(startRun{runPageOf(t, c.sh, p, req)}))
	return resultsOf(t, dr)
}

// Item 6: R makes every password readable whole at 120 columns, not only the cursor's.
func TestResultsRevealAllShowsWholeSecrets(t *testing.T) {
	r := resultsOfUsers(t, testShared(), &longSecrets{}, []string{"alice", "bob", "carol"}, runner.Spec{})
	r.SetSize(120, 27)
	r.Update(press("R"))
	v := ansi.Strip(r.tbl.View())
	for _, u := range []string{"alice", "bob", "carol"} {
		if !strings.Contains(v, "Ywk~+FTu,9qLmP2x-"+u) {
			t.Fatalf("%s's password is not shown whole:\n%s", u, v)
		}
	}
}

// The detail pane shows the current row's whole message, wrapped at whole words; a
// message longer than its room says so and enter shows all of it.
func TestResultsDetailShowsTheWholeMessage(t *testing.T) {
	sh := testShared()
	r := runToResults(t, sh, []string{"alice"})
	long := "the request went out and no answer came within 20s: the password may have changed; " +
		"check it in the system before you retry, and if it changed, the new password is the one shown here lastword"
	r.outcomes[0].Message = long
	r.tbl.Apply(backends.Outcome{Index: 0, Status: backends.StatusUnknown}, "S-alice", long)
	r.SetSize(60, 14)
	if v := flat(r.View()); strings.Contains(v, "lastword") || !strings.Contains(v, "enter") {
		t.Fatalf("a long message should say enter shows all:\n%s", ansi.Strip(r.View()))
	}
	r.Update(press("enter"))
	v := r.View()
	if !strings.Contains(flat(v), long) {
		t.Fatalf("enter does not show the whole message at whole words:\n%s", ansi.Strip(v))
	}
	bodyFits(t, 60, 14, v)
}

// / filters the results; while the filter is typed, q is a letter.
func TestResultsSlashFilters(t *testing.T) {
	sh := testShared()
	r := runToResults(t, sh, []string{"alice", "bad", "carol"})
	r.Update(press("/"))
	if r.Input() == noInput {
		t.Fatal("the filter field does not take the keys")
	}
	typeText(r, "no such")
	if r.tbl.Shown() != 1 {
		t.Fatalf("the filter shows %d rows", r.tbl.Shown())
	}
	r.Update(press("enter"))
	if r.Input() != noInput || r.tbl.Shown() != 1 {
		t.Fatal("enter did not keep the filter and give the keys back")
	}
}

// A second export suggests a new name, ~ is the home directory, and the ticket is in
// the file.
func TestExportSuggestsANewNameExpandsHomeAndKeepsTicket(t *testing.T) {
	home := t.TempDir()
	sh := New(context.Background(), &testDesk{getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}}).sh
	r := resultsOfUsers(t, sh, &fakeBackend{}, []string{"alice"}, runner.Spec{Options: backends.Options{Ticket: "INC-42"}})
	r.Update(press("e"))
	r.path.SetValue("~/out.csv")
	cmd, _ := r.Update(press("enter"))
	msg := cmd()
	r.Update(msg)
	b, err := os.ReadFile(filepath.Join(home, "out.csv"))
	if err != nil {
		t.Fatalf("~ not expanded: %v", err)
	}
	if !strings.Contains(string(b), "ticket") || !strings.Contains(string(b), "INC-42") {
		t.Fatalf("no ticket in the export:\n%s", b)
	}
	r.Update(press("e"))
	if v := r.path.Value(); v == "~/out.csv" || v == filepath.Join(home, "out.csv") {
		t.Fatalf("the second export suggests the file just written: %q", v)
	}
}

// links are a system's reset links, longer than any screen's secret column.
type links struct{ fakeBackend }

func (*links) Reset(_ context.Context, t backends.Target) (backends.Result, error) {
	if t.User == "bad" {
		return backends.Result{}, backends.NewError(backends.Refused, "no link for bad: the user has no mail address on file")
	}
	return backends.Result{Secret: "https://webadm.corp.example.com/webapps/pwreset/?id=4529615f40323ec1b8224cdc84de3438-" + t.User,
		Message: "link sent by MAIL; valid 48 hours"}, nil
}

// R shows every link whole at every size (under its row when the column cannot take
// it), nothing that looks like an ellipsis touches a secret, and f after R keeps the
// failure reasons their room.
func TestResultsRevealAllShowsEveryLinkWholeAtEverySize(t *testing.T) {
	for _, sz := range [][2]int{{80, 21}, {60, 13}, {120, 37}} {
		r := resultsOfUsers(t, testShared(), &links{}, []string{"bad", "alice", "bob"}, runner.Spec{Mode: "link"})
		r.SetSize(sz[0], sz[1])
		r.Update(press("R"))
		v := ansi.Strip(r.View())
		bodyFits(t, sz[0], sz[1], r.View())
		joined := strings.Join(strings.Fields(v), "")
		for _, u := range []string{"alice", "bob"} {
			link := "https://webadm.corp.example.com/webapps/pwreset/?id=4529615f40323ec1b8224cdc84de3438-" + u
			if !strings.Contains(joined, link) {
				t.Fatalf("%dx%d: %s's link is not shown whole:\n%s", sz[0], sz[1], u, v)
			}
		}
		for _, l := range strings.Split(v, "\n") {
			if i := strings.Index(l, "https://"); i >= 0 && strings.Contains(l[i:], "…") {
				t.Fatalf("%dx%d: an ellipsis on a line of a secret: %q", sz[0], sz[1], l)
			}
		}
		r.Update(press("f"))
		if v := ansi.Strip(r.tbl.View()); !strings.Contains(v, "no link for bad: the user has") {
			t.Fatalf("%dx%d: f after R squeezed the failure reason:\n%s", sz[0], sz[1], v)
		}
	}
}

// Esc on a filtered table clears the filter before it asks to leave; y is no copy key.
func TestResultsEscClearsTheFilterAndYCopiesNothing(t *testing.T) {
	r := runToResults(t, testShared(), []string{"alice", "bad", "carol"})
	if cmd, _ := r.Update(press("y")); cmd != nil || r.Unsaved() != 2 {
		t.Fatal("y copied a secret")
	}
	r.Update(press("/"))
	typeText(r, "no such")
	r.Update(press("enter"))
	r.Update(press("f"))
	if n := navOf(r.Update(press("esc"))); n != nil || r.tbl.Query() != "" || r.tbl.Shown() != 1 {
		t.Fatalf("esc on a filtered table: %#v, query %q", n, r.tbl.Query())
	}
	if n := navOf(r.Update(press("esc"))); n != nil || r.tbl.Shown() != 3 {
		t.Fatalf("esc on the failed-only table: %#v", n)
	}
	if q, ok := navOf(r.Update(press("esc"))).(ask); !ok || !strings.Contains(q.text, "Leave these results?") {
		t.Fatal("esc on the whole table did not ask to leave")
	}
}

// The retry's review sits on the retry's options: esc there changes them (SMS failures
// retried by mail), and the new review has what was chosen.
func TestRetryReviewLetsTheOptionsChange(t *testing.T) {
	sh := testShared()
	r := resultsOfUsers(t, sh, &fakeBackend{}, []string{"alice", "bad"}, runner.Spec{Mode: "link",
		Options: backends.Options{Method: "SMS", Expires: 12, Ticket: "INC-7"}})
	retry := afterPlan(t, r, cmdOf(r.Update(press("t")))).(push)
	rv := retry.then.(*reviewPage)
	if req := rv.plan.Request; req.Options().Method != "SMS" || len(req.Users()) != 1 {
		t.Fatalf("the retry's review: %+v %v", req.Options(), req.Users())
	}
	if n := navOf(rv.Update(press("y"))); n != nil {
		t.Fatal("y confirmed the retry")
	}
	m := retry.p.(*modePage)
	spec, err := m.spec()
	if err != nil || spec.Options != rv.plan.Request.Options() {
		t.Fatalf("the options under the review are not the run's: %+v %v", spec.Options, err)
	}
	m.Update(press("tab"))  // delivery
	m.Update(press("left")) // MAIL
	nrv := afterPlan(t, m, cmdOf(m.Update(press("enter")))).(push).p.(*reviewPage)
	if req := nrv.plan.Request; req.Options().Method != "MAIL" || req.Options().Expires != 12 || req.Options().Ticket != "INC-7" || req.Users()[0] != "bad" {
		t.Fatalf("the changed retry: %+v %v", req.Options(), req.Users())
	}
}

// An export name ending in ? (a ? meant for the help) is refused; the toast names the
// file by its absolute path; f1 opens the help from the prefilled field.
func TestExportRefusesAQuestionMarkAndNamesTheAbsolutePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c := New(context.Background(), &testDesk{}, LocalTerminal())
	c.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	r := runToResults(t, c.sh, []string{"alice"})
	c.apply(push{p: r})
	c.Update(press("e"))
	if !strings.Contains(ansi.Strip(c.View().Content), "f1 help") {
		t.Fatalf("the footer does not name the help key of a field with text:\n%s", ansi.Strip(c.View().Content))
	}
	c.Update(tea.KeyPressMsg{Code: tea.KeyF1})
	if !c.helpOpen {
		t.Fatal("f1 did not open the help from the export field")
	}
	c.Update(press("esc"))
	c.Update(press("?"))
	if c.helpOpen || !strings.HasSuffix(r.path.Value(), "?") {
		t.Fatal("? in a field with text is text")
	}
	typed := strings.TrimSuffix(r.path.Value(), "?")
	_, cmd := c.Update(press("enter"))
	if got := msgsOf[exportedMsg](cmd); len(got) != 0 {
		t.Fatalf("a name ending in ? went to be written: %+v", got)
	}
	// Nothing is lost: the field stays open with the name, the ? gone, and says why.
	if !r.exporting || r.path.Value() != typed || !strings.Contains(badToasts(cmd), "ended in ?") {
		t.Fatalf("after a name ending in ?: exporting %v, field %q, said %q", r.exporting, r.path.Value(), badToasts(cmd))
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("a file was written: %v", files)
	}
	r.path.SetValue("out.csv")
	_, cmd = c.Update(press("enter"))
	for _, m := range msgsOf[exportedMsg](cmd) {
		if m.err != "" || m.path != filepath.Join(dir, "out.csv") {
			t.Fatalf("export: %+v, want the absolute path %s", m, filepath.Join(dir, "out.csv"))
		}
	}
}

// A narrowed or reordered table says so, with the key that undoes it: f showing only
// the users not ok must not read as the whole run.
func TestResultsSayWhenTheTableIsNarrowedOrSorted(t *testing.T) {
	r := runToResults(t, testShared(), []string{"alice", "bad", "carol"})
	if v := ansi.Strip(r.View()); strings.Contains(v, "f shows all") || strings.Contains(v, "sorted by status") {
		t.Fatalf("the whole table says it is narrowed:\n%s", v)
	}
	r.Update(press("f"))
	r.Update(press("s"))
	v := ansi.Strip(r.View())
	if !strings.Contains(v, "only the users not ok, of 3 — f shows all") || !strings.Contains(v, "sorted by status — s: in order") {
		t.Fatalf("a narrowed, sorted table does not say so:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > 21 {
		t.Fatalf("the page takes %d lines of 21:\n%s", n, v)
	}
}

// The spinner of a retry being planned turns until its review shows.
func TestResultsRetrySpinnerTurns(t *testing.T) {
	r := runToResults(t, testShared(), []string{"alice", "bad"})
	cmd, _ := r.Update(press("t"))
	ticks := msgsOf[spinner.TickMsg](cmd)
	if len(ticks) != 1 || !r.retrying.running() {
		t.Fatalf("the retry's spinner did not start: %d ticks", len(ticks))
	}
	next, _ := r.Update(ticks[0])
	if len(msgsOf[spinner.TickMsg](next)) != 1 {
		t.Fatal("the retry's spinner stopped after its first frame")
	}
}
