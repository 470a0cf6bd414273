package demo_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/demo"
	"resetdesk/backends/runner"
)

// demoPackage matches the packages the demo links into every process: itself, the fake
// servers and what they are built on.
var demoPackage = regexp.MustCompile(`^resetdesk/backends/(demo|fakekit|fakeusers|[a-z]+/[a-z]+test)$`)

// The demo is linked into every resetdesk process, so its packages must do no work at
// initialisation: GODEBUG=inittrace=1 lists every package that does, with its time and
// allocations. This test binary links them all; run it again doing nothing and read the
// list.
func TestNothingOfTheDemoRunsAtPackageInit(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation adds initialisation work to every package")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	traced := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "init" {
			continue
		}
		traced++
		if demoPackage.MatchString(f[1]) {
			t.Errorf("package %s does work at initialisation: %s", f[1], sc.Text())
		}
	}
	if traced == 0 {
		t.Fatalf("no init trace in the output (GODEBUG=inittrace=1 ignored?): %s", out)
	}
}

func TestEveryKindHasADemoProfileThatWorks(t *testing.T) {
	env, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	kinds := map[string]bool{}
	for _, in := range env.Instances {
		kinds[in.Profile.Kind] = true
		t.Run(in.Profile.Name, func(t *testing.T) {
			kind, ok := backends.Lookup(in.Profile.Kind)
			if !ok {
				t.Fatalf("kind %q not registered", in.Profile.Kind)
			}
			srv := in.Server.(interface{ Users() []string })
			if n := len(srv.Users()); n != demo.SampleUsers {
				t.Errorf("%d demo users, want %d", n, demo.SampleUsers)
			}
			if secret, ok := env.Secret(in.Profile.Name); !ok || secret != in.Secret {
				t.Errorf("Secret(%s) = %q, %v", in.Profile.Name, secret, ok)
			}
			b := backendtest.Client(t, in.Profile, in.Secret)
			user := srv.Users()[0]
			if !kind.NoSearch {
				hits, err := b.Search(context.Background(), "smith", 5)
				if err != nil || len(hits) == 0 {
					t.Fatalf("search: %v, %v", hits, err)
				}
				user = hits[0].ID
			}
			start := time.Now()
			out := backendtest.Run(t, b, runner.Spec{Mode: kind.Modes[0].Name, Users: []string{user}}, in.Secret)
			if out[0].Status != backends.StatusOK {
				t.Fatalf("%+v", out[0])
			}
			// The console's live table needs something to show: every demo answers slowly.
			if d := time.Since(start); d < 30*time.Millisecond {
				t.Errorf("demo answered in %v: no simulated latency", d)
			}
		})
	}
	if len(kinds) != len(backends.Kinds()) {
		t.Errorf("demo profiles for %d kinds, %d registered", len(kinds), len(backends.Kinds()))
	}
}
