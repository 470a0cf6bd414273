package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/prm/prmtest"
	"resetdesk/backends/webadm/webadmtest"
)

// killRounds is how many SIGKILLs each kind's loop lands at random moments of a run of
// killUsers users.
const (
	killRounds = 10
	killUsers  = 150
)

// The five kinds, each killed killRounds times at random moments of a run against a slow
// fake: no password the server set is lost — recover lists every one, with the password
// the server holds, or (a secret the server makes) names the user as possibly reset —
// and recover names as possibly set only users whose request left: at most the requests
// in flight at the kill (their intent is on disk a moment before they go), never a
// secret made ahead in a batch that was not sent.
func TestKillLoopLosesNothingAndNamesOnlyWhatWasSent(t *testing.T) {
	for _, kind := range []string{"odin", "admanager", "webadm", "emm", "prm"} {
		t.Run(kind, func(t *testing.T) { killLoop(t, killTargets[kind]) })
	}
}

// killTarget is one round's fake and the run against it.
type killTarget struct {
	profile, mode, toml string // toml: the profile's table; the secret comes from env
	users, env          []string
	serverMade          bool                     // the server makes the secret: recover may know only that it was sent
	secret              func(user string) string // what the fake holds now
	resets              func() int               // the change requests the fake received
	close               func()                   // waits for the requests the fake was still serving
}

// killTargets start each kind's fake with killUsers users, 10 ms a request.
var killTargets = map[string]func(*testing.T) killTarget{
	"odin": func(t *testing.T) killTarget {
		s := odintest.New(killUsers)
		s.SetFaults(odintest.Faults{Latency: 10 * time.Millisecond})
		return killTarget{profile: "lab", mode: "sip", toml: s.ProfileTOML("lab"), users: s.Users(),
			env: hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password), secret: s.SIPPassword, resets: s.Resets, close: s.Close}
	},
	"admanager": func(t *testing.T) killTarget {
		s := admanagertest.New(killUsers)
		s.SetFaults(admanagertest.Faults{Latency: 10 * time.Millisecond})
		toml := fmt.Sprintf("[profiles.adm]\nkind = \"admanager\"\nurl = %q\ndomain = %q\n", s.URL, admanagertest.Domain)
		return killTarget{profile: "adm", mode: "set", toml: toml, users: s.Users(),
			env: hermeticEnv(t, "RESETDESK_SECRET_ADM="+admanagertest.Token), secret: s.Password,
			resets: func() int { return s.Count("ResetPwd") }, close: s.Close}
	},
	"webadm": func(t *testing.T) killTarget {
		s := webadmtest.New(killUsers)
		s.SetFaults(webadmtest.Faults{Latency: 10 * time.Millisecond})
		toml := fmt.Sprintf("[profiles.wa]\nkind = \"webadm\"\nurl = %q\nusername = %q\ndomain = %q\nbase_dn = %q\n",
			s.URL, webadmtest.Username, webadmtest.Domain, webadmtest.BaseDN)
		return killTarget{profile: "wa", mode: "set", toml: toml, users: s.Users(),
			env: hermeticEnv(t, "RESETDESK_SECRET_WA="+webadmtest.Password), secret: s.Password,
			resets: func() int { return s.Count("Set_User_Password") }, close: s.Close}
	},
	"emm": func(t *testing.T) killTarget {
		s := emmtest.New(killUsers)
		s.SetFaults(emmtest.Faults{Latency: 10 * time.Millisecond})
		toml := fmt.Sprintf("[profiles.emm]\nkind = \"emm\"\nurl = %q\nusername = %q\n", s.URL, emmtest.Username)
		return killTarget{profile: "emm", mode: "set", toml: toml, users: s.Users(),
			env: hermeticEnv(t, "RESETDESK_SECRET_EMM="+emmtest.Password), secret: s.Password,
			resets: func() int { return s.Count("/reset-password") }, close: s.Close}
	},
	"prm": func(t *testing.T) killTarget {
		s := prmtest.New(killUsers)
		s.SetFaults(prmtest.Faults{Latency: 10 * time.Millisecond})
		toml := fmt.Sprintf("[profiles.prm]\nkind = \"prm\"\nurl = %q\n", s.URL)
		return killTarget{profile: "prm", mode: "generate", toml: toml, users: s.Users(), serverMade: true,
			env: hermeticEnv(t, "RESETDESK_SECRET_PRM="+prmtest.Token), secret: s.Password, resets: s.Resets, close: s.Close}
	},
}

// killConcurrency is the run's requests in flight: at most that many intents can be on
// disk for requests the kill stopped before they left.
const killConcurrency = 8

// killLoop runs killRounds rounds: a fresh fake from setup, a run SIGKILLed once the fake
// has received a random number of change requests, then recover. Every user whose
// secret changed on the server must be listed with it (or, server-made, as possibly
// reset); no user the server never changed may be listed as reset, and at most the
// requests in flight as possibly set.
func killLoop(t *testing.T, setup func(*testing.T) killTarget) {
	bin := builtBinary(t)
	for round := range killRounds {
		tg := setup(t)
		cfg := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(cfg, []byte(tg.toml), 0o600); err != nil {
			t.Fatal(err)
		}
		before := map[string]string{}
		for _, u := range tg.users {
			before[u] = tg.secret(u)
		}
		killAfter := 1 + rand.IntN(len(tg.users)-1)
		killMidRun(t, bin, tg.env, []string{"run", "--config", cfg, "--profile", tg.profile, "--mode", tg.mode, "--yes",
			"--concurrency", fmt.Sprint(killConcurrency), "--users", "-"},
			tg.users, func() bool { return tg.resets() >= killAfter })
		tg.close() // the fake's state is final
		listed := recoverAll(t, bin, tg.env, cfg)
		changed, unsent := 0, 0
		for _, u := range tg.users {
			now := tg.secret(u)
			e, ok := listed[u]
			switch {
			case now != before[u]:
				changed++
				if !ok || e.Secret != now && !(tg.serverMade && e.Secret == "" && strings.Contains(e.Note, "possibly reset")) {
					t.Fatalf("round %d (killed after %d requests): %s's secret changed on the server to %q; recover lists %+v", round, killAfter, u, now, e)
				}
			case ok && e.Status == "ok":
				t.Fatalf("round %d: %s is listed as reset (%+v) and the server never changed it", round, u, e)
			case ok:
				unsent++ // named as possibly set, and its request never reached the server
			}
		}
		if unsent > killConcurrency {
			t.Fatalf("round %d (killed after %d requests): %d users named as possibly set whose request never reached the server (at most %d were in flight)",
				round, killAfter, unsent, killConcurrency)
		}
		t.Logf("round %d: killed after %d requests, %d changed on the server, all in recover; %d more named as possibly set (in flight at the kill)",
			round, killAfter, changed, unsent)
	}
}

// killMidRun starts argv with users on stdin and SIGKILLs it as soon as ready says so
// (polled: the fake's request count is the moment, and there is no event for it).
func killMidRun(t *testing.T, bin string, env, argv, users []string, ready func() bool) {
	t.Helper()
	cmd := exec.Command(bin, argv...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(strings.Join(users, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("the run ended before the kill (%v):\n%s", err, stderr.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("the run made too few requests in a minute:\n%s", stderr.String())
		case <-time.After(200 * time.Microsecond):
		}
		if ready() {
			cmd.Process.Kill() // SIGKILL: no handler, no flush, no finish
			<-exited
			return
		}
	}
}

// recoverAll is `resetdesk recover --format json`, by user.
func recoverAll(t *testing.T, bin string, env []string, cfg string) map[string]recoverLine {
	t.Helper()
	listed, _ := recoverWithStderr(t, bin, env, cfg)
	return listed
}

// recoverWithStderr is recoverAll and what recover said on stderr.
func recoverWithStderr(t *testing.T, bin string, env []string, cfg string) (map[string]recoverLine, string) {
	t.Helper()
	rec := exec.Command(bin, "recover", "--config", cfg, "--format", "json")
	rec.Env = env
	var out, errb bytes.Buffer
	rec.Stdout, rec.Stderr = &out, &errb
	if err := rec.Run(); err != nil {
		t.Fatalf("recover: %v\n%s", err, errb.String())
	}
	listed := map[string]recoverLine{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var e recoverLine
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("recover line %q: %v", l, err)
		}
		listed[e.User] = e
	}
	return listed, errb.String()
}
