package ui

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"resetdesk/backends"
	_ "resetdesk/backends/all"
	"resetdesk/backends/demo"
	"resetdesk/backends/odin/odintest"
)

// updating reports -update (the flag is defined by the golden package teatest uses).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// demoOptions starts the demo back ends and opens them as `resetdesk --demo` does.
func demoOptions(t *testing.T) (*testDesk, *odintest.Server) {
	t.Helper()
	env, err := demo.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	// Only the Odin demo: the other kinds land later and must not change the goldens.
	inst, ok := env.Instance("demo-odin")
	if !ok {
		t.Fatal("no demo-odin")
	}
	srv := inst.Server.(*odintest.Server)
	srv.SetFaults(odintest.Faults{})
	return &testDesk{
		profiles: []backends.Profile{inst.Profile},
		demo:     true,
		open: func(ctx context.Context, p backends.Profile) (backends.Backend, error) {
			secret, _ := env.Secret(p.Name)
			return backends.Open(p, secret)
		},
		secretSource: func(context.Context, backends.Profile) (string, error) { return "demo", nil },
	}, srv
}

func startTest(t *testing.T, o *testDesk, w, h int) *teatest.TestModel {
	t.Helper()
	searchDebounce = 10 * time.Millisecond
	return teatest.NewTestModel(t, New(context.Background(), o, LocalTerminal()),
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

func waitFor(t *testing.T, tm *teatest.TestModel, frag string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(frag)) },
		teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func send(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "space":
			tm.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		case "ctrl+a":
			tm.Send(tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl})
		default:
			tm.Type(k)
		}
	}
}

// variable hides what changes from run to run: timings, rates and the export name.
var variable = regexp.MustCompile(` *(\d+\.\d+/s|\d+(\.\d+)?(ms|s)\b|\d+m\d\ds|resetdesk-[\w-]+\.csv)`)

func golden(t *testing.T, name string, view string) {
	t.Helper()
	got := variable.ReplaceAllString(ansi.Strip(view), " ~")
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	got = strings.Join(lines, "\n") + "\n"
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("view differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func finalResults(t *testing.T, tm *teatest.TestModel) (*Console, *resultsPage) {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Console)
	r, ok := m.top().(*resultsPage)
	if !ok {
		t.Fatalf("ended on %T, not the results", m.top())
	}
	return m, r
}

// A bulk SIP run: search "smith", select every hit, sip, confirm, wait, reveal, copy.
func TestFlowBulkSIP(t *testing.T) {
	o, srv := demoOptions(t)
	tm := startTest(t, o, 100, 30)
	waitFor(t, tm, "secret: demo")
	send(tm, "enter")
	waitFor(t, tm, "search:")
	send(tm, "smith")
	waitFor(t, tm, "13 hits")
	send(tm, "ctrl+a")
	waitFor(t, tm, "selected: 13")
	send(tm, "enter")
	waitFor(t, tm, "SIP authentication")
	send(tm, "enter")
	waitFor(t, tm, "reset now")
	send(tm, "enter")
	waitFor(t, tm, "r reveal row")
	send(tm, "r", "c")
	waitFor(t, tm, "copied the password")
	m, r := finalResults(t, tm)
	if r.tally.OK != 13 {
		t.Fatalf("tally %+v, want 13 ok", r.tally)
	}
	first := r.outcomes[0]
	if first.Secret == "" || first.Secret != srv.SIPPassword(first.User) {
		t.Fatalf("copied row's secret does not match the server's for %s", first.User)
	}
	if !m.clipHeld || r.Unsaved() != 12 {
		t.Fatalf("clipboard held %v, unsaved %d (want 12)", m.clipHeld, r.Unsaved())
	}
	r.tbl.HideAll() // the golden must not hold a random secret
	golden(t, "bulk_sip", m.View().Content)
}

// A single-user reset in seven keys after the users page opens: "5000" (an extension),
// enter (the hit under the cursor), enter (sip), enter (confirm). The two first may be
// typed at once; the last confirms the review once it is on screen (an enter typed
// before it showed is not taken for it).
func TestFlowSingleUser(t *testing.T) {
	o, srv := demoOptions(t)
	tm := startTest(t, o, 80, 24)
	waitFor(t, tm, "secret: demo")
	send(tm, "enter")
	waitFor(t, tm, "search:")
	send(tm, "5000")
	waitFor(t, tm, "1 hit")
	send(tm, "enter", "enter")
	waitFor(t, tm, "reset now")
	send(tm, "enter")
	waitFor(t, tm, "r reveal row")
	m, r := finalResults(t, tm)
	const user = "9871515000@odinapi.net" // Ada Smith, extension 5000
	if len(r.outcomes) != 1 || r.outcomes[0].User != user || r.outcomes[0].Status != backends.StatusOK {
		t.Fatalf("outcomes %+v", r.outcomes)
	}
	if r.outcomes[0].Secret != srv.SIPPassword(user) {
		t.Fatal("the shown secret is not the one the server holds")
	}
	golden(t, "single_user", m.View().Content)
}
