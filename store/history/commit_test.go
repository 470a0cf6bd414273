package history

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
)

// waitFor polls cond until it holds: used where the state waited for (a write queued
// behind a transaction) sends no event.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWriter blocks db's writer inside a transaction until release is called, so that
// the writes a test queues meanwhile all go into the next group.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	inside, held := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.w.do(context.Background(), false, func(*txn) error {
			close(inside)
			<-held
			return nil
		})
	}()
	<-inside
	return func() {
		close(held)
		if err := <-done; err != nil {
			t.Errorf("the holding transaction: %v", err)
		}
	}
}

// queue starts call in a goroutine once the ones before it are queued, so that the
// writes of a group are queued in a known order; results collects their errors.
type queue struct {
	t       *testing.T
	db      *DB
	n       int
	wg      sync.WaitGroup
	mu      sync.Mutex
	results map[int]error
}

func newQueue(t *testing.T, db *DB) *queue {
	return &queue{t: t, db: db, results: map[int]error{}}
}

func (q *queue) add(call func() error) int {
	i := q.n
	q.n++
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		err := call()
		q.mu.Lock()
		q.results[i] = err
		q.mu.Unlock()
	}()
	waitFor(q.t, "a write to queue", func() bool { return q.db.w.queued() == q.n })
	return i
}

func (q *queue) wait() map[int]error {
	q.wg.Wait()
	return q.results
}

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func startRun(t *testing.T, db *DB, profile string) int64 {
	t.Helper()
	id, err := db.StartRun(context.Background(), RunInfo{OSUser: "t", Started: time.Now(), Profile: profile, Kind: "admanager", Mode: "set", Total: 100})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The writes that queue up while a transaction commits are committed together in the
// next one, and each returns once its own row is committed.
func TestWritesQueuedDuringACommitShareTheNextTransaction(t *testing.T) {
	countCommits()
	ctx := context.Background()
	db, _ := openTemp(t)
	id := startRun(t, db, "adm")
	release := holdWriter(t, db)
	q := newQueue(t, db)
	const n = 31
	for i := range n {
		q.add(func() error { return db.Sending(ctx, id, backends.Outcome{Index: i, User: "u"}, time.Now()) })
	}
	q.mu.Lock()
	early := len(q.results)
	q.mu.Unlock()
	if early != 0 {
		t.Fatalf("%d writes returned before their transaction could commit", early)
	}
	before := commits.Load()
	release()
	for i, err := range q.wait() {
		if err != nil {
			t.Fatalf("Sending %d: %v", i, err)
		}
	}
	// the held transaction, then one for all 31
	if got := commits.Load() - before; got != 2 {
		t.Fatalf("%d transactions for a held one and %d queued writes; want 2", got, n)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != n {
		t.Fatalf("Outcomes = %d rows, %v; want %d", len(outs), err, n)
	}
}

// A write that fails in a group fails alone: the others are committed without it.
func TestAFailedWriteIsDroppedFromItsGroup(t *testing.T) {
	countCommits()
	ctx := context.Background()
	db, _ := openTemp(t)
	id := startRun(t, db, "adm")
	release := holdWriter(t, db)
	q := newQueue(t, db)
	q.add(func() error { return db.Sending(ctx, id, backends.Outcome{Index: 0, User: "a"}, time.Now()) })
	bad := q.add(func() error { return db.Sending(ctx, id+100, backends.Outcome{Index: 0, User: "ghost"}, time.Now()) })
	q.add(func() error {
		return db.Record(ctx, id, backends.Outcome{Index: 0, User: "a", Status: backends.StatusOK}, time.Now())
	})
	q.add(func() error { return db.Sending(ctx, id, backends.Outcome{Index: 1, User: "b"}, time.Now()) })
	before := commits.Load()
	release()
	for i, err := range q.wait() {
		switch {
		case i == bad && (err == nil || !strings.Contains(err.Error(), `"ghost"`)):
			t.Fatalf("the write for a run that does not exist: %v; want an error naming the user", err)
		case i != bad && err != nil:
			t.Fatalf("write %d: %v", i, err)
		}
	}
	// the held transaction, and the group written again without the failed write (the
	// first attempt rolled back)
	if got := commits.Load() - before; got != 2 {
		t.Fatalf("%d transactions; want 2", got)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != 2 || outs[0].Status != "ok" || outs[1].Status != StatusSent {
		t.Fatalf("Outcomes = %+v, %v; want a ok, b sent", outs, err)
	}
}

// A write whose context ends while it waits for its group is not written.
func TestAWriteCancelledWhileQueuedIsNotWritten(t *testing.T) {
	db, _ := openTemp(t)
	id := startRun(t, db, "adm")
	release := holdWriter(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	q := newQueue(t, db)
	q.add(func() error { return db.Sending(ctx, id, backends.Outcome{Index: 0, User: "a"}, time.Now()) })
	cancel()
	release()
	if err := q.wait()[0]; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Sending = %v", err)
	}
	if outs, err := db.Outcomes(context.Background(), Filter{}); err != nil || len(outs) != 0 {
		t.Fatalf("Outcomes = %+v, %v; want none", outs, err)
	}
}

// Close commits what is queued, and the writes after it fail with an error that names
// the file.
func TestCloseCommitsWhatIsQueued(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	id := startRun(t, db, "adm")
	release := holdWriter(t, db)
	q := newQueue(t, db)
	for i := range 5 {
		q.add(func() error { return db.Sending(ctx, id, backends.Outcome{Index: i, User: "u"}, time.Now()) })
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	waitFor(t, "Close to start", func() bool {
		db.w.mu.Lock()
		defer db.w.mu.Unlock()
		return db.w.closed
	})
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, err := range q.wait() {
		if err != nil {
			t.Fatalf("Sending %d queued before Close: %v", i, err)
		}
	}
	if err := db.Sending(ctx, id, backends.Outcome{Index: 9, User: "late"}, time.Now()); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Sending after Close = %v; want an error naming %s", err, path)
	}
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if outs, err := ro.Outcomes(ctx, Filter{}); err != nil || len(outs) != 5 {
		t.Fatalf("after Close: %d outcomes, %v; want 5", len(outs), err)
	}
}

// Two writers opening a history at the same moment, as two runs starting together do,
// both open: the switch to WAL that SQLite refuses at once to the second is tried again.
func TestWritersOpeningTogetherBothOpen(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), FileName)
		first, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		first.Close() // back to a rollback journal: the next opens switch it again
		errs := make(chan error, 8)
		for range 8 {
			go func() {
				db, err := Open(path)
				if err == nil {
					err = db.Close()
				}
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// due reports whether the writer would commit what is queued now.
func (c *committer) dueNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.due
}

// A write nobody waits for (RecordLater) starts no transaction of its own: the next write
// someone waits for takes it along into its transaction.
func TestALateWriteRidesWithTheNextWriteThatWaits(t *testing.T) {
	countCommits()
	ctx := context.Background()
	db, _ := openTemp(t)
	db.w.lazyFor = time.Hour
	id := startRun(t, db, "adm")
	before := commits.Load()
	db.RecordLater(id, backends.Outcome{Index: 0, User: "a", Status: backends.StatusOK, Message: "done"}, time.Now())
	if db.w.queued() != 1 || db.w.dueNow() {
		t.Fatalf("a late write alone: %d queued, due %v; want it queued and not due", db.w.queued(), db.w.dueNow())
	}
	if err := db.Sending(ctx, id, backends.Outcome{Index: 1, User: "b"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := commits.Load() - before; got != 1 {
		t.Fatalf("%d transactions for a late write and a Sending after it; want 1", got)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != 2 || outs[0].Status != "ok" || outs[1].Status != StatusSent {
		t.Fatalf("Outcomes = %+v, %v", outs, err)
	}
}

// A late write that no other write follows is committed once lazyFor has passed.
func TestALateWriteAloneIsCommittedAfterTheLazyDelay(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	db.w.lazyFor = 20 * time.Millisecond
	id := startRun(t, db, "adm")
	db.RecordLater(id, backends.Outcome{Index: 0, User: "a", Status: backends.StatusOK, Message: "done"}, time.Now())
	waitFor(t, "the late write to be committed", func() bool {
		outs, err := db.Outcomes(ctx, Filter{})
		return err == nil && len(outs) == 1 && outs[0].Status == "ok"
	})
}
