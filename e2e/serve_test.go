package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
)

// writeTeamConfig points profiles "lab" (with daily_quota when quota > 0) and "annex"
// at the fake Odin srv, their secrets in the environment, and adds extra (the
// technicians).
func writeTeamConfig(t *testing.T, srv *odintest.Server, quota int, extra string) string {
	t.Helper()
	lab := srv.ProfileTOML("lab")
	if quota > 0 {
		lab += fmt.Sprintf("daily_quota = %d\n", quota)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("secret_store = \"file\"\n"+lab+srv.ProfileTOML("annex")+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// technicianTOML is a [technicians.NAME] table with key and more lines.
func technicianTOML(name string, key sshKey, lines ...string) string {
	return fmt.Sprintf("[technicians.%s]\nkeys = [%q]\n", name, key.pub) + strings.Join(lines, "\n") + "\n"
}

// hostEnv is the serving account's environment: its own home, the test vault, the
// profiles' secrets.
func hostEnv(t *testing.T) []string {
	return hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password, "RESETDESK_SECRET_ANNEX="+odintest.Password)
}

// historyRuns is `resetdesk history --format json` run as the serving account.
func historyRuns(t *testing.T, cfg string, env []string) []historyRun {
	t.Helper()
	cmd := exec.Command(builtBinary(t), "history", "--config", cfg, "--format", "json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	var runs []historyRun
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r historyRun
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("history line %q: %v", line, err)
		}
		runs = append(runs, r)
	}
	return runs
}

// historyRun is a run line of `resetdesk history --format json`, as documented.
type historyRun struct {
	Finished *time.Time `json:"finished"`
	By       string     `json:"by"`
	Profile  string     `json:"profile"`
	Mode     string     `json:"mode"`
	Users    int        `json:"users"`
	OK       int        `json:"ok"`
	Skipped  int        `json:"skipped"`
}

// sipPasswords is what the fake holds for every user.
func sipPasswords(srv *odintest.Server) map[string]string {
	held := map[string]string{}
	for _, u := range srv.Users() {
		held[u] = srv.SIPPassword(u)
	}
	return held
}

// changedSince lists the users whose password the fake changed since before.
func changedSince(srv *odintest.Server, before map[string]string) []string {
	var changed []string
	for _, u := range srv.Users() {
		if srv.SIPPassword(u) != before[u] {
			changed = append(changed, u)
		}
	}
	return changed
}

// assertNoSecretIn fails when any secret appears in the text.
func assertNoSecretIn(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("a secret (%d characters) appears in %s", len(s), where)
		}
	}
}

// lastRow is the screen's bottom row: where the console keeps its help.
func lastRow(t *testing.T, scr string, height int) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
	if len(lines) != height {
		t.Fatalf("the console fills %d rows of %d:\n%s", len(lines), height, scr)
	}
	return lines[height-1]
}

// Two technicians connected at once, each in a terminal of their own size, each reset
// their users; each copy goes to its own terminal; the history names each run's
// technician; and no secret reaches the server's log.
func TestServeTwoTechniciansAtOnce(t *testing.T) {
	srv := odintest.New(30)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 50 * time.Millisecond})
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := writeTeamConfig(t, srv, 0, technicianTOML("alice", alice)+technicianTOML("bob", bob))
	env := hostEnv(t)
	h := startServe(t, env, "--config", cfg)

	a, b := h.connect(alice, 80, 24), h.connect(bob, 120, 32)
	for s, height := range map[*tmuxSession]int{a: 24, b: 32} {
		scr := s.waitText("annex", 20*time.Second)
		if row := lastRow(t, scr, height); !strings.Contains(row, "q quit") {
			t.Fatalf("the help is not on row %d of its session:\n%s", height, scr)
		}
	}
	openProfile(a, "lab")
	openProfile(b, "lab")
	reviewSIP(a, "ext:500*", 10)
	reviewSIP(b, "ext:501*", 10)
	before := sipPasswords(srv)
	a.keys("Enter")
	b.keys("Enter")
	for _, s := range []*tmuxSession{a, b} {
		if scr := s.waitText("r reveal row", 30*time.Second); !strings.Contains(scr, "ok 10") {
			t.Fatalf("not every user ok:\n%s", scr)
		}
	}
	changed := changedSince(srv, before)
	if len(changed) != 20 {
		t.Fatalf("%d passwords changed, want 10 for each technician", len(changed))
	}

	// The copy goes to alice's terminal (her tmux keeps it), none to bob's.
	first := regexp.MustCompile(`> (\d+@odinapi\.net)`).FindStringSubmatch(a.screen())
	if first == nil {
		t.Fatalf("no cursor row:\n%s", a.screen())
	}
	a.keys("c")
	a.waitText("copied the password", 10*time.Second)
	var copied string
	a.waitFor("the copy in alice's tmux", 10*time.Second, func(string) bool { copied = a.buffer(); return copied != "" })
	if held := srv.SIPPassword(first[1]); copied != held {
		t.Fatalf("alice copied %q for %s; the server holds %q", copied, first[1], held)
	}
	if got := b.buffer(); got != "" {
		t.Fatalf("bob's terminal received a copy: %q", got)
	}

	by := map[string]historyRun{}
	for _, r := range historyRuns(t, cfg, env) {
		by[r.By] = r
	}
	for _, who := range []string{"alice", "bob"} {
		if r := by[who]; r.Profile != "lab" || r.Mode != "sip" || r.Users != 10 || r.OK != 10 || r.Finished == nil {
			t.Errorf("history run of %s: %+v (all: %+v)", who, r, by)
		}
	}
	if len(by) != 2 {
		t.Fatalf("history names %v, want alice and bob", by)
	}

	h.stop()
	log := h.log.String()
	for _, who := range []string{"alice", "bob"} {
		key := map[string]sshKey{"alice": alice, "bob": bob}[who]
		for _, frag := range [][]string{
			{"msg=\"session started\"", "technician=" + who, "key=" + key.fingerprint(t), "remote=127.0.0.1:", "ssh_user=tech"},
			{"msg=\"run started\"", "technician=" + who, "profile=lab", "mode=sip", "users=10"},
			{"msg=run ", "technician=" + who, "ok=10", "failed=0", "unknown=0", "skipped=0"},
		} {
			h.waitLog(frag...)
		}
	}
	secrets := []string{odintest.Password, testVaultPassphrase}
	for _, u := range changed {
		secrets = append(secrets, srv.SIPPassword(u))
	}
	assertNoSecretIn(t, "the server's log", log, secrets)
	assertNoSecretIn(t, "the server's output", h.out.String(), secrets)
}

// A key that is no technician's is refused before anything is drawn, and logged.
func TestServeRefusesAnUnknownKey(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	alice, carol := newSSHKey(t, "alice@laptop"), newSSHKey(t, "carol@laptop")
	h := startServe(t, hostEnv(t), "--config", writeTeamConfig(t, srv, 0, technicianTOML("alice", alice)))
	s := h.connect(carol, 80, 24)
	scr := s.waitText("Permission denied (publickey)", 20*time.Second)
	s.waitFor("ssh to exit", 10*time.Second, func(string) bool { return s.exited() })
	if strings.Contains(scr, "resetdesk") || strings.Contains(scr, "lab") {
		t.Fatalf("something was drawn for an unknown key:\n%s", scr)
	}
	h.waitLog("msg=\"key refused\"", "key="+carol.fingerprint(t), "remote=127.0.0.1:")
	if strings.Contains(h.log.String(), "session started") {
		t.Fatalf("a session started for an unknown key:\n%s", h.log.String())
	}
}

// A technician whose globs allow one profile sees only that one, and a run over their
// max_users is refused with the reason, nothing sent.
func TestServeTechnicianSeesOnlyTheirProfiles(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := writeTeamConfig(t, srv, 0, technicianTOML("alice", alice)+technicianTOML("bob", bob, `profiles = ["la*"]`, "max_users = 2"))
	h := startServe(t, hostEnv(t), "--config", cfg)
	a, b := h.connect(alice, 80, 24), h.connect(bob, 80, 24)
	if scr := a.waitText("annex", 20*time.Second); !strings.Contains(scr, "lab") {
		t.Fatalf("alice lacks lab:\n%s", scr)
	}
	scr := b.waitText("lab", 20*time.Second)
	b.waitText("q quit", 5*time.Second)
	if strings.Contains(b.screen(), "annex") {
		t.Fatalf("bob sees annex:\n%s", scr)
	}

	openProfile(b, "lab")
	// The review says it before anything can be confirmed, and enter sends nothing.
	b.toReview("ext:500*", 3)
	b.waitText("max_users = 2", 10*time.Second)
	b.keys("Enter")
	b.waitText("split the list", 5*time.Second)
	if n := srv.Resets(); n != 0 {
		t.Fatalf("%d resets sent for a run over max_users", n)
	}
}

// Two sessions on one quota profile, both told in their review that 6 are left, run at
// once: together they send 6 resets, never more; the rest is skipped.
func TestServeQuotaHoldsAcrossSessions(t *testing.T) {
	srv := odintest.New(30)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 150 * time.Millisecond})
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := writeTeamConfig(t, srv, 6, technicianTOML("alice", alice)+technicianTOML("bob", bob))
	env := hostEnv(t)
	h := startServe(t, env, "--config", cfg)
	a, b := h.connect(alice, 100, 30), h.connect(bob, 100, 30)
	for s, query := range map[*tmuxSession]string{a: "ext:500*", b: "ext:501*"} {
		s.waitText("lab", 20*time.Second)
		openProfile(s, "lab")
		reviewSIP(s, query, 10)
		s.waitText("6 of 6 left", 10*time.Second)
	}
	a.keys("Enter")
	b.keys("Enter")
	for _, s := range []*tmuxSession{a, b} {
		s.waitText("r reveal row", 30*time.Second)
	}
	if n := srv.Resets(); n != 6 {
		t.Fatalf("the fake received %d resets against a daily quota of 6", n)
	}
	ok, skipped := 0, 0
	for _, r := range historyRuns(t, cfg, env) {
		ok += r.OK
		skipped += r.Skipped
	}
	if ok != 6 || skipped != 14 {
		t.Fatalf("history: %d ok, %d skipped; want 6 and 14", ok, skipped)
	}
}

// recoverRow is a row of the recover page: the user's phone (the column is cut at 20
// characters), its status and its secret, as revealed.
var recoverRow = regexp.MustCompile(`^[> ] \d\d-\d\d \d\d:\d\d\s+lab\s+sip\s+(\d{10})@\S*\s+ok\s+(\S+)\s*$`)

// startLongRun opens lab in s and starts a SIP run of the 40 users, returning once some
// results are in.
func startLongRun(s *tmuxSession) {
	s.t.Helper()
	s.waitText("lab", 20*time.Second)
	openProfile(s, "lab")
	reviewSIP(s, "ext:50*", 40)
	s.keys("Enter")
	s.waitFor("some results", 30*time.Second, func(scr string) bool { return strings.Count(scr, "✓ ok") >= 3 })
}

// A session killed mid-run loses nothing: the run is the host's and goes on to its end,
// each new secret in the journal; the technician's next session opens on it and its
// results, and recover shows every changed password; another technician's session
// does not show them.
func TestServeKilledSessionShowsItsSecretsInRecover(t *testing.T) {
	srv := odintest.New(40)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 250 * time.Millisecond})
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := writeTeamConfig(t, srv, 0, technicianTOML("alice", alice)+technicianTOML("bob", bob))
	h := startServe(t, hostEnv(t), "--config", cfg)
	before := sipPasswords(srv)

	a := h.connect(alice, 100, 30)
	startLongRun(a)
	if err := syscall.Kill(a.pid(), syscall.SIGKILL); err != nil { // the client dies: no goodbye
		t.Fatal(err)
	}
	h.waitLog("msg=\"session ended\"", "technician=alice", "reason=disconnected")
	if n := len(changedSince(srv, before)); n == 40 {
		t.Fatalf("%d of 40 changed when the session ended: the kill should land mid-run", n)
	}

	again := h.connect(alice, 160, 50) // room for all 40 rows
	again.waitText("your run of 40 users on lab", 20*time.Second)
	again.waitText("r reveal row", 60*time.Second) // its results
	changed := changedSince(srv, before)
	if len(changed) != 40 {
		t.Fatalf("%d of 40 changed: the run did not go on to its end without its session", len(changed))
	}
	again.keys("Escape")
	again.waitText("Leave these results?", 5*time.Second)
	again.keys("y")
	again.waitText("Choose the system", 5*time.Second)
	again.keys("r")
	again.waitText("STATUS", 10*time.Second)
	again.keys("R")
	scr := again.waitFor("every secret revealed", 10*time.Second, func(scr string) bool { return !strings.Contains(scr, "••••") })
	listed := map[string]string{}
	for _, line := range strings.Split(scr, "\n") {
		if m := recoverRow.FindStringSubmatch(line); m != nil {
			listed[m[1]] = m[2]
		}
	}
	for _, u := range changed {
		phone, _, _ := strings.Cut(u, "@")
		if got, held := listed[phone], srv.SIPPassword(u); got != held {
			t.Errorf("%s: recover shows %q, the server holds %q", u, got, held)
		}
	}
	if len(listed) != len(changed) {
		t.Errorf("recover lists %d secrets as ok, %d passwords changed:\n%s", len(listed), len(changed), scr)
	}

	other := h.connect(bob, 160, 50)
	other.waitText("lab", 20*time.Second)
	other.keys("r")
	if scr := other.waitText("nothing to recover", 10*time.Second); strings.Contains(scr, "@odinapi") {
		t.Fatalf("bob's recover shows alice's users:\n%s", scr)
	}

	h.stop()
	h.waitLog("msg=run ", "technician=alice", "users=40")
	secrets := []string{odintest.Password, testVaultPassphrase}
	for _, u := range changed {
		secrets = append(secrets, srv.SIPPassword(u))
	}
	assertNoSecretIn(t, "the server's log", h.log.String(), secrets)
}

// SIGTERM stops accepting, ends the sessions as a hang-up does — the run stops
// dispatching, what is in flight finishes into the journal — and then the server exits;
// `recover` lists every changed password.
func TestServeSIGTERMLetsRunsFinishIntoTheJournal(t *testing.T) {
	srv := odintest.New(40)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: 250 * time.Millisecond})
	alice := newSSHKey(t, "alice@laptop")
	cfg := writeTeamConfig(t, srv, 0, technicianTOML("alice", alice))
	env := hostEnv(t)
	h := startServe(t, env, "--config", cfg)
	before := sipPasswords(srv)
	a := h.connect(alice, 100, 30)
	startLongRun(a)

	h.signal(syscall.SIGTERM)
	a.waitText("the server is shutting down", 30*time.Second)
	h.stop()
	if h.err != nil {
		t.Fatalf("the server exited with %v after SIGTERM", h.err)
	}
	changed := changedSince(srv, before)
	if len(changed) < 3 || len(changed) == 40 {
		t.Fatalf("%d of 40 changed: SIGTERM should land mid-run", len(changed))
	}

	rec := exec.Command(builtBinary(t), "recover", "--config", cfg, "--format", "json")
	rec.Env = env
	var stderr bytes.Buffer
	rec.Stderr = &stderr
	out, err := rec.Output()
	if err != nil {
		t.Fatalf("recover: %v: %s", err, stderr.String())
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var l recoverLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Status == "ok" {
			listed[l.User] = l.Secret
		}
	}
	for _, u := range changed {
		if listed[u] != srv.SIPPassword(u) {
			t.Errorf("%s: recover lists %q, the server holds %q", u, listed[u], srv.SIPPassword(u))
		}
	}
	if len(listed) != len(changed) {
		t.Errorf("recover lists %d ok, %d passwords changed", len(listed), len(changed))
	}
	if runs := historyRuns(t, cfg, env); len(runs) != 1 || runs[0].By != "alice" || runs[0].Finished == nil || runs[0].OK != len(changed) {
		t.Fatalf("history after SIGTERM: %+v", runs)
	}
	// Her next session at the restarted server says what the shutdown did to her run.
	again := startServe(t, env, "--config", cfg)
	b := again.connect(alice, 100, 30)
	scr := b.waitText("was stopped by a shutdown of the host", 20*time.Second)
	if want := fmt.Sprintf("%d of 40 sent, %d not sent", len(changed), 40-len(changed)); !strings.Contains(scr, want) {
		t.Fatalf("want %q in the note:\n%s", want, scr)
	}
}

// `resetdesk serve --demo` with no config, then ssh with the account's own key: the
// two-command try-out. The printed fingerprint is the host key's; another key is refused.
func TestServeDemoTryOut(t *testing.T) {
	home := t.TempDir()
	key := sshKey{path: filepath.Join(home, ".ssh", "id_ed25519")}
	newSSHKey(t, "") // skips or fails without OpenSSH
	if err := os.MkdirAll(filepath.Dir(key.path), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "me@jumphost", "-f", key.path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	h := startServe(t, []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")}, "--demo")
	out := h.out.String()
	if !strings.Contains(out, "technicians: demo") || !strings.Contains(out, "connect with: ssh -p "+h.port+" localhost") {
		t.Fatalf("the start says:\n%s", out)
	}
	hostKey := filepath.Join(home, ".local", "share", "resetdesk", "ssh_host_ed25519_key")
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v %v", hostKey, fi, err)
	}
	if fp := keyFingerprint(t, hostKey); !strings.Contains(out, "host key ssh-ed25519 "+fp) {
		t.Fatalf("the start does not print the host key's fingerprint %s:\n%s", fp, out)
	}

	s := h.connect(key, 80, 24)
	if scr := s.waitText("demo-odin", 20*time.Second); !strings.Contains(scr, "[demo]") {
		t.Fatalf("not the demo:\n%s", scr)
	}
	stranger := h.connect(newSSHKey(t, "stranger"), 80, 24)
	stranger.waitText("Permission denied (publickey)", 20*time.Second)
}
