package history

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"resetdesk/backends"
)

// noSecretIn fails when a file of the history holds secret, or is not 0600.
func noSecretIn(t *testing.T, path, secret string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		raw, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue // no writer has the file open: no -wal and -shm
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("%s holds the secret", f)
		}
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s mode %o", f, fi.Mode().Perm())
		}
	}
}

func TestHistoryRecordsRunsWithoutSecrets(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	id, err := db.StartRun(ctx, RunInfo{OSUser: "tech", Started: start, Profile: "adm", Kind: "admanager", Mode: "set", Ticket: "INC-7\x1b]52;c;x\a", Total: 4})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Zq9-secret-Pw!"
	const tabbed = "Tab\tSecret-7" // put on one line, a message changes it as it changes the secret
	// as it goes: the request (the secret is in the outcome, never in the row), then the
	// answer that echoes it
	if ok, err := db.Reserve(ctx, id, backends.Outcome{Index: 3, User: "eve", Secret: tabbed}, start, 10, Midnight(start)); err != nil || !ok {
		t.Fatalf("Reserve = %v, %v", ok, err)
	}
	if err := db.Record(ctx, id, backends.Outcome{Index: 3, User: "eve", Status: backends.StatusOK, Secret: tabbed, Message: "set to " + tabbed}, start); err != nil {
		t.Fatal(err)
	}
	err = db.FinishRun(ctx, id, []backends.Outcome{
		{Index: 0, User: "jdoe", Status: backends.StatusOK, Secret: secret, Message: "Password reset to " + secret},
		{Index: 1, User: "asmith", Status: backends.StatusFailed, Message: "user not found"},
		{Index: 2, User: "bob", Status: backends.StatusUnknown, Secret: "", Message: "no answer"},
		{Index: 3, User: "eve", Status: backends.StatusOK, Secret: tabbed, Message: "set to " + tabbed},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	runs, err := db.Runs(ctx, Filter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	r := runs[0]
	if r.OSUser != "tech" || r.Profile != "adm" || r.Tally != (backends.Tally{OK: 2, Failed: 1, Unknown: 1}) || r.Finished.IsZero() || r.Ticket != "INC-7" {
		t.Fatalf("run %+v", r)
	}
	outs, err := db.Outcomes(ctx, Filter{User: "jdoe"})
	if err != nil || len(outs) != 1 || outs[0].Message != "Password reset to [secret]" {
		t.Fatalf("Outcomes(jdoe) = %+v, %v", outs, err)
	}
	if outs, err := db.Outcomes(ctx, Filter{User: "eve"}); err != nil || len(outs) != 1 || outs[0].Message != "set to [secret]" {
		t.Fatalf("Outcomes(eve) = %+v, %v", outs, err)
	}
	if outs, _ := db.Outcomes(ctx, Filter{Since: time.Now().Add(time.Hour)}); len(outs) != 0 {
		t.Fatalf("--since in the future found %d", len(outs))
	}

	for _, s := range []string{secret, "Tab Secret-7", "Tab\tSecret-7"} {
		noSecretIn(t, path, s) // the writer open: the WAL holds the last transactions
	}
	db.Close()
	for _, s := range []string{secret, "Tab Secret-7", "Tab\tSecret-7"} {
		noSecretIn(t, path, s)
	}
}

// The path goes into an SQLite URI: characters that mean something there ('?', '#',
// '%') are taken as part of the name.
func TestAPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d")
	path := filepath.Join(dir, FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	startRun(t, db, "adm")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if runs, err := ro.Runs(context.Background(), Filter{}); err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
}

func TestQuotaCountSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ok := func(i int) backends.Outcome {
		return backends.Outcome{Index: i, User: "u", Status: backends.StatusOK}
	}
	id, _ := db.StartRun(ctx, RunInfo{OSUser: "t", Started: now, Profile: "adm", Kind: "admanager", Mode: "generate", Total: 5})
	db.FinishRun(ctx, id, []backends.Outcome{ok(0), ok(1), {Index: 2, User: "x", Status: backends.StatusFailed},
		{Index: 3, User: "y", Status: backends.StatusUnknown}, {Index: 4, User: "z", Status: backends.StatusSkipped}}, now)
	yesterday := Midnight(now).Add(-time.Hour)
	id, _ = db.StartRun(ctx, RunInfo{OSUser: "t", Started: yesterday, Profile: "adm", Kind: "admanager", Mode: "generate", Total: 1})
	db.FinishRun(ctx, id, []backends.Outcome{ok(0)}, yesterday)
	id, _ = db.StartRun(ctx, RunInfo{OSUser: "t", Started: now, Profile: "other", Kind: "admanager", Mode: "generate", Total: 1})
	db.FinishRun(ctx, id, []backends.Outcome{ok(0)}, now)
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.SuccessesSince(ctx, "adm", Midnight(now))
	// ok and unknown (the system may have counted it) spend quota; failed and skipped do not
	if err != nil || n != 3 {
		t.Fatalf("today's quota use = %d, %v; want 3", n, err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.Local)
	for in, want := range map[string]time.Time{
		"24h":              now.Add(-24 * time.Hour),
		"7d":               now.Add(-7 * 24 * time.Hour),
		"2026-05-01":       time.Date(2026, 5, 1, 0, 0, 0, 0, time.Local),
		"2026-05-01 14:30": time.Date(2026, 5, 1, 14, 30, 0, 0, time.Local),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-3h", "2026-13-01"} {
		if _, err := ParseSince(bad, now); err == nil {
			t.Errorf("ParseSince(%q) accepted", bad)
		}
	}
}

// A run killed mid-way keeps what it recorded as it went: the outcomes that arrived,
// and the requests that went out with no answer, which count against the quota and in
// the run's counts as unknown.
func TestKilledRunKeepsItsOutcomesAndSpendsQuota(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	id, _ := db.StartRun(ctx, RunInfo{OSUser: "t", Started: now, Profile: "adm", Kind: "admanager", Mode: "set", Total: 10})
	const secret = "Kq7-secret!"
	steps := []error{
		db.Sending(ctx, id, backends.Outcome{Index: 0, User: "a", Secret: secret}, now),
		db.Record(ctx, id, backends.Outcome{Index: 0, User: "a", Status: backends.StatusOK, Secret: secret, Message: "set to " + secret}, now),
		db.Sending(ctx, id, backends.Outcome{Index: 1, User: "b"}, now),
		db.Record(ctx, id, backends.Outcome{Index: 1, User: "b", Status: backends.StatusFailed, Message: "no such user"}, now),
		db.Sending(ctx, id, backends.Outcome{Index: 2, User: "c"}, now),
		db.Sending(ctx, id, backends.Outcome{Index: 3, User: "d"}, now),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // the process dies here: no FinishRun

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.SuccessesSince(ctx, "adm", Midnight(now)); err != nil || n != 3 {
		t.Fatalf("quota use after a kill = %d, %v; want 3 (a, and c and d sent with no answer)", n, err)
	}
	runs, err := db.Runs(ctx, Filter{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	if r := runs[0]; !r.Finished.IsZero() || r.Tally != (backends.Tally{OK: 1, Failed: 1, Unknown: 2}) {
		t.Fatalf("killed run %+v", r)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != 4 {
		t.Fatalf("Outcomes = %+v, %v", outs, err)
	}
	if outs[0].Message != "set to [secret]" || outs[2].Status != StatusSent || outs[2].Message == "" {
		t.Fatalf("outcomes %+v", outs)
	}

	// Finishing (a run that was not killed) supersedes what was recorded on the way and
	// keeps each outcome once.
	err = db.FinishRun(ctx, id, []backends.Outcome{
		{Index: 0, User: "a", Status: backends.StatusOK},
		{Index: 1, User: "b", Status: backends.StatusFailed, Message: "no such user"},
		{Index: 2, User: "c", Status: backends.StatusOK},
		{Index: 3, User: "d", Status: backends.StatusUnknown, Message: "no answer"},
		{Index: 4, User: "e", Status: backends.StatusSkipped},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	outs, _ = db.Outcomes(ctx, Filter{})
	if len(outs) != 5 || outs[2].Status != "ok" || outs[3].Status != "unknown" {
		t.Fatalf("after finish: %+v", outs)
	}
	if n, _ := db.SuccessesSince(ctx, "adm", Midnight(now)); n != 3 {
		t.Fatalf("quota use after finish = %d, want 3", n)
	}
}
