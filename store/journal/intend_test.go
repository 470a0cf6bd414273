package journal

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"resetdesk/backends"
)

// prepare journals a batch of n secrets made ahead, user i with "pw-i".
func prepare(t *testing.T, w *Writer, n int) []backends.Outcome {
	t.Helper()
	var batch []backends.Outcome
	for i := range n {
		batch = append(batch, backends.Outcome{Index: i, User: fmt.Sprintf("user%d", i), Status: backends.StatusRunning, Secret: fmt.Sprintf("pw-%d", i)})
	}
	must(t, w.IntendBatch(batch))
	return batch
}

func intend(w *Writer, o backends.Outcome) chan error {
	done := make(chan error, 1)
	go func() { done <- w.Intend(o) }()
	return done
}

// within waits for c with a generous deadline: what it waits for needs no event
// from the test.
func within(t *testing.T, c chan error, what string) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return in 10 s", what)
		return nil
	}
}

// The mark of a prepared secret as sent is let go once the kernel has it; whatever
// carries a secret not on disk yet (a typed password, none at all) still waits for the
// sync of the same group.
func TestIntendOfAPreparedSecretReturnsAfterTheWriteBeforeTheSync(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	w, tf, err := openTest(t, dir, id.Recipient(), nil)
	must(t, err)
	batch := prepare(t, w, 3)

	// A first group holds the committer, so that the next three share one write.
	entered, release := holdNextSync(t, tf)
	first := record(w, 10)
	<-entered
	prepared := intend(w, batch[0])
	typed := intend(w, backends.Outcome{Index: 5, User: "typed", Status: backends.StatusRunning, Secret: "pw-typed"})
	noSecret := intend(w, backends.Outcome{Index: 6, User: "prm", Status: backends.StatusRunning})
	waitQueued(t, w, 3)
	_, writes0 := tf.counts()
	entered2, release2 := holdNextSync(t, tf)
	release()
	must(t, <-first)
	<-entered2 // the group of three is written; its sync is held

	must(t, within(t, prepared, "Intend of a prepared secret, with its sync held"))
	if _, writes := tf.counts(); writes != writes0+1 {
		t.Fatalf("Intend returned after %d writes, want its group's one", writes-writes0)
	}
	if returned(typed) || returned(noSecret) {
		t.Fatal("an Intend whose secret is not on disk yet returned before its sync")
	}
	// What a process killed now leaves: the mark is in the file.
	if got := summary(readOne(t, dir, id)); !strings.Contains(got, "user0=sent:pw-0") {
		t.Fatalf("read back %q while the sync is held, want user0 sent", got)
	}
	release2()
	must(t, <-typed)
	must(t, <-noSecret)
}

func TestAFailedWriteFailsAnIntendOfAPreparedSecret(t *testing.T) {
	dir := t.TempDir()
	w, tf, err := openTest(t, dir, newIdentity(t).Recipient(), nil)
	must(t, err)
	batch := prepare(t, w, 2)
	tf.set(func(tf *testFile) {
		tf.onWrite = func(f *os.File, p []byte) (int, error) {
			tf.set(func(tf *testFile) { tf.onWrite = nil })
			return 0, syscall.ENOSPC
		}
	})
	if err := within(t, intend(w, batch[0]), "Intend on a full disk"); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Intend whose write failed = %v, want ENOSPC (it must not send)", err)
	}
	// A failed write is cut back and the journal goes on.
	must(t, w.Intend(batch[1]))
}

// A sync that fails after a mark was let go may lose a request that left: the journal
// takes nothing more (the runner halts on the next Intend or Record), keeps the mark,
// and Close reports it.
func TestASyncFailureAfterAnEarlyIntendStopsTheJournal(t *testing.T) {
	dir := t.TempDir()
	id := newIdentity(t)
	w, tf, err := openTest(t, dir, id.Recipient(), nil)
	must(t, err)
	batch := prepare(t, w, 3)
	tf.set(func(tf *testFile) {
		tf.onSync = func(*os.File) error {
			tf.set(func(tf *testFile) { tf.onSync = nil })
			return syscall.EIO
		}
	})
	must(t, w.Intend(batch[0])) // written, then its sync fails
	if err := within(t, intend(w, batch[1]), "the next Intend"); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Intend after a failed sync = %v, want EIO", err)
	}
	if err := w.Record(backends.Outcome{Index: 0, User: "user0", Status: backends.StatusOK, Secret: "pw-0"}); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Record after a failed sync = %v, want EIO", err)
	}
	if err := w.Close(); !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), w.path) {
		t.Fatalf("Close after a failed sync = %v, want EIO naming the file", err)
	}
	// The mark that was let go stays: its request may have left.
	r := readOne(t, dir, id)
	if got := summary(r); got != "user0=sent:pw-0" || r.NeverSent != 2 {
		t.Fatalf("read back %q, %d never sent; want user0 sent and 2 never sent", got, r.NeverSent)
	}
}
