package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

// copyV0 copies testdata/v0.db, a history written by the resetdesk before schema
// versions (store/history at commit eea46de): Open, then
//
//	run 1 (alice, profile adm, admanager set, ticket INC-1, 2026-05-04 09:30 UTC, 3 users),
//	      finished a minute later: jdoe ok with "reset to Old-Secret-1" as the message
//	      and Old-Secret-1 as the secret, asmith failed "user not found", bob skipped;
//	run 2 (bob, profile odin-lab, odin sip, an hour later, 2 users), killed: carol
//	      Sending then Record ok, dave Sending only;
//
// then Close.
func copyV0(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "v0.db"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkV0Rows checks the rows of testdata/v0.db as db reads them.
func checkV0Rows(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	runs, err := db.Runs(ctx, Filter{})
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %v, %v; want the 2 runs of the old history", runs, err)
	}
	killed, done := runs[0], runs[1]
	t0 := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	if done.OSUser != "alice" || done.Technician != "" || done.Profile != "adm" || done.Ticket != "INC-1" || !done.Started.Equal(t0) ||
		!done.Finished.Equal(t0.Add(time.Minute)) || done.Tally != (backends.Tally{OK: 1, Failed: 1, Skipped: 1}) {
		t.Fatalf("finished run %+v", done)
	}
	if killed.OSUser != "bob" || killed.Profile != "odin-lab" || !killed.Finished.IsZero() || killed.Tally != (backends.Tally{OK: 1, Unknown: 1}) {
		t.Fatalf("killed run %+v", killed)
	}
	outs, err := db.Outcomes(ctx, Filter{User: "jdoe"})
	if err != nil || len(outs) != 1 || outs[0].Message != "reset to [secret]" {
		t.Fatalf("Outcomes(jdoe) = %+v, %v", outs, err)
	}
	if n, err := db.SuccessesSince(ctx, "odin-lab", t0); err != nil || n != 2 {
		t.Fatalf("quota use of odin-lab = %d, %v; want 2 (carol ok, dave sent)", n, err)
	}
}

// A history written before schema versions opens and keeps its rows: read-only as it
// is, and read-write migrated to the technician column, where new runs record theirs.
func TestAHistoryFromBeforeSchemaVersionsOpensAndKeepsItsRows(t *testing.T) {
	ctx := context.Background()
	path := copyV0(t)

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	checkV0Rows(t, ro)
	if runs, err := ro.Runs(ctx, Filter{Technician: "alice"}); err != nil || len(runs) != 0 {
		t.Fatalf("runs of technician alice in an old history = %v, %v; want none", runs, err)
	}
	// It has no verifications nor approval requests yet: none, not an error.
	if vs, err := ro.Verifications(ctx, Filter{}); err != nil || len(vs) != 0 {
		t.Fatalf("verifications of an old history = %v, %v; want none", vs, err)
	}
	if as, err := ro.Approvals(ctx, ApprovalFilter{}); err != nil || len(as) != 0 {
		t.Fatalf("approval requests of an old history = %v, %v; want none", as, err)
	}
	ro.Close()

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	checkV0Rows(t, db)
	id, err := db.StartRun(ctx, RunInfo{OSUser: "resetdesk", Technician: "alice", Started: time.Now(), Profile: "adm", Kind: "admanager", Mode: "set", Total: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var version int
	if err := raw.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("user_version = %d, %v; want %d", version, err, schemaVersion)
	}

	// Opened again: migrated once, not twice.
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(ctx, Filter{Technician: "alice"})
	if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Technician != "alice" || runs[0].OSUser != "resetdesk" {
		t.Fatalf("Runs(technician alice) = %+v, %v; want the new run only", runs, err)
	}
	if all, err := db.Runs(ctx, Filter{}); err != nil || len(all) != 3 {
		t.Fatalf("Runs = %d, %v; want 3", len(all), err)
	}
}

// A history written by a newer resetdesk (a schema version this code does not know) is
// not written to, with a message that says why.
func TestANewerSchemaIsNotWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err := Open(path); err == nil || !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), path) {
		if db != nil {
			db.Close()
		}
		t.Fatalf("Open of a newer schema = %v", err)
	}
}

// The technician is stored and selects the runs: "" (a local run) is every run.
func TestTheTechnicianSelectsRuns(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	now := time.Now()
	for i, tech := range []string{"alice", "", "bob", "alice"} {
		if _, err := db.StartRun(ctx, RunInfo{OSUser: "svc", Technician: tech, Started: now.Add(time.Duration(i) * time.Second), Profile: "adm", Kind: "admanager", Mode: "set", Total: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for tech, want := range map[string]int{"alice": 2, "bob": 1, "": 4, "carol": 0} {
		runs, err := db.Runs(ctx, Filter{Technician: tech})
		if err != nil || len(runs) != want {
			t.Fatalf("Runs(technician %q) = %d, %v; want %d", tech, len(runs), err, want)
		}
		for _, r := range runs {
			if tech != "" && r.Technician != tech {
				t.Fatalf("Runs(technician %q) returned %+v", tech, r)
			}
		}
	}
}
