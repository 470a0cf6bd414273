package desk_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// The durable path at the wire's speed: a whole run at a desk — the journal on disk with
// its fsyncs, the history in SQLite — against a fake Odin answering every request after
// 20 ms, beside a bare client that makes only the same requests (one login, the batch
// generator, one PUT per user) with the same concurrency. The fake runs in a process of
// its own, so that the allocations counted are the client side's alone.
//
//	go test -run XXX -bench DurableRun -benchtime 3x ./desk/
//
// wall/bare is the run's wall time over the bare client's (target ≤ 1.15);
// allocs/user is the product's allocations per user (client side only).
func BenchmarkDurableRun(b *testing.B) {
	const n, latency = 1000, 20 * time.Millisecond
	fake := startFakeProcess(b, n, latency)
	for _, conc := range []int{4, 16, 32} {
		b.Run(fmt.Sprintf("C=%d", conc), func(b *testing.B) {
			home := b.TempDir()
			d := benchDesk(b, fake.base, home, conc)
			var ratio, allocs float64
			for b.Loop() {
				bare := bareRun(b, fake.base, fake.users, conc)
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				start := time.Now()
				out := benchRun(b, d, fake.users)
				wall := time.Since(start)
				runtime.ReadMemStats(&ms1)
				if t := backends.TallyOf(out); t.OK != n {
					b.Fatalf("%+v", t)
				}
				ratio += float64(wall) / float64(bare)
				allocs += float64(ms1.Mallocs-ms0.Mallocs) / n
			}
			b.ReportMetric(ratio/float64(b.N), "wall/bare")
			b.ReportMetric(allocs/float64(b.N), "allocs/user")
		})
	}
}

func benchDesk(b *testing.B, base, home string, conc int) *desk.Desk {
	b.Helper()
	cfg := filepath.Join(home, "config.toml")
	text := fmt.Sprintf("[profiles.lab]\nkind = \"odin\"\nurl = %q\nusername = \"admin\"\nservice_provider = %q\ngroup = %q\nconcurrency = %d\n",
		base, odintest.ServiceProvider, odintest.Group, conc)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password, "RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	d, err := desk.New(desk.Options{ConfigPath: cfg, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Close)
	return d
}

func benchRun(b *testing.B, d *desk.Desk, users []string) []backends.Outcome {
	ctx := context.Background()
	p, _ := d.Profile("lab")
	be, err := d.Open(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	// Prepare, as every front end does: user ids need no lookup, so it sends nothing.
	req, err := runner.Prepare(ctx, be, p, runner.Spec{Mode: "sip", Users: users})
	if err != nil {
		b.Fatal(err)
	}
	plan, err := d.Plan(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	h, err := d.Submit(ctx, plan)
	if err != nil {
		b.Fatal(err)
	}
	<-h.Done()
	return h.Outcomes()
}

// bareRun makes the run's requests and nothing else, on the best schedule: a login, the
// generator in batches of 100 (the runner's) one batch ahead of the PUTs, and a PUT per
// user from conc workers. It returns the wall time.
func bareRun(b *testing.B, base string, users []string, conc int) time.Duration {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	start := time.Now()
	var tok struct{ Token string }
	call(b, c, "POST", base+"/auth/token", "", map[string]string{"username": odintest.Username, "password": odintest.Password}, &tok)
	type job struct{ user, secret string }
	work := make(chan job, 100)
	go func() {
		defer close(work)
		for done := 0; done < len(users); {
			var gen struct{ Passwords []string }
			call(b, c, "GET", fmt.Sprintf("%s/password/generate?limit=%d", base, min(100, len(users)-done)), tok.Token, nil, &gen)
			if len(gen.Passwords) == 0 {
				return
			}
			for _, s := range gen.Passwords {
				work <- job{users[done], s}
				done++
			}
		}
	}()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for j := range work {
				call(b, c, "PUT", base+"/users/authentication", tok.Token, map[string]string{"userId": j.user, "newPassword": j.secret}, nil)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

func call(b *testing.B, c *http.Client, method, url, token string, body, into any) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		b.Errorf("%s %s: %d %s", method, url, resp.StatusCode, data)
		return
	}
	if into != nil {
		_ = json.Unmarshal(data, into)
	}
}

// fakeProcess is a fake Odin in a child process (this test binary, re-executed).
type fakeProcess struct {
	base  string
	users []string
}

const fakeEnv = "RESETDESK_BENCH_FAKE"

// startFakeProcess starts the child: it prints its base URL and users on one JSON
// line, then serves until its stdin closes.
func startFakeProcess(b *testing.B, n int, latency time.Duration) fakeProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeOdinProcess$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%s", fakeEnv, n, latency))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f struct {
			Base  string
			Users []string
		}
		if json.Unmarshal(sc.Bytes(), &f) == nil && f.Base != "" {
			return fakeProcess{base: f.Base, users: f.Users}
		}
	}
	b.Fatal("the fake process did not start")
	return fakeProcess{}
}

// TestFakeOdinProcess is the child of startFakeProcess; it does nothing in a normal
// test run.
func TestFakeOdinProcess(t *testing.T) {
	spec := os.Getenv(fakeEnv)
	if spec == "" {
		t.Skip("the benchmark's fake Odin process")
	}
	var n int
	var latency time.Duration
	parts := strings.SplitN(spec, ",", 2)
	fmt.Sscan(parts[0], &n)
	latency, _ = time.ParseDuration(parts[1])
	srv := odintest.New(n)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Latency: latency})
	line, _ := json.Marshal(map[string]any{"Base": srv.BaseURL(), "Users": srv.Users()})
	fmt.Println(string(line))
	_, _ = io.Copy(io.Discard, os.Stdin)
}
