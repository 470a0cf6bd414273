package e2e

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/prm/prmtest"
)

// killRounds is how many SIGKILLs each loop lands at random moments of a 500-user run.
const killRounds = 20

// A secret made before its request (Odin's generator): in 20 SIGKILLs at random moments
// of a 500-user run against a slow fake, no password the server set is lost — recover
// lists every one, with the password the server holds.
func TestKillLoopLosesNoPremadeSecret(t *testing.T) {
	killLoop(t, func(t *testing.T) killTarget {
		srv := odintest.New(500)
		srv.SetFaults(odintest.Faults{Latency: 10 * time.Millisecond})
		return killTarget{cfg: writeConfig(t, srv), profile: "lab", mode: "sip", users: srv.Users(),
			env:    hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password),
			secret: srv.SIPPassword, resets: srv.Resets, close: srv.Close}
	}, func(e recoverLine, listed bool, now string) bool { return listed && e.Secret == now })
}

// A secret the server makes in its answer (PRM): in 20 SIGKILLs at random moments, every
// user the server reset is in recover with its new password, or named as possibly reset
// (the request went out, the answer never reached the journal).
func TestKillLoopNamesEveryServerMadeSecret(t *testing.T) {
	killLoop(t, func(t *testing.T) killTarget {
		srv := prmtest.New(500)
		srv.SetFaults(prmtest.Faults{Latency: 10 * time.Millisecond})
		cfg := filepath.Join(t.TempDir(), "config.toml")
		if err := os.WriteFile(cfg, []byte("[profiles.prm]\nkind = \"prm\"\nurl = \""+srv.URL+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return killTarget{cfg: cfg, profile: "prm", mode: "generate", users: srv.Users(),
			env:    hermeticEnv(t, "RESETDESK_SECRET_PRM="+prmtest.Token),
			secret: srv.Password, resets: srv.Resets, close: srv.Close}
	}, func(e recoverLine, listed bool, now string) bool {
		return listed && (e.Secret == now || e.Secret == "" && strings.Contains(e.Note, "possibly reset"))
	})
}

// killTarget is one round's fake and the run against it.
type killTarget struct {
	cfg, profile, mode string
	users, env         []string
	secret             func(user string) string // what the fake holds now
	resets             func() int
	close              func() // waits for the requests the fake was still serving
}

// killLoop runs killRounds rounds: a fresh fake from setup, a 500-user run SIGKILLed
// once the fake has served a random number of resets, then recover; every user whose
// secret changed on the server must pass kept (its recover line, whether it is listed,
// and the secret the server holds).
func killLoop(t *testing.T, setup func(*testing.T) killTarget, kept func(e recoverLine, listed bool, now string) bool) {
	bin := builtBinary(t)
	for round := range killRounds {
		tg := setup(t)
		before := map[string]string{}
		for _, u := range tg.users {
			before[u] = tg.secret(u)
		}
		resetsBefore := tg.resets()
		killAfter := 1 + rand.IntN(len(tg.users)-1)
		killMidRun(t, bin, tg.env, []string{"run", "--config", tg.cfg, "--profile", tg.profile, "--mode", tg.mode, "--yes", "--concurrency", "8", "--users", "-"},
			tg.users, func() bool { return tg.resets()-resetsBefore >= killAfter })
		tg.close() // the fake's state is final
		listed := recoverAll(t, bin, tg.env, tg.cfg)
		changed, unknown := 0, 0
		for _, u := range tg.users {
			now := tg.secret(u)
			if now == before[u] {
				continue
			}
			changed++
			e, ok := listed[u]
			if !kept(e, ok, now) {
				t.Fatalf("round %d (killed after %d resets): %s's secret changed on the server to %q; recover lists %+v", round, killAfter, u, now, e)
			}
			if e.Secret == "" {
				unknown++
			}
		}
		t.Logf("round %d: killed after %d resets, %d changed on the server, all in recover (%d named as possibly reset)", round, killAfter, changed, unknown)
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
