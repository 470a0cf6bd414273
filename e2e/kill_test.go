package e2e

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/store/history"
)

// envValue returns NAME's value from an environment list.
func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// A run killed with SIGKILL in the middle of 200 users loses no password: recover lists
// every user whose password the fake changed, with the password the fake holds; the
// history shows each of them and counts them against a quota. And no secret lands in
// the history, stderr or an error.
func TestSIGKILLThenRecoverListsEveryChangedPassword(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(200)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 20 * time.Millisecond})
	cfg := writeConfig(t, srv)
	env := hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password)
	users := srv.Users()
	before := map[string]string{}
	for _, u := range users {
		before[u] = srv.SIPPassword(u)
	}

	cmd := exec.Command(bin, "run", "--config", cfg, "--profile", "lab", "--mode", "sip", "--yes", "--concurrency", "4", "--users", "-")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(strings.Join(users, "\n"))
	stdout, _ := cmd.StdoutPipe()
	var runErr bytes.Buffer
	cmd.Stderr = &runErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	shown := 0
	for sc.Scan() {
		if shown++; shown == 40 {
			cmd.Process.Kill() // SIGKILL: no handler, no flush, no finish
			break
		}
	}
	cmd.Wait()
	// Close waits for the requests the fake was still serving: after it, the fake's
	// state is final.
	srv.Close()

	var changed []string
	for _, u := range users {
		if srv.SIPPassword(u) != before[u] {
			changed = append(changed, u)
		}
	}
	if len(changed) < 40 || len(changed) >= len(users) {
		t.Fatalf("%d passwords changed: the kill did not land mid-run", len(changed))
	}

	listed, recErr := recoverWithStderr(t, bin, env, cfg)
	for _, u := range changed {
		e, ok := listed[u]
		if !ok {
			t.Fatalf("%s: the fake changed the password but recover does not list it", u)
		}
		if e.Secret != srv.SIPPassword(u) {
			t.Fatalf("%s: recover says %q (%s), the fake holds %q", u, e.Secret, e.Status, srv.SIPPassword(u))
		}
	}
	for u, e := range listed {
		if e.Status == "ok" && e.Secret != srv.SIPPassword(u) {
			t.Fatalf("%s listed ok with a password the fake does not hold", u)
		}
	}

	hist := exec.Command(bin, "history", "--config", cfg)
	hist.Env = env
	hout, err := hist.CombinedOutput()
	if err != nil || !strings.Contains(string(hout), "unfinished") {
		t.Fatalf("history after a kill: %v\n%s", err, hout)
	}

	// The history followed the run as it went: every changed password shows there (done,
	// or sent with no answer) and counts against a quota, although the run never finished.
	home := envValue(env, "HOME")
	db, err := history.Open(filepath.Join(home, ".local", "state", "resetdesk", history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := db.Outcomes(context.Background(), history.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]string{}
	for _, o := range outs {
		recorded[o.User] = o.Status
	}
	for _, u := range changed {
		if st := recorded[u]; st != "ok" && st != history.StatusSent {
			t.Fatalf("%s: the fake changed the password, the history says %q", u, st)
		}
	}
	spent, err := db.SuccessesSince(context.Background(), "lab", history.Midnight(time.Now()))
	db.Close()
	if err != nil || spent < len(changed) {
		t.Fatalf("quota use after the kill = %d, %v; %d passwords changed", spent, err, len(changed))
	}

	secrets := []string{odintest.Password, testVaultPassphrase}
	for _, u := range changed {
		secrets = append(secrets, srv.SIPPassword(u))
	}
	stateFiles, _ := filepath.Glob(filepath.Join(home, ".local", "state", "resetdesk", "history.db*"))
	if len(stateFiles) == 0 {
		t.Fatal("no history database")
	}
	places := map[string]string{"run stderr": runErr.String(), "recover stderr": recErr, "history output": string(hout)}
	for _, f := range stateFiles {
		raw, _ := os.ReadFile(f)
		places[f] = string(raw)
	}
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Fatalf("a secret appears in %s", where)
			}
		}
	}
}
