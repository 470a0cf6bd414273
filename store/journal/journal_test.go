package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/store"
)

// memStore is a SecretStore in memory.
type memStore map[string]string

func (m memStore) Name() string { return "memory" }
func (m memStore) Get(_ context.Context, p string) (string, error) {
	if v, ok := m[p]; ok {
		return v, nil
	}
	return "", store.ErrNoSecret
}
func (m memStore) Set(_ context.Context, p, s string) error { m[p] = s; return nil }
func (m memStore) Delete(_ context.Context, p string) error { delete(m, p); return nil }

func TestLoadKeyCreatesOnceAndRefusesWithoutCreate(t *testing.T) {
	ctx := context.Background()
	ms := memStore{}
	if _, err := LoadKey(ctx, ms, false); !errors.Is(err, ErrNoKey) {
		t.Fatalf("LoadKey without a key = %v, want ErrNoKey", err)
	}
	id, err := LoadKey(ctx, ms, true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadKey(ctx, ms, false)
	if err != nil || again.String() != id.String() {
		t.Fatalf("the key changed between runs: %v", err)
	}
	ms[KeyAccount] = "garbage"
	if _, err := LoadKey(ctx, ms, true); err == nil || strings.Contains(err.Error(), "garbage") {
		t.Fatalf("a bad key: %v", err)
	}
}

func TestJournalWriteReadMergeAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	id, _ := age.GenerateX25519Identity()
	w, err := Open(dir, id.Recipient(), "lab", "sip")
	if err != nil {
		t.Fatal(err)
	}
	// u0: sent then ok; u1: sent, no answer ever (killed); u2: sent then refused;
	// u3: a server-made secret recorded without an intent.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Intend(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusRunning, Secret: "pw-zero"}))
	must(w.Intend(backends.Outcome{Index: 1, User: "u1", Status: backends.StatusRunning, Secret: "pw-one"}))
	must(w.Intend(backends.Outcome{Index: 2, User: "u2", Status: backends.StatusRunning, Secret: "pw-two"}))
	must(w.Intend(backends.Outcome{Index: 4, User: "u4", Status: backends.StatusRunning})) // server-made: nothing to keep
	must(w.Record(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusOK, Secret: "pw-zero"}))
	must(w.Record(backends.Outcome{Index: 3, User: "u3", Status: backends.StatusOK, Secret: "link-three"}))
	must(w.Record(backends.Outcome{Index: 2, User: "u2", Status: backends.StatusFailed, Message: "refused"}))
	must(w.Record(backends.Outcome{Index: 4, User: "u4", Status: backends.StatusFailed, Message: "refused"}))
	name := w.f.Name()
	must(w.Close())

	fi, err := os.Stat(name)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file: %v mode %v", err, fi.Mode())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("journal dir mode %o", di.Mode().Perm())
	}
	raw, _ := os.ReadFile(name)
	// Three intents, u0's and u3's secrets, u2's drop; u4 had nothing to keep.
	if n := strings.Count(string(raw), "\n"); n != 6 {
		t.Fatalf("journal has %d entries, want 6", n)
	}
	// Only distinctive strings: a two-letter one like "u0" turns up in random ciphertext.
	for _, s := range []string{"pw-zero", "pw-one", "link-three", `"user"`, `"secret"`} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("journal holds %q in the clear", s)
		}
	}

	runs, err := Read(dir, id, time.Time{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("Read = %v, %v", runs, err)
	}
	var got []string
	for _, e := range runs[0].Entries {
		got = append(got, e.User+"="+e.Status+":"+e.Secret)
	}
	want := "u0=ok:pw-zero u1=sent:pw-one u3=ok:link-three"
	if strings.Join(got, " ") != want {
		t.Fatalf("entries %q, want %q", strings.Join(got, " "), want)
	}
	if runs[0].Profile != "lab" || runs[0].Mode != "sip" {
		t.Fatalf("run %+v", runs[0])
	}

	// A file written with another key is reported, and does not hide the others.
	other, _ := age.GenerateX25519Identity()
	w2, err := Open(dir, other.Recipient(), "lab", "vm")
	must(err)
	must(w2.Record(backends.Outcome{Index: 0, User: "u9", Status: backends.StatusOK, Secret: "pw-nine"}))
	must(w2.Close())
	runs, err = Read(dir, id, time.Time{})
	if err != nil || len(runs) != 2 {
		t.Fatalf("Read with a foreign file = %d runs, %v", len(runs), err)
	}
	var readable, foreign int
	for _, r := range runs {
		switch {
		case r.Err != nil && strings.Contains(r.Err.Error(), "another key"):
			foreign++
		case len(r.Entries) == 3:
			readable++
		}
	}
	if readable != 1 || foreign != 1 {
		t.Fatalf("runs %+v", runs)
	}
}

func TestJournalSurvivesATornLine(t *testing.T) {
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	w, err := Open(dir, id.Recipient(), "lab", "sip")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Record(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusOK, Secret: "pw0"}); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of the next write leaves half a line.
	if _, err := w.f.WriteString("YWdlLWVuY3J5cHRpb24ub3JnL3Yx"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	runs, err := Read(dir, id, time.Time{})
	if err != nil || len(runs) != 1 || len(runs[0].Entries) != 1 || runs[0].Damaged != 1 {
		t.Fatalf("Read = %+v, %v", runs, err)
	}
}

func TestPurgeAndEmptyRuns(t *testing.T) {
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	oldW, _ := Open(dir, id.Recipient(), "lab", "sip")
	if err := oldW.Record(backends.Outcome{User: "old", Status: backends.StatusOK, Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	oldName := oldW.f.Name()
	oldW.Close()
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(oldName, past, past); err != nil {
		t.Fatal(err)
	}
	newW, _ := Open(dir, id.Recipient(), "lab", "vm")
	if err := newW.Record(backends.Outcome{User: "new", Status: backends.StatusOK, Secret: "1234"}); err != nil {
		t.Fatal(err)
	}
	newW.Close()
	empty, _ := Open(dir, id.Recipient(), "lab", "web")
	emptyName := empty.f.Name()
	empty.Close()
	if _, err := os.Stat(emptyName); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a run with no secrets left a file")
	}

	n, err := Purge(dir, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	runs, _ := Read(dir, id, time.Time{})
	if len(runs) != 1 || runs[0].Entries[0].User != "new" {
		t.Fatalf("after purge: %+v", runs)
	}
}

func TestRecordAfterCloseFails(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	w, _ := Open(t.TempDir(), id.Recipient(), "lab", "sip")
	w.Close()
	if err := w.Record(backends.Outcome{User: "u", Secret: "s"}); err == nil {
		t.Fatal("Record after Close succeeded")
	}
}

// BenchmarkRecord is the cost of journaling one secret: encrypt, append, fsync.
func BenchmarkRecord(b *testing.B) {
	id, _ := age.GenerateX25519Identity()
	w, err := Open(b.TempDir(), id.Recipient(), "lab", "sip")
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	o := backends.Outcome{User: "9871515000@odinapi.net", Status: backends.StatusOK, Secret: "Zq9-secret-Pw!xyzzy"}
	for i := 0; b.Loop(); i++ {
		o.Index = i
		if err := w.Record(o); err != nil {
			b.Fatal(err)
		}
	}
}
