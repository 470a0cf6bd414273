package desk_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// An unlock, a mode of its own or an option of a reset, is in the history: the run's
// mode says it, and each outcome says what ADManager answered.
func TestHistoryRecordsUnlocks(t *testing.T) {
	srv := admanagertest.New(10)
	defer srv.Close()
	home := t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	text := fmt.Sprintf("[profiles.adm]\nkind = \"admanager\"\nurl = %q\ndomain = %q\n", srv.URL, admanagertest.Domain)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "RESETDESK_SECRET_ADM": admanagertest.Token, "RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	d, err := desk.New(desk.Options{ConfigPath: cfg, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	p, _ := d.Profile("adm")
	b, err := d.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	user := srv.Users()[4] // seeded locked out
	for _, spec := range []runner.Spec{
		{Mode: "unlock", Users: []string{user}},
		{Mode: "set", Users: []string{user}, Options: backends.Options{Unlock: true}},
	} {
		srv.Lock(user)
		req, err := runner.Prepare(ctx, b, p, spec)
		if err != nil {
			t.Fatal(err)
		}
		out, err := submitted(t, d, req)
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Status != backends.StatusOK || srv.Locked(user) {
			t.Fatalf("%s: %+v", spec.Mode, out[0])
		}
	}
	runs, outs, err := d.History(ctx, history.Filter{}, true)
	if err != nil || len(runs) != 2 || len(outs) != 2 {
		t.Fatalf("%d runs, %d outcomes, %v", len(runs), len(outs), err)
	}
	modes := map[string]bool{runs[0].Mode: true, runs[1].Mode: true}
	if !modes["unlock"] || !modes["set+unlock"] {
		t.Fatalf("modes %v", modes)
	}
	for _, o := range outs {
		if !strings.Contains(o.Message, admanagertest.MsgUnlocked) {
			t.Errorf("outcome %+v does not say the account was unlocked", o)
		}
	}
}
