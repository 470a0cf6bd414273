package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	must(t, err)
	return id
}

// testFile is the Writer's file with hooks that make the disk fail, and a count of the
// syncs and writes that reached it.
type testFile struct {
	*os.File
	mu         sync.Mutex
	syncs      int
	writes     int
	onWrite    func(f *os.File, p []byte) (int, error) // nil: write through
	onSync     func(f *os.File) error                  // nil: sync through
	onTruncate func(f *os.File, size int64) error      // nil: truncate through
}

func (t *testFile) hooks() (func(*os.File, []byte) (int, error), func(*os.File) error, func(*os.File, int64) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.onWrite, t.onSync, t.onTruncate
}

func (t *testFile) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.writes++
	t.mu.Unlock()
	if h, _, _ := t.hooks(); h != nil {
		return h(t.File, p)
	}
	return t.File.Write(p)
}

func (t *testFile) Sync() error {
	t.mu.Lock()
	t.syncs++
	t.mu.Unlock()
	if _, h, _ := t.hooks(); h != nil {
		return h(t.File)
	}
	return t.File.Sync()
}

func (t *testFile) Truncate(size int64) error {
	if _, _, h := t.hooks(); h != nil {
		return h(t.File, size)
	}
	return t.File.Truncate(size)
}

func (t *testFile) set(fn func(t *testFile)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn(t)
}

func (t *testFile) counts() (syncs, writes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.syncs, t.writes
}

// openTest opens a journal whose file is a testFile; hook, when set, is installed
// before the header is written. The journal is closed when the test ends.
func openTest(t testing.TB, dir string, rcp age.Recipient, hook func(*testFile)) (*Writer, *testFile, error) {
	t.Helper()
	var tf *testFile
	w, err := open(dir, rcp, RunInfo{Profile: "lab", Mode: "sip"}, func(f *os.File) file {
		tf = &testFile{File: f}
		if hook != nil {
			hook(tf)
		}
		return tf
	})
	if err == nil {
		t.Cleanup(func() { w.Close() })
	}
	return w, tf, err
}

// summary is a run's entries as "user=status:secret", in input order.
func summary(r Run) string {
	var got []string
	for _, e := range r.Entries {
		got = append(got, e.User+"="+e.Status+":"+e.Secret)
	}
	return strings.Join(got, " ")
}

func readOne(t testing.TB, dir string, id age.Identity) Run {
	t.Helper()
	runs, err := Read(dir, id, time.Time{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("Read = %d runs %+v, %v; want one", len(runs), runs, err)
	}
	return runs[0]
}

func TestLoadKeyCreatesOnceAndRefusesWithoutCreate(t *testing.T) {
	ctx := context.Background()
	ms := memStore{}
	if _, err := LoadKey(ctx, ms, false); !errors.Is(err, ErrNoKey) {
		t.Fatalf("LoadKey without a key = %v, want ErrNoKey", err)
	}
	id, err := LoadKey(ctx, ms, true)
	must(t, err)
	again, err := LoadKey(ctx, ms, false)
	if err != nil || again.String() != id.String() {
		t.Fatalf("the key changed between runs: %v", err)
	}
	ms[KeyAccount] = "garbage"
	if _, err := LoadKey(ctx, ms, true); err == nil || strings.Contains(err.Error(), "garbage") {
		t.Fatalf("a bad key: %v", err)
	}
}

func TestWriteReadMergesIntentsAndAnswers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	id := newIdentity(t)
	w, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	// Secrets made ahead: u0 sent then ok; u1 sent, no answer ever (killed); u2 sent
	// then refused. Made by the server (Intend with no secret): u4 refused; u5 no
	// answer ever; u6 answered with its link; u7 unanswered (unknown); u8 set and
	// delivered by the server itself (ok, no secret). u3: an answer with no intent.
	must(t, w.Intend(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusRunning, Secret: "pw-zero"}))
	must(t, w.Intend(backends.Outcome{Index: 1, User: "u1", Status: backends.StatusRunning, Secret: "pw-one"}))
	must(t, w.Intend(backends.Outcome{Index: 2, User: "u2", Status: backends.StatusRunning, Secret: "pw-two"}))
	for _, i := range []int{4, 5, 6, 7, 8} {
		must(t, w.Intend(backends.Outcome{Index: i, User: "u" + string(rune('0'+i)), Status: backends.StatusRunning}))
	}
	must(t, w.Record(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusOK, Secret: "pw-zero"}))
	must(t, w.Record(backends.Outcome{Index: 3, User: "u3", Status: backends.StatusOK, Secret: "link-three"}))
	must(t, w.Record(backends.Outcome{Index: 2, User: "u2", Status: backends.StatusFailed, Message: "refused"}))
	must(t, w.Record(backends.Outcome{Index: 4, User: "u4", Status: backends.StatusFailed, Message: "refused"}))
	must(t, w.Record(backends.Outcome{Index: 6, User: "u6", Status: backends.StatusOK, Secret: "link-six"}))
	must(t, w.Record(backends.Outcome{Index: 7, User: "u7", Status: backends.StatusUnknown, Message: "timeout"}))
	must(t, w.Record(backends.Outcome{Index: 8, User: "u8", Status: backends.StatusOK}))
	// A refusal with no intent journals nothing.
	must(t, w.Record(backends.Outcome{Index: 9, User: "u9", Status: backends.StatusFailed}))
	name := w.path
	must(t, w.Close())

	fi, err := os.Stat(name)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal file: %v mode %v", err, fi.Mode())
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("journal dir mode %o", di.Mode().Perm())
	}
	raw, _ := os.ReadFile(name)
	// The header, eight intents, seven answers (u9's refusal had nothing to drop) and
	// Close's end.
	if n := strings.Count(string(raw), "\n"); n != 1+8+7+1 {
		t.Fatalf("journal has %d lines, want 17", n)
	}
	// Only distinctive strings: a two-letter one like "u0" turns up in random ciphertext.
	for _, s := range []string{"pw-zero", "pw-one", "link-three", "link-six", `"user"`, `"secret"`, `"lab"`, `"sip"`} {
		if strings.Contains(string(raw), s) {
			t.Fatalf("journal holds %q in the clear", s)
		}
	}

	r := readOne(t, dir, id)
	want := "u0=ok:pw-zero u1=sent:pw-one u3=ok:link-three u5=sent: u6=ok:link-six u7=unknown:"
	if got := summary(r); got != want {
		t.Fatalf("entries %q, want %q", got, want)
	}
	var unknown []string
	for _, e := range r.Entries {
		if e.PasswordUnknown() {
			unknown = append(unknown, e.User)
		}
	}
	if strings.Join(unknown, " ") != "u5 u7" {
		t.Fatalf("password unknown for %v, want u5 u7", unknown)
	}
	if r.Profile != "lab" || r.Mode != "sip" || r.Entries[0].Profile != "lab" || r.Entries[0].Mode != "sip" {
		t.Fatalf("run %+v", r)
	}
	if r.Problem() != "" || r.Damaged != 0 {
		t.Fatalf("a whole file reports %q", r.Problem())
	}
}

func TestPurgeAndEmptyRuns(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	oldW, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	must(t, oldW.Record(backends.Outcome{User: "old", Status: backends.StatusOK, Secret: "x"}))
	oldName := oldW.path
	must(t, oldW.Close())
	past := time.Now().Add(-48 * time.Hour)
	must(t, os.Chtimes(oldName, past, past))
	newW, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "vm"})
	must(t, err)
	must(t, newW.Record(backends.Outcome{User: "new", Status: backends.StatusOK, Secret: "1234"}))
	must(t, newW.Close())
	empty, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "web"})
	must(t, err)
	emptyName := empty.path
	must(t, empty.Close())
	if _, err := os.Stat(emptyName); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a run that journaled nothing left a file")
	}

	n, err := Purge(dir, time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	if r := readOne(t, dir, id); summary(r) != "new=ok:1234" {
		t.Fatalf("after purge: %+v", r)
	}
}

func TestRecordAfterCloseFails(t *testing.T) {
	id := newIdentity(t)
	w, err := Open(t.TempDir(), id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	must(t, w.Close())
	must(t, w.Close()) // twice is harmless
	if err := w.Record(backends.Outcome{User: "u", Secret: "s"}); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Record after Close = %v", err)
	}
}
