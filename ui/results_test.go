package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	if c, ok := cmd().(copyMsg); !ok || c.secret != "S-alice" {
		t.Fatalf("copy sent %#v", c)
	}
	if r.Unsaved() != 1 {
		t.Fatalf("unsaved after copy %d", r.Unsaved())
	}
	r.Update(press("f"))
	if r.tbl.Shown() != 1 {
		t.Fatalf("failed filter shows %d", r.tbl.Shown())
	}
	rv := navOf(r.Update(press("t"))).(push).p.(*reviewPage)
	if u := rv.req.Users(); len(u) != 1 || u[0] != "bad" {
		t.Fatalf("retry users %v", u)
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
	dr.run(c.apply(startRun{runPageOf(c.sh, p, req)}))
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
