package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/report"
	"resetdesk/desk"
	"resetdesk/desk/plantest"
	"resetdesk/store/history"
)

// `run` renders the one table of plans: a plan that can go on is confirmed with its
// facts, one a line, warnings marked, then the question; with --yes the facts go to
// stderr; a blocked plan is refused with its first refusal, before any question.
func TestRunConfirmationOfThePlans(t *testing.T) {
	for _, c := range plantest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			var stderr bytes.Buffer
			a := &app{env: Env{Stderr: &stderr, Stdin: strings.NewReader("n\n"), StdinTTY: true}}
			err := a.review(c.Plan, runFlags{yes: true, waitApproval: duration{set: true}})
			if c.Run == "" {
				var e *exitError
				if !errors.As(err, &e) || e.code != ExitUsage || err.Error() != c.Plan.Blocked() || stderr.Len() != 0 {
					t.Fatalf("a blocked plan: %v, stderr %q", err, stderr.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			for _, f := range c.Facts {
				want.WriteString("resetdesk: " + factLine(f) + "\n")
			}
			if stderr.String() != want.String() {
				t.Errorf("--yes says:\n%s\nwant\n%s", stderr.String(), want.String())
			}
			if got := confirmation(c.Plan); got != c.Run {
				t.Errorf("confirmation:\n%s\nwant\n%s", got, c.Run)
			}
		})
	}
}

// approvalConfig is the odin fake as profile lab with extra lines, and bob, an approver,
// in the team; the secret and the journal key in the environment, the state in home.
func approvalConfig(t *testing.T, srv *odintest.Server, extra string) (string, map[string]string) {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") + extra + "[technicians.bob]\nkeys = [\"ssh-ed25519 AAAB bob\"]\napprover = true\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password,
		"RESETDESK_SECRET_JOURNAL_KEY": "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"}
}

// servedBob is bob's desk at a served host on the same config and history as env's
// runs (another process, as `resetdesk serve` is).
func servedBob(t *testing.T, cfg string, env map[string]string) *desk.Desk {
	t.Helper()
	h, err := desk.NewHost(desk.Options{ConfigPath: cfg, Getenv: func(k string) string { return env[k] },
		ApprovalPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	h.KeepRequests()
	bob, err := h.Desk("bob")
	if err != nil {
		t.Fatal(err)
	}
	return bob
}

// background runs resetdesk in-process while the test goes on; wait returns its exit
// code once it ended.
func background(t *testing.T, env map[string]string, args ...string) (stdout, stderr *syncBuffer, wait func() int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	a := &app{env: Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return env[k] }}}
	done := make(chan int, 1)
	go func() { done <- a.main(context.Background(), args) }()
	t.Cleanup(a.close)
	return stdout, stderr, func() int {
		select {
		case code := <-done:
			return code
		case <-time.After(time.Minute):
			t.Fatalf("resetdesk never ended: %s", stderr.String())
			return -1
		}
	}
}

// pendingFor waits until bob sees one request waiting for approval.
func pendingFor(t *testing.T, bob *desk.Desk, stderr *syncBuffer) desk.ApprovalRequest {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		list, err := bob.Pending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 {
			return list[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no request reached bob: %s", stderr.String())
	return desk.ApprovalRequest{}
}

// A run that needs a second technician's approval is refused before anything is sent,
// unless --wait-approval: then it files the request, says who may approve it, waits for
// an approver at a served console on the same history, and runs when approved — on a
// profile that requires verifying the callers, the approval stands for it, and the
// history says so.
func TestRunWaitsForApprovalFromTheTeamConsole(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	cfg, env := approvalConfig(t, srv, "approval_over = 2\nverify = \"required\"\n")
	users := srv.Users()[:3]
	base := append([]string{"run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", "-f", "json"}, users...)
	nobody, _ := approvalConfig(t, srv, "approval_over = 2\n")
	if err := os.WriteFile(nobody, []byte(srv.ProfileTOML("lab")+"approval_over = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", env, append([]string{"run", "--config", nobody, "-p", "lab", "-m", "sip", "-y", "--wait-approval", "1h"}, users...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no technician may approve it on profile lab: set approver = true") {
		t.Fatalf("nobody to approve: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", env, base...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "needs a second technician's approval (3 users, more than approval_over = 2): start it from the team console") || srv.Resets() != 0 {
		t.Fatalf("without --wait-approval: exit %d %q, %d resets", r.code, r.stderr, srv.Resets())
	}

	bob := servedBob(t, cfg, env)
	stdout, stderr, wait := background(t, env, append(base, "--wait-approval", "1m")...)
	req := pendingFor(t, bob, stderr)
	// The request is in the history before `run` says so: wait for its words.
	stderr.waitFor(t, "bob may approve it in the team console")
	if srv.Resets() != 0 {
		t.Fatalf("while waiting: %s, %d resets", stderr.String(), srv.Resets())
	}
	if _, err := bob.Approve(context.Background(), req.ID); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != ExitOK || !strings.Contains(stderr.String(), "approved by bob: the run starts") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	for i, l := range lines {
		var rec report.Record
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.User != users[i] || rec.Secret != srv.SIPPassword(users[i]) {
			t.Fatalf("line %d: %s (%v)", i, l, err)
		}
	}
	if len(lines) != 3 || srv.Resets() != 3 {
		t.Fatalf("%d lines, %d resets", len(lines), srv.Resets())
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", users[0])
	if !strings.Contains(r.stdout, "  started   asked for approval (3 users, more than approval_over = 2); approved by bob at ") ||
		!strings.Contains(r.stdout, ", run started [request #1]") ||
		!strings.Contains(r.stdout, "new SIP password set (approved by bob instead of verified [verification #") ||
		!strings.Contains(r.stdout, "approved  caller not verified: approved by bob instead of verified [verification #") {
		t.Fatalf("history --user:\n%s", r.stdout)
	}
}

// A declined request ends `run` with the approver's reason, a wait that runs out
// withdraws the request: exit 2 either way, nothing sent.
func TestRunWaitingForApprovalDeclinedOrTimedOut(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	cfg, env := approvalConfig(t, srv, "approval_over = 2\n")
	args := append([]string{"run", "--config", cfg, "-p", "lab", "-m", "sip", "-y"}, srv.Users()[:3]...)
	bob := servedBob(t, cfg, env)
	_, stderr, wait := background(t, env, append(args, "--wait-approval", "1m")...)
	req := pendingFor(t, bob, stderr)
	if err := bob.Decline(context.Background(), req.ID, "not the whole team on a Friday"); err != nil {
		t.Fatal(err)
	}
	if code := wait(); code != ExitUsage || !strings.Contains(stderr.String(), "declined by bob: not the whole team on a Friday; nothing was sent") {
		t.Fatalf("declined: exit %d %s", code, stderr.String())
	}

	r := runCLI(t, "", env, append(args, "--wait-approval", "1s")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no approval within 1s: request 2 withdrawn; nothing was sent") || srv.Resets() != 0 {
		t.Fatalf("timed out: exit %d %q, %d resets", r.code, r.stderr, srv.Resets())
	}
	if list, err := bob.Pending(context.Background()); err != nil || len(list) != 0 {
		t.Fatalf("still pending: %+v, %v", list, err)
	}
	// The history lists both requests, newest first: who asked, who decided, when, why.
	r = runCLI(t, "", env, "history", "--config", cfg, "-f", "json")
	var events []historyApprovalLine
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var e historyApprovalLine
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Event != "approval" {
			t.Fatalf("history line %q: %v", l, err)
		}
		events = append(events, e)
	}
	if len(events) != 2 || events[0].State != history.RequestWithdrawn || events[0].Decided == nil || len(events[0].Users) != 3 ||
		events[1].State != history.RequestDeclined || events[1].Approver != "bob" || events[1].Reason != "not the whole team on a Friday" ||
		events[1].Requester == "" || events[1].Why != "3 users, more than approval_over = 2" || events[1].Decided.Before(events[1].Time) {
		t.Fatalf("history:\n%s", r.stdout)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", srv.Users()[0], "-f", "csv")
	if rows := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(rows) != 3 || !strings.Contains(rows[2], `,declined,"asked for approval`) {
		t.Fatalf("history csv:\n%s", r.stdout)
	}
	path, err := history.Path(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	db, err := history.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := db.Approvals(context.Background(), history.ApprovalFilter{ID: 2})
	if err != nil || len(as) != 1 || as[0].State != history.RequestWithdrawn {
		t.Fatalf("the request timed out: %+v, %v", as, err)
	}
}

// On a profile that requires verifying the caller, run uses the plan's verification:
// the account a line resets was verified, whatever spelling the line uses (an extension
// looked up to the user id verified), and the lines not sent need none.
func TestRunVerifiesTheAccountNotTheSpelling(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	cfg, env := approvalConfig(t, srv, "verify = \"required\"\n")
	ben := srv.Users()[1] // extension 5001
	if r := runCLI(t, "yes\n", env, "verify", "--config", cfg, "-p", "lab", ben, "--method", "callback"); r.code != ExitOK {
		t.Fatalf("verify: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "-y", "-f", "json", "5001", ben)
	if r.code != ExitSome || srv.Resets() != 1 || !strings.Contains(r.stdout, `"status":"skipped","secret":"","message":"same account as 5001"`) {
		t.Fatalf("exit %d, %d resets\n%s\n%s", r.code, srv.Resets(), r.stdout, r.stderr)
	}
}
