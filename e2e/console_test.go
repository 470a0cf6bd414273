package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
)

// The console as a technician uses it, in a real terminal at 80×24: the demo, 50 users
// selected by five searches, a SIP run, a reveal and a copy through OSC 52. The copied
// password, read back from tmux's paste buffer, must be the one the demo server holds.
func TestConsoleBulkSIPRunRevealAndCopy(t *testing.T) {
	bin := builtBinary(t)
	s := startTmux(t, 80, 24, hermeticEnv(t, "TERM=xterm-256color"), bin, "--demo")
	scr := s.waitText("demo-webadm", 20*time.Second)
	odinURL := regexp.MustCompile(`http://127\.0\.0\.1:\d+/api/v2`).FindString(scr)
	if odinURL == "" {
		t.Fatalf("no demo-odin URL on the profiles page:\n%s", scr)
	}

	// open demo-odin by its number, wherever the sorted list puts it
	num := regexp.MustCompile(`(\d) demo-odin`).FindStringSubmatch(scr)
	if num == nil {
		t.Fatalf("demo-odin has no number on the profiles page:\n%s", scr)
	}
	s.keys(num[1])
	s.waitText("search:", 10*time.Second)
	for i := range 5 {
		q := fmt.Sprintf("ext:50%d*", i)
		s.keys("C-u") // clear the query
		s.text(q)
		s.waitText("10 hits", 10*time.Second)
		s.waitText(fmt.Sprintf("x50%d9", i), 5*time.Second) // the hits of this query are shown
		s.keys("C-a")
		s.waitText(fmt.Sprintf("selected: %d", 10*(i+1)), 5*time.Second)
	}
	s.keys("Enter") // to the mode page; sip is first
	s.waitText("SIP authentication password", 5*time.Second)
	s.keys("Enter") // to the review
	s.waitText("50 users:", 5*time.Second)
	s.keys("Enter") // confirm
	scr = s.waitText("r reveal row", 30*time.Second)
	if !strings.Contains(scr, "ok 50") {
		t.Fatalf("not every user ok:\n%s", scr)
	}
	firstUser := regexp.MustCompile(`> (\d+@odinapi\.net)`).FindStringSubmatch(scr)
	if firstUser == nil {
		t.Fatalf("no cursor row:\n%s", scr)
	}
	user := firstUser[1]

	s.keys("r")
	scr = s.waitText("password: ", 5*time.Second)
	shown := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(scr)[1]
	s.keys("c")
	s.waitText("copied the password", 5*time.Second)
	var copied string
	s.waitFor("the copy in tmux's paste buffer", 5*time.Second, func(string) bool {
		copied = s.buffer()
		return copied != ""
	})

	held := demoServerSIP(t, odinURL, user)
	if held == "" || copied != held || shown != held {
		t.Fatalf("server holds %q for %s; copied %q; shown %q", held, user, copied, shown)
	}

	// q asks first: the other 49 passwords are neither copied nor exported
	s.keys("q")
	s.waitText("Quit anyway?", 5*time.Second)
	s.keys("y")
	s.waitFor("the console to exit", 10*time.Second, func(string) bool { return s.exited() })
	// quitting clears the clipboard: no tmux paste buffer keeps the password
	if b := s.tmux("list-buffers", "-F", "#{buffer_sample}"); strings.Contains(b, held) {
		t.Fatalf("after quit tmux still holds the password: %q", b)
	}
}

// demoServerSIP asks the demo's simulated Odin what SIP password it holds for a user.
func demoServerSIP(t *testing.T, baseURL, user string) string {
	t.Helper()
	u := strings.TrimSuffix(baseURL, "/api/v2") + "/_fake/state?userId=" + user
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st["sip"]
}

// With secrets in the encrypted file, the console asks for its passphrase on the
// terminal before it draws, then finds the profile's secret there.
func TestConsoleAsksTheVaultPassphraseFirst(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(5)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	env := hermeticEnv(t, "TERM=xterm-256color") // carries RESETDESK_VAULT_PASSPHRASE
	set := exec.Command(bin, "creds", "set", "lab", "--config", cfg)
	set.Env = env
	set.Stdin = strings.NewReader(odintest.Password + "\n")
	if out, err := set.CombinedOutput(); err != nil {
		t.Fatalf("creds set: %v: %s", err, out)
	}
	var noPass []string
	for _, e := range env {
		if !strings.HasPrefix(e, "RESETDESK_VAULT_PASSPHRASE=") {
			noPass = append(noPass, e)
		}
	}
	s := startTmux(t, 80, 24, noPass, bin, "--config", cfg)
	s.waitText("Passphrase for resetdesk's encrypted secrets file:", 20*time.Second)
	s.text(testVaultPassphrase)
	s.keys("Enter")
	scr := s.waitText("lab", 20*time.Second)
	s.waitFor("the secret found in the encrypted file", 10*time.Second, func(scr string) bool {
		return strings.Contains(scr, "encrypted file")
	})
	if strings.Contains(scr, testVaultPassphrase) {
		t.Fatal("the passphrase was echoed")
	}
	// Back on the terminal's own screen: between the passphrase and the console, it said
	// what the wait is.
	s.keys("q")
	s.waitText("unlocking the encrypted secrets file", 10*time.Second)
}

// A dropped SSH session mid-run (the terminal goes away: SIGHUP) loses nothing: the
// console stops dispatching, lets what is in flight finish, and `recover` then lists
// every user whose password the server changed, with the password it holds.
func TestConsoleHangUpMidRunLosesNothing(t *testing.T) {
	bin := builtBinary(t)
	srv := odintest.New(40)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 250 * time.Millisecond})
	cfg := writeConfig(t, srv)
	env := hermeticEnv(t, "TERM=xterm-256color", "RESETDESK_SECRET_LAB="+odintest.Password)
	s := startTmux(t, 100, 30, env, bin, "--config", cfg)
	s.waitText("lab", 20*time.Second)
	s.keys("Enter")
	s.waitText("search:", 10*time.Second)
	s.toReview("*", 40) // mode: sip, the first
	s.waitText("40 users:", 5*time.Second)
	s.keys("Enter") // run
	s.waitFor("some results", 20*time.Second, func(scr string) bool { return strings.Count(scr, "✓ ok") >= 3 })

	pid := strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_pid}"))
	s.tmux("kill-server") // the terminal is gone: SIGHUP
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("kill", "-0", pid).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatal("the console did not exit after the hang-up")
		}
		time.Sleep(50 * time.Millisecond)
	}

	rec := exec.Command(bin, "recover", "--config", cfg, "--format", "json")
	rec.Env = env
	out, err := rec.Output()
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var l struct{ User, Secret string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Secret != "" {
			got[l.User] = l.Secret
		}
	}
	changed := 0
	for _, u := range srv.Users() {
		held := srv.SIPPassword(u)
		if held == "" {
			continue
		}
		changed++
		if got[u] != held {
			t.Errorf("%s: the server holds %q, recover lists %q", u, held, got[u])
		}
	}
	if changed == 0 || changed == 40 {
		t.Fatalf("%d of 40 changed: the hang-up should land mid-run", changed)
	}
}
