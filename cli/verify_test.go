package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends/notify/notifytest"
	"resetdesk/backends/odin/odintest"
)

// syncBuffer is a buffer a command writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits (a minute at most: a loaded machine is slow) until the buffer holds
// text: what another goroutine prints comes when it comes.
func (s *syncBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("never printed %q: %s", text, s.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interactive runs resetdesk in-process with stdin a pipe: answer is called once
// stderr holds after, and what it returns is written to stdin as one line.
func interactive(t *testing.T, env map[string]string, after string, answer func(stderr string) string, args ...string) result {
	t.Helper()
	inR, inW := io.Pipe()
	var out, errb syncBuffer
	a := &app{env: Env{Stdin: inR, Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == "RESETDESK_VAULT_PASSPHRASE" {
			return testVaultPassphrase
		}
		return env[k]
	}}}
	a.workFactor = testWorkFactor
	t.Cleanup(a.close)
	done := make(chan int, 1)
	go func() { done <- a.main(context.Background(), args) }()
	deadline := time.After(30 * time.Second)
	for !strings.Contains(errb.String(), after) {
		select {
		case code := <-done:
			inW.Close()
			return result{code: code, stdout: out.String(), stderr: errb.String(), app: a}
		case <-deadline:
			t.Fatalf("stderr never held %q: %s", after, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	go func() {
		_, _ = io.WriteString(inW, answer(errb.String())+"\n")
		inW.Close()
	}()
	select {
	case code := <-done:
		return result{code: code, stdout: out.String(), stderr: errb.String(), app: a}
	case <-deadline:
		t.Fatalf("resetdesk verify never ended: %s", errb.String())
	}
	return result{}
}

var sixDigits = regexp.MustCompile(`\b([0-9]{6})\b`)

// verifyConfig is the odin fake as profile "lab" with verify = "required", codes by mail
// through mailpit, the secrets in the file vault of home.
func verifyConfig(t *testing.T, srv *odintest.Server, mp *notifytest.Mailpit) (cfg string, env map[string]string) {
	t.Helper()
	home := t.TempDir()
	cfg = filepath.Join(home, "config.toml")
	text := "secret_store = \"file\"\n" + srv.ProfileTOML("lab") + "verify = \"required\"\n" +
		"[verify]\nsmtp = \"smtp+plain://" + mp.SMTPAddr + "\"\nfrom = \"Service Desk <sd@corp.example.com>\"\n"
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password}
}

func TestRunRefusedThenAllowedAfterVerifyByMail(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	srv := odintest.New(4)
	defer srv.Close()
	cfg, env := verifyConfig(t, srv, mp)
	user, other := srv.Users()[0], srv.Users()[1]

	r := runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "--yes", user, other)
	if r.code != ExitUsage || !strings.Contains(r.stderr, user+", "+other) || !strings.Contains(r.stderr, "resetdesk verify -p lab USER") || srv.Resets() != 0 {
		t.Fatalf("unverified run: exit %d %q, %d resets", r.code, r.stderr, srv.Resets())
	}

	var code string
	r = interactive(t, env, "Ask the caller to read it back", func(string) string {
		code = sixDigits.FindStringSubmatch(mp.WaitMessages(t, 1)[0].Text)[1]
		return code
	}, "verify", "--config", cfg, "-p", "lab", user, "--ticket", "INC-77")
	if r.code != ExitOK || !strings.Contains(r.stdout, "verified: "+user+" by mail code to a•••@example.com") {
		t.Fatalf("verify: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, code) || strings.Contains(r.stderr, "asmith@example.com") {
		t.Fatalf("the code or the whole address was printed:\n%s\n%s", r.stdout, r.stderr)
	}

	// The verified user is reset; the other still stops the run.
	if r = runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "--yes", user, other); r.code != ExitUsage || strings.Contains(r.stderr, user+",") || srv.Resets() != 0 {
		t.Fatalf("half-verified run: exit %d %q", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "--yes", user); r.code != ExitOK || srv.Resets() != 1 {
		t.Fatalf("verified run: exit %d %q", r.code, r.stderr)
	}

	r = runCLI(t, "", env, "history", "--config", cfg, "--user", user, "-f", "json")
	if r.code != ExitOK || strings.Contains(r.stdout, code) {
		t.Fatalf("history: exit %d %s", r.code, r.stdout)
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		lines = append(lines, m)
	}
	// Newest first: the reset (naming the verification), the code passed, the code sent.
	if len(lines) != 3 || lines[0]["status"] != "ok" || lines[1]["event"] != "verification" || lines[1]["result"] != "passed" ||
		lines[2]["result"] != "sent" || lines[2]["destination"] != "a•••@example.com" || lines[2]["method"] != "mail" || lines[2]["ticket"] != "INC-77" {
		t.Fatalf("history lines:\n%s", r.stdout)
	}
	if lines[0]["verification_id"] != lines[1]["id"] {
		t.Fatalf("the reset relied on verification %v, not %v", lines[0]["verification_id"], lines[1]["id"])
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", user)
	if !strings.Contains(r.stdout, "caller verified by mail code at") || !strings.Contains(r.stdout, "code sent to a•••@example.com") {
		t.Fatalf("history table:\n%s", r.stdout)
	}
}

func TestVerifyWrongCodeFromStdinExitsOne(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	srv := odintest.New(2)
	defer srv.Close()
	cfg, env := verifyConfig(t, srv, mp)
	r := interactive(t, env, "read it back", func(string) string {
		code := sixDigits.FindStringSubmatch(mp.WaitMessages(t, 1)[0].Text)[1]
		if code == "000000" {
			return "000001"
		}
		return "000000"
	}, "verify", "--config", cfg, "-p", "lab", srv.Users()[0])
	if r.code != ExitSome || !strings.Contains(r.stdout, "not verified: wrong code (2 tries left") {
		t.Fatalf("exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "--yes", srv.Users()[0]); r.code != ExitUsage {
		t.Fatalf("run after a wrong code: exit %d", r.code)
	}
}

func TestVerifyCallbackIsAttestedOrNot(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	os.WriteFile(cfg, []byte("secret_store = \"file\"\n"+srv.ProfileTOML("lab")+"verify = \"offered\"\n"), 0o600)
	env := map[string]string{"HOME": t.TempDir(), "RESETDESK_SECRET_LAB": odintest.Password}
	user := srv.Users()[1]
	r := runCLI(t, "no\n", env, "verify", "--config", cfg, "-p", "lab", user, "--method", "callback")
	if r.code != ExitSome || !strings.Contains(r.stderr, "Call "+user+" back on 9871515001") || !strings.Contains(r.stdout, "not verified") {
		t.Fatalf("not reached: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "yes\n", env, "verify", "--config", cfg, "-p", "lab", user, "--method", "callback")
	if r.code != ExitOK || !strings.Contains(r.stdout, "verified: "+user+" by callback to 9871515001") {
		t.Fatalf("reached: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg)
	if r.code != ExitOK || !strings.Contains(r.stderr, "no runs recorded") || !strings.Contains(r.stdout, "called back on 9871515001 and reached") {
		t.Fatalf("history table: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "-f", "json")
	if !strings.Contains(r.stdout, `"event":"verification"`) || !strings.Contains(r.stdout, `"result":"attested"`) || !strings.Contains(r.stdout, `"destination":"9871515001"`) {
		t.Fatalf("history: %s", r.stdout)
	}

	// verify = "offered": a caller not verified is reset, and the history says so.
	other := srv.Users()[0]
	if r = runCLI(t, "", env, "run", "--config", cfg, "-p", "lab", "-m", "sip", "--yes", other); r.code != ExitOK {
		t.Fatalf("offered run: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", other)
	if !strings.Contains(r.stdout, "caller not verified (offered) [verification #") {
		t.Fatalf("history of a reset not verified:\n%s", r.stdout)
	}
	r = runCLI(t, "", env, "history", "--config", cfg, "--user", other, "-f", "json")
	if !strings.Contains(r.stdout, `"result":"not verified"`) || !strings.Contains(r.stdout, `"method":"none"`) {
		t.Fatalf("history json of a reset not verified:\n%s", r.stdout)
	}
}

func TestVerifyRefusesWithExit2(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	cfg := writeConfig(t, srv) // verify is off
	env := map[string]string{"RESETDESK_SECRET_LAB": odintest.Password}
	user := srv.Users()[0]
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--config", cfg, user}, "--profile is required"},
		{[]string{"verify", "--config", cfg, "-p", "lab"}, "give one user"},
		{[]string{"verify", "--config", cfg, "-p", "lab", user, user}, "give one user"},
		{[]string{"verify", "--config", cfg, "-p", "lab", user, "--method", "fax"}, `--method "fax"`},
		{[]string{"verify", "--config", cfg, "-p", "lab", user}, "verifying callers is off"},
		{[]string{"verify", "--demo", "-p", "demo-emm", "kgarcia", "--method", "sms"}, "no way to be verified by sms"},
		{[]string{"verify", "--demo", "-p", "demo-emm", "nobody-here"}, "does not exist"},
	}
	for _, c := range cases {
		r := runCLI(t, "", env, c.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestVerifyDemoShowsTheCodeOnAMarkedDemoLine(t *testing.T) {
	r := interactive(t, nil, "read it back", func(stderr string) string {
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "DEMO") {
				return sixDigits.FindStringSubmatch(l)[1]
			}
		}
		t.Errorf("no DEMO line in %q", stderr)
		return ""
	}, "verify", "--demo", "-p", "demo-emm", "bdoe")
	if r.code != ExitOK || !strings.Contains(r.stdout, "verified: bdoe by mail code to b•••@example.com") || !strings.Contains(r.stderr, "DEMO outbox") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestTheRelayPasswordComesFromCredsOrTheEnvironment(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	srv := odintest.New(2)
	defer srv.Close()
	cfg, env := verifyConfig(t, srv, mp)
	text, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(text, "smtp_username = \"resetdesk\"\n"...), 0o600)
	user := srv.Users()[0]

	r := runCLI(t, "", env, "verify", "--config", cfg, "-p", "lab", user)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "RESETDESK_SECRET_SMTP") || !strings.Contains(r.stderr, "resetdesk creds set smtp") {
		t.Fatalf("no password: exit %d %q", r.code, r.stderr)
	}
	if r = runCLI(t, "relay-pass-41\n", env, "creds", "set", "smtp", "--config", cfg); r.code != ExitOK || !strings.Contains(r.stdout, "mail relay password") {
		t.Fatalf("creds set smtp: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = interactive(t, env, "read it back", func(string) string {
		return sixDigits.FindStringSubmatch(mp.WaitMessages(t, 1)[0].Text)[1]
	}, "verify", "--config", cfg, "-p", "lab", user)
	if r.code != ExitOK || strings.Contains(r.stderr, "relay-pass-41") {
		t.Fatalf("verify: exit %d %q", r.code, r.stderr)
	}
	if got := mp.WaitMessages(t, 1)[0].Username; got != "resetdesk" {
		t.Fatalf("the relay saw the login %q", got)
	}
}
