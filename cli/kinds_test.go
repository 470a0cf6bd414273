package cli

import (
	"strings"
	"sync"
	"testing"

	"resetdesk/backends"
)

// The help names the systems and their modes from the registry: a kind registered
// shows in the root's summary and in run's help and --mode, with its modes.
func TestHelpNamesTheRegisteredKinds(t *testing.T) {
	// Registered once per process: the registry is a process's, and -count=N runs this again.
	registerFax.Do(func() {
		backends.Register(backends.Kind{Name: "zzfax", Title: "Fax-O-Matic 3000 (a test kind)",
			Modes: []backends.Mode{{Name: "toner"}, {Name: "paper"}}})
	})
	root := (&app{}).rootCommand()
	if !strings.HasSuffix(root.Short, ", RCDevs WebADM and Fax-O-Matic 3000") || strings.Contains(root.Short, "a test kind") {
		t.Errorf("the root's summary: %q", root.Short)
	}
	r := runCLI(t, "", nil, "run", "--help")
	if n := strings.Count(r.stdout, "webadm link|set, zzfax toner|paper"); n != 2 {
		t.Errorf("run --help names the kind's modes %d times, want in the text and --mode:\n%s", n, r.stdout)
	}
}

var registerFax sync.Once
