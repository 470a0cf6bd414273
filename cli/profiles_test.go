package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// `profiles -f json` gives a script each profile's modes and, where the system has a
// daily quota, the quota and what is left of it today.
func TestProfilesJSONListsModesAndQuota(t *testing.T) {
	r := runCLI(t, "", nil, "--demo", "profiles", "-f", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	got := map[string]profileLine{}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var p profileLine
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		got[p.Name] = p
	}
	if p := got["demo-odin"]; !slices.Equal(p.Modes, []string{"sip", "vm", "web"}) || p.QuotaLeft != nil || p.DailyQuota != 0 {
		t.Errorf("demo-odin: %+v", p)
	}
	if p := got["demo-admanager"]; !slices.Equal(p.Modes, []string{"generate", "set", "unlock"}) || p.DailyQuota == 0 || p.QuotaLeft == nil || *p.QuotaLeft != p.DailyQuota {
		t.Errorf("demo-admanager: %+v", p)
	}
	if !strings.Contains(r.stdout, `"quota_left":`) || !strings.Contains(r.stdout, `"daily_quota":`) || !strings.Contains(r.stdout, `"modes":["link","set"]`) {
		t.Errorf("the JSON keys:\n%s", r.stdout)
	}
}
