package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/report"
)

// Issue 18's repro: three spellings of one AD account were three resets with three
// printed passwords, of which only the last worked. Now the account is reset once, the
// other lines say whose reset they share, and every line names the person.
func TestRunResetsEachAccountOnce(t *testing.T) {
	srv := admanagertest.New(60) // jdoe is Jamal Doe
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	text := fmt.Sprintf("secret_store = \"file\"\n[profiles.adm-lab]\nkind = \"admanager\"\nurl = %q\ndomain = %q\n", srv.URL, admanagertest.Domain)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	users := []string{"jdoe", "JDOE", "jdoe@corp.example.com"}
	r := runCLI(t, "", map[string]string{"RESETDESK_SECRET_ADM_LAB": admanagertest.Token},
		append([]string{"run", "--config", cfg, "-p", "adm-lab", "-m", "set", "-y", "-f", "json"}, users...)...)
	if r.code != ExitSome {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(users) {
		t.Fatalf("%d lines:\n%s", len(lines), r.stdout)
	}
	for i, l := range lines {
		var rec report.Record
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if rec.User != users[i] || rec.Name != "Jamal Doe" {
			t.Errorf("line %d: %s", i, l)
		}
		switch {
		case i == 0 && (rec.Status != "ok" || rec.Secret == "" || rec.Secret != srv.Password("jdoe")):
			t.Errorf("the reset line: %s (the server holds %q)", l, srv.Password("jdoe"))
		case i > 0 && (rec.Status != "skipped" || rec.Secret != "" || rec.Message != "same account as jdoe"):
			t.Errorf("line %d: %s", i, l)
		}
	}
	if n := srv.ResetCount("jdoe"); n != 1 {
		t.Fatalf("jdoe was reset %d times", n)
	}
}

// Issue 18's repro: demo-emm's own login (admin) passed the guard as PRIMARY/admin.
func TestRunRefusesTheOwnLoginInEveryForm(t *testing.T) {
	for _, id := range []string{"PRIMARY/admin", "primary/Admin", "ADMIN"} {
		r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-emm", "-m", "set", "-y", "bdoe", id)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "the profile's own login (demo-emm)") {
			t.Errorf("%s: exit %d %q", id, r.code, r.stderr)
		}
		in, _ := r.app.desk.DemoEnv().Instance("demo-emm")
		if n := in.Server.(*emmtest.Server).Resets(); n != 0 {
			t.Errorf("%s: %d resets sent", id, n)
		}
	}
}

// The table and the CSV name the people beside their ids, where the system gave names;
// a run of ids nobody named keeps the table as it was.
func TestRunTableAndCSVNameThePeople(t *testing.T) {
	r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-webadm", "-m", "link", "--method", "NONE", "-y", "-f", "table", "jdoe", "bdoe")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "USER  NAME       STATUS") || !strings.Contains(r.stdout, "jdoe  Jamal Doe  ok") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", nil, "run", "--demo", "-p", "demo-webadm", "-m", "link", "--method", "NONE", "-y", "-f", "csv", "jdoe")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][8] != "name" || rows[1][8] != "Jamal Doe" {
		t.Fatalf("csv (%v):\n%s", err, r.stdout)
	}
	r = runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "vm", "-y", "-f", "table", "9871515000@odinapi.net")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "USER                    STATUS") {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
}
