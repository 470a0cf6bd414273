package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
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
	if err := exportFile(path, "p", "gen", r.outcomes); err != nil {
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
	if err := exportFile(path, "p", "gen", r.outcomes); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("export overwrote: %v", err)
	}
	r.Update(exportedMsg{path: path})
	if r.Unsaved() != 0 {
		t.Fatal("export did not count as saved")
	}
}
