package journal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
)

// writeRun journals one secret per user as ok and returns the file.
func writeRun(t *testing.T, dir string, rcp age.Recipient, users ...string) string {
	t.Helper()
	w, err := Open(dir, rcp, RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	for i, u := range users {
		must(t, w.Record(backends.Outcome{Index: i, User: u, Status: backends.StatusOK, Secret: "pw-" + u}))
	}
	must(t, w.Close())
	return w.path
}

func appendTo(t *testing.T, name string, s string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(s)
	must(t, err)
	must(t, f.Close())
}

func lines(t *testing.T, name string) []string {
	t.Helper()
	raw, err := os.ReadFile(name)
	must(t, err)
	return strings.SplitAfter(string(raw), "\n")
}

// v1Fixture copies the version 1 journal in testdata (written once by the writer of
// commit 416a428, one age message per line) into a directory of its own.
func v1Fixture(t *testing.T) (dir, file string, id *age.X25519Identity) {
	t.Helper()
	key, err := os.ReadFile("testdata/v1.key")
	must(t, err)
	id, err = age.ParseX25519Identity(strings.TrimSpace(string(key)))
	must(t, err)
	raw, err := os.ReadFile("testdata/v1.journal")
	must(t, err)
	dir = t.TempDir()
	file = filepath.Join(dir, "20260101T000000.000000000Z-1.journal")
	must(t, os.WriteFile(file, raw, 0o600))
	return dir, file, id
}

func TestAVersion1JournalStillReads(t *testing.T) {
	dir, file, id := v1Fixture(t)
	r := readOne(t, dir, id)
	// The fixture's run: u0 sent then ok, u1 sent and killed, u2 sent then refused, u3
	// answered with no intent, u4 sent then unknown.
	want := "u0=ok:pw-zero u1=sent:pw-one u3=ok:link-three u4=unknown:pw-four"
	if got := summary(r); got != want || r.Profile != "lab" || r.Mode != "sip" || r.Problem() != "" {
		t.Fatalf("version 1 file read as %q (%+v), want %q", got, r, want)
	}
	ls := lines(t, file)
	first, err := openLegacyLine([]byte(strings.TrimSpace(ls[0])), id)
	if err != nil || first.Time.IsZero() || !r.Started.Equal(first.Time) {
		t.Fatalf("a version 1 run starts with its first entry (%v, %v): %v", first.Time, err, r.Started)
	}

	// The bug of version 1's writer: a fragment left by a full disk with the next entry
	// glued to it, in the middle of the file.
	glued := slices.Clone(ls[:len(ls)-1]) // the last element is the empty string after the final newline
	glued = slices.Insert(glued, 3, ls[4][:40])
	must(t, os.WriteFile(file, []byte(strings.Join(glued, "")), 0o600))
	r = readOne(t, dir, id)
	if r.Damaged != 1 || r.CutOff || !strings.Contains(r.Problem(), "middle") || !strings.Contains(r.Problem(), file) {
		t.Fatalf("a glued line in the middle: damaged %d, cut off %v, %q", r.Damaged, r.CutOff, r.Problem())
	}
}

func TestTheLastWriteCutOffIsToldFromDamageInTheMiddle(t *testing.T) {
	id := newIdentity(t)
	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, file string)
		cutOff   bool
		problem  string
		entries  int
		damaged  int
		isDamage bool
	}{
		{"torn last line", func(t *testing.T, file string) {
			ls := lines(t, file)
			appendTo(t, file, ls[1][:50])
		}, true, "the last write was cut off", 3, 1, true},
		{"damaged line in the middle", func(t *testing.T, file string) {
			ls := lines(t, file)
			b := []byte(ls[2])
			b[30] ^= 'A' ^ 'B' // still base64, but no longer what was sealed
			ls[2] = string(b)
			must(t, os.WriteFile(file, []byte(strings.Join(ls, "")), 0o600))
		}, false, "1 damaged line(s) in the middle", 2, 1, true},
		{"a line moved from another run", func(t *testing.T, file string) {
			other := writeRun(t, t.TempDir(), id.Recipient(), "x")
			appendTo(t, file, lines(t, other)[1])
			appendTo(t, file, lines(t, file)[1]) // and a good line after it
		}, false, "in the middle", 3, 1, true},
		{"a blank line", func(t *testing.T, file string) { appendTo(t, file, "\n  \n") }, false, "", 3, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeRun(t, dir, id.Recipient(), "a", "b", "c")
			tc.damage(t, file)
			r := readOne(t, dir, id)
			if len(r.Entries) != tc.entries || r.Damaged != tc.damaged || r.CutOff != tc.cutOff || r.Err != nil {
				t.Fatalf("read %s: %d damaged, cut off %v, err %v; want %d entries, %d damaged, cut off %v",
					summary(r), r.Damaged, r.CutOff, r.Err, tc.entries, tc.damaged, tc.cutOff)
			}
			if p := r.Problem(); (p != "") != tc.isDamage || !strings.Contains(p, tc.problem) || (p != "" && !strings.Contains(p, file)) {
				t.Fatalf("Problem() = %q, want it to say %q about %s", p, tc.problem, file)
			}
		})
	}
}

func TestEntriesAreBoundToTheirHeader(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	one, err := newFileCipher(key, []byte(headerMagic+"one"))
	must(t, err)
	two, err := newFileCipher(key, []byte(headerMagic+"two"))
	must(t, err)
	line, err := one.appendLine(nil, sealedEntry{User: "u", Status: "ok", Secret: "pw"})
	must(t, err)
	line = bytes.TrimSuffix(line, []byte("\n"))
	if e, err := (&entryOpener{c: one}).open(line); err != nil || e.Secret != "pw" {
		t.Fatalf("an entry does not open under its own header: %v", err)
	}
	if _, err := (&entryOpener{c: two}).open(line); err == nil {
		t.Fatal("an entry opened under another header with the same key")
	}
}

func TestFilesThatCannotBeReadAreNamedWithTheCause(t *testing.T) {
	id, other := newIdentity(t), newIdentity(t)
	dir := t.TempDir()
	good := writeRun(t, dir, id.Recipient(), "a")
	foreign := writeRun(t, dir, other.Recipient(), "b")
	notJournal := filepath.Join(dir, "notes.journal")
	must(t, os.WriteFile(notJournal, []byte("hello\n"), 0o600))
	damagedHeader := writeRun(t, dir, id.Recipient(), "c", "d")
	ls := lines(t, damagedHeader)
	ls[0] = ls[0][:len(headerMagic)+40] + "!!" + ls[0][len(headerMagic)+42:]
	must(t, os.WriteFile(damagedHeader, []byte(strings.Join(ls, "")), 0o600))
	// Neither of these holds anything: Open was killed before it returned.
	must(t, os.WriteFile(filepath.Join(dir, "20260101T000000.000000000Z-1.journal"), nil, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "20260101T000000.000000000Z-2.journal"), []byte(ls[0][:80]), 0o600))
	// A file Read may not open (the error os.Open gives; tests run as root).
	denied := writeRun(t, dir, id.Recipient(), "e")
	fsys := deniedFS{FS: os.DirFS(dir), name: filepath.Base(denied)}

	runs, err := readRuns(fsys, dir, id, time.Time{}, lastBoot())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Run{}
	for _, r := range runs {
		got[r.File] = r
	}
	if len(runs) != 5 || summary(got[good]) != "a=ok:pw-a" {
		t.Fatalf("runs %+v", runs)
	}
	for _, tc := range []struct {
		file  string
		is    error
		words string
	}{
		{foreign, ErrOtherKey, "another journal key"},
		{notJournal, ErrNotJournal, "not a journal file"},
		{damagedHeader, nil, "header line is damaged, so none of its 3 entry line(s)"}, // two entries and Close's end
		{denied, fs.ErrPermission, "permission denied"},
	} {
		r := got[tc.file]
		if r.Err == nil || (tc.is != nil && !errors.Is(r.Err, tc.is)) || !strings.Contains(r.Problem(), tc.words) || !strings.Contains(r.Problem(), tc.file) {
			t.Errorf("%s: %v; want %v saying %q and naming the file", filepath.Base(tc.file), r.Err, tc.is, tc.words)
		}
		if r.Started.IsZero() && tc.file != notJournal {
			t.Errorf("%s: no start time from its name", filepath.Base(tc.file))
		}
	}
}

// deniedFS refuses to open one file as the kernel does to a user without the right.
type deniedFS struct {
	fs.FS
	name string
}

func (d deniedFS) Open(name string) (fs.File, error) {
	if name == d.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return d.FS.Open(name)
}

// snapshot is a directory's names, sizes and modification times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	des, err := os.ReadDir(dir)
	must(t, err)
	var b strings.Builder
	for _, de := range des {
		fi, err := de.Info()
		must(t, err)
		fmt.Fprintf(&b, "%s %v %d %v\n", de.Name(), fi.ModTime(), fi.Size(), fi.Mode())
	}
	return b.String()
}

func TestReadingCreatesNothingAndDeletesNothing(t *testing.T) {
	id := newIdentity(t)
	never := filepath.Join(t.TempDir(), "journal")
	runs, err := Read(never, id, time.Time{})
	if err != nil || runs != nil {
		t.Fatalf("Read on a host that never ran = %v, %v; want nothing and no error", runs, err)
	}
	if files, err := Mismatched(never, id); err != nil || files != nil {
		t.Fatalf("Mismatched on a host that never ran = %v, %v", files, err)
	}
	if _, err := os.Stat(never); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("reading created the journal directory")
	}

	dir := t.TempDir()
	old := writeRun(t, dir, id.Recipient(), "a")
	past := time.Now().Add(-90 * 24 * time.Hour)
	must(t, os.Chtimes(old, past, past))
	empty, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"}) // open, never closed: header only
	must(t, err)
	defer empty.Close()
	before := snapshot(t, dir)
	if _, err := Read(dir, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := Mismatched(dir, newIdentity(t)); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("reading changed the directory:\n%s\nbecame\n%s", before, after)
	}
}

func TestMismatchedNamesTheFilesTheKeyCannotOpen(t *testing.T) {
	dir, v1, v1ID := v1Fixture(t)
	id, other := newIdentity(t), newIdentity(t)
	mine := writeRun(t, dir, id.Recipient(), "a")
	theirs := writeRun(t, dir, other.Recipient(), "b")
	must(t, os.WriteFile(filepath.Join(dir, "notes.journal"), []byte("hello\n"), 0o600))

	for _, tc := range []struct {
		id   age.Identity
		want []string
	}{
		{id, []string{theirs, v1}},
		{v1ID, []string{mine, theirs}},
	} {
		got, err := Mismatched(dir, tc.id)
		slices.Sort(got)
		slices.Sort(tc.want)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Fatalf("Mismatched = %v, %v; want %v", got, err, tc.want)
		}
	}
}

func TestReadSkipsEntriesBeforeSince(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	w, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	clock := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return clock }
	must(t, w.Intend(backends.Outcome{Index: 0, User: "old", Secret: "pw-old"}))
	must(t, w.Intend(backends.Outcome{Index: 1, User: "late", Secret: "pw-late"}))
	clock = clock.Add(time.Hour)
	must(t, w.Record(backends.Outcome{Index: 1, User: "late", Status: backends.StatusOK, Secret: "pw-late"}))
	must(t, w.Close())
	runs, err := Read(dir, id, clock.Add(-time.Minute))
	if err != nil || len(runs) != 1 || summary(runs[0]) != "late=ok:pw-late" {
		t.Fatalf("Read since = %+v, %v", runs, err)
	}
}
