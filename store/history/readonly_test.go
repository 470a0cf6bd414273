package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

// dirState is what a test compares to say that a directory was left as it was: each
// entry's name, size, mode and modification time.
func dirState(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []string{"(no directory)"}
	}
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, strings.Join([]string{fi.Name(), fi.Mode().String(), strconv.FormatInt(fi.Size(), 10), fi.ModTime().String()}, " "))
	}
	return s
}

func sameState(t *testing.T, what string, before, after []string) {
	t.Helper()
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatalf("%s changed the directory:\nbefore %q\nafter  %q", what, before, after)
	}
}

// No history yet: OpenReadOnly says so with ErrNoHistory and creates nothing, neither
// the file nor the state directory.
func TestOpenReadOnlyOfNoHistoryCreatesNothing(t *testing.T) {
	tmp := t.TempDir()
	missingDir := filepath.Join(tmp, "state", "resetdesk")
	emptyDir := filepath.Join(tmp, "empty")
	if err := os.Mkdir(emptyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	emptyFileDir := filepath.Join(tmp, "emptyfile")
	if err := os.Mkdir(emptyFileDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// what Open of an old version left when it was killed before the schema
	if err := os.WriteFile(filepath.Join(emptyFileDir, FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{missingDir, emptyDir, emptyFileDir} {
		before := dirState(t, dir)
		db, err := OpenReadOnly(filepath.Join(dir, FileName))
		if !errors.Is(err, ErrNoHistory) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("OpenReadOnly in %s = %v; want ErrNoHistory", dir, err)
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
			t.Fatalf("error %q does not name the file", err)
		}
		sameState(t, "OpenReadOnly of "+dir, before, dirState(t, dir))
	}
	if _, err := os.Stat(filepath.Join(tmp, "state")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the state directory was created: %v", err)
	}
}

// Reading a history that no process has open, the runs, the outcomes and the quota
// count, leaves its directory as it was: no -wal, no -shm, nothing written.
func TestOpenReadOnlyOfAQuietHistoryChangesNothing(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	id := startRun(t, db, "adm")
	if err := db.Record(ctx, id, backends.Outcome{Index: 0, User: "jdoe", Status: backends.StatusOK}, now); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, dir)
	if len(before) != 1 {
		t.Fatalf("a closed history left %q; want the database file alone", before)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if runs, err := ro.Runs(ctx, Filter{}); err != nil || len(runs) != 1 {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	if outs, err := ro.Outcomes(ctx, Filter{User: "jdoe"}); err != nil || len(outs) != 1 {
		t.Fatalf("Outcomes = %v, %v", outs, err)
	}
	if n, err := ro.SuccessesSince(ctx, "adm", Midnight(now)); err != nil || n != 1 {
		t.Fatalf("SuccessesSince = %d, %v; want 1", n, err)
	}
	if err := ro.Sending(ctx, id, backends.Outcome{Index: 1, User: "x"}, now); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("Sending on a read-only history = %v", err)
	}
	if _, err := ro.Reserve(ctx, id, backends.Outcome{Index: 1, User: "x"}, now, 5, Midnight(now)); err == nil {
		t.Fatal("Reserve on a read-only history succeeded")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	sameState(t, "reading a quiet history", before, dirState(t, dir))
}

// A read-only DB reads beside a writer, in this or another process, and sees what the
// writer commits after it opened: the quota count for display is current.
func TestOpenReadOnlySeesALiveWriter(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	now := time.Now()
	id := startRun(t, db, "adm")
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for i := range 3 {
		if ok, err := db.Reserve(ctx, id, backends.Outcome{Index: i, User: "u"}, now, 10, Midnight(now)); err != nil || !ok {
			t.Fatalf("Reserve = %v, %v", ok, err)
		}
		if n, err := ro.SuccessesSince(ctx, "adm", Midnight(now)); err != nil || n != i+1 {
			t.Fatalf("read-only count after %d reservations = %d, %v", i+1, n, err)
		}
	}
}
