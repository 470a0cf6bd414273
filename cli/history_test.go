package cli

import (
	"encoding/csv"
	"os/user"
	"strings"
	"testing"

	"resetdesk/backends/odin/odintest"
)

// history for scripts: CSV with a header row, and filters by technician (the local
// account here), ticket and status; --status lists the outcomes of that status.
func TestHistoryCSVAndFilters(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	env := map[string]string{"HOME": t.TempDir(), "RESETDESK_SECRET_LAB": odintest.Password}
	users := srv.Users()
	if r := runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "web", "-y", "--ticket", "INC-1", users[0]); r.code != ExitOK {
		t.Fatalf("run: %d %q", r.code, r.stderr)
	}
	if r := runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "web", "-y", "--ticket", "INC-2", users[1], "ghost@odinapi.net"); r.code != ExitSome {
		t.Fatalf("run: %d %q", r.code, r.stderr)
	}
	me, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	rows := func(args ...string) [][]string {
		t.Helper()
		r := runCLI(t, "", env, append([]string{"history", "--config", cfg, "-f", "csv"}, args...)...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d %q", args, r.code, r.stderr)
		}
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("%v: not CSV with a header: %v\n%s", args, err, r.stdout)
		}
		return recs
	}
	all := rows()
	if strings.Join(all[0], ",") != "started,by,profile,kind,mode,ticket,users,ok,failed,unknown,skipped,note" || len(all) != 3 {
		t.Fatalf("history -f csv:\n%q", all)
	}
	if all[1][5] != "INC-2" || all[1][1] != me.Username || all[1][7] != "1" || all[1][8] != "1" {
		t.Fatalf("newest run: %q", all[1])
	}
	if got := rows("--ticket", "inc-1"); len(got) != 2 || got[1][5] != "INC-1" {
		t.Fatalf("--ticket inc-1: %q", got)
	}
	if got := rows("--technician", me.Username); len(got) != 3 {
		t.Fatalf("--technician %s: %q", me.Username, got)
	}
	failed := rows("--status", "FAILED")
	if strings.Join(failed[0], ",") != "time,by,profile,mode,ticket,user,status,message" || len(failed) != 2 || failed[1][5] != "ghost@odinapi.net" || failed[1][6] != "failed" {
		t.Fatalf("--status failed: %q", failed)
	}
	r := runCLI(t, "", env, "history", "--config", cfg, "--technician", "nobody")
	if r.code != ExitOK || r.stdout != "" || !strings.Contains(r.stderr, "no runs by nobody recorded") {
		t.Fatalf("--technician nobody: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--status", "done")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `--status "done": use one of ok, failed, unknown, skipped, sent`) {
		t.Fatalf("--status done: %d %q", r.code, r.stderr)
	}
}
