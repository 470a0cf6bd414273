package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// committer is a DB's one writer: a goroutine that owns the write connection and
// commits the writes queued to it in groups (group commit). SQLite takes one writer at a
// time and a transaction costs about the same for one row as for fifty, so writes that
// queue up while a transaction commits wait for the next one and share it.
type committer struct {
	path string
	db   *sql.DB
	conn *sql.Conn // the one write connection, held for the DB's life

	upsert *sql.Stmt // an outcome as it goes and comes: the time is the latest event's
	finish *sql.Stmt // an outcome at finish: one already recorded keeps its time
	begin  *sql.Stmt // BEGIN IMMEDIATE and COMMIT, prepared once: they run per group
	end    *sql.Stmt

	// late holds the outcomes RecordLater committed, as committed, so that FinishRun
	// need not write them again. Only the writer's goroutine touches it (in apply
	// functions and the results of RecordLater).
	late map[outcomeKey]*lateRow

	mu      sync.Mutex
	pending []*request
	// due is set once pending holds a write someone waits for, or writes nobody waits
	// for that have waited lazyFor: only then is pending committed (see run).
	due      bool
	lazyWait bool // a timer will make pending due (lazyFor after its first lazy write)
	taken    int  // counts the groups taken, so that a timer of an earlier group does nothing
	lazyFor  time.Duration
	closed   bool
	wake     chan struct{} // a token when pending may have become due; 1-buffered
	stopped  chan struct{} // closed when the goroutine has ended
}

// lazyDelay bounds how long a write nobody waits for (RecordLater) stays queued when
// no write that someone waits for comes to take it along into its transaction.
const lazyDelay = 100 * time.Millisecond

// A request is one write: apply runs inside the group's transaction, and done gets its
// result once the group is committed (or apply failed).
type request struct {
	ctx   context.Context
	apply func(*txn) error
	done  chan error
	// reserve marks a Reserve: a group's reservations run after its other writes.
	reserve bool
	// later, when set, takes the result instead of done: nobody waits for it.
	later func(error)
}

// end hands the request its result.
func (r *request) end(err error) {
	if r.later != nil {
		r.later(err)
		return
	}
	r.done <- err
}

// txn is one group's transaction, as the requests' apply functions see it.
type txn struct {
	c *committer
	// spent caches the quota use Reserve counted in this transaction, so that a group
	// of reservations counts once and adds its own grants. Any other write to the
	// outcomes may change the count and clears it (forgetSpent).
	spent map[spentKey]int
	// profiles caches the profile of each run a Reserve in this transaction asked for.
	profiles map[int64]string
}

type spentKey struct {
	profile string
	since   int64
}

const upsertOutcome = `INSERT INTO outcomes (run_id, idx, user, status, message, at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, message = excluded.message, at = excluded.at`

const finishOutcome = `INSERT INTO outcomes (run_id, idx, user, status, message, at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, message = excluded.message`

var errClosed = errors.New("the history is closed")

// openCommitter opens the write connection, puts the file in WAL mode, migrates the
// schema and starts the writer.
func openCommitter(path string) (*committer, error) {
	db, err := sql.Open("sqlite", fileURI(path)+"?_pragma="+busyTimeout+"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	c := &committer{path: path, db: db, wake: make(chan struct{}, 1), stopped: make(chan struct{}), late: map[outcomeKey]*lateRow{}, lazyFor: lazyDelay}
	if err := c.prepare(); err != nil {
		if c.conn != nil {
			c.conn.Close()
		}
		db.Close()
		return nil, err
	}
	go c.run()
	return c, nil
}

func (c *committer) prepare() error {
	ctx := context.Background()
	var err error
	if c.conn, err = c.db.Conn(ctx); err != nil {
		return fmt.Errorf("history %s: cannot open: %w", c.path, err)
	}
	// WAL while a writer is open: readers read beside the writer. Close turns it back.
	if err := c.switchToWAL(ctx); err != nil {
		return fmt.Errorf("history %s: cannot open the write-ahead log: %w", c.path, err)
	}
	if err := migrate(ctx, c.conn, c.path); err != nil {
		return err
	}
	if c.upsert, err = c.conn.PrepareContext(ctx, upsertOutcome); err != nil {
		return fmt.Errorf("history %s: %w", c.path, err)
	}
	if c.finish, err = c.conn.PrepareContext(ctx, finishOutcome); err != nil {
		return fmt.Errorf("history %s: %w", c.path, err)
	}
	if c.begin, err = c.conn.PrepareContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("history %s: %w", c.path, err)
	}
	if c.end, err = c.conn.PrepareContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("history %s: %w", c.path, err)
	}
	return nil
}

// switchToWAL puts the file in WAL mode. SQLite refuses the switch with SQLITE_BUSY at
// once, whatever busy_timeout says, when another connection is switching it too (two
// runs starting at the same moment on a history the last writer turned back): it is
// tried again, for as long as busy_timeout would have waited.
func (c *committer) switchToWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyWait)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		_, err := c.conn.ExecContext(ctx, `PRAGMA journal_mode = WAL`)
		var coded interface{ Code() int }
		if err == nil || !errors.As(err, &coded) || coded.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

// sqliteBusy is SQLite's result code for a lock held by another connection.
const sqliteBusy = 5

// do queues apply and waits for its group's commit. A context done before apply runs
// stops it from running; once it has run, the request waits for the commit (at most a
// transaction, or busy_timeout if another process holds the lock) so that its result
// says what was committed.
func (c *committer) do(ctx context.Context, reserve bool, apply func(*txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, apply: apply, done: make(chan error, 1), reserve: reserve}
	if err := c.queue(r); err != nil {
		return err
	}
	return <-r.done
}

// doLater queues apply and returns at once; later gets the result once its group is
// committed. Writes queued after it are committed with or after it.
func (c *committer) doLater(apply func(*txn) error, later func(error)) error {
	return c.queue(&request{ctx: context.Background(), apply: apply, later: later})
}

// queue adds r to pending. A write someone waits for makes pending due at once; one
// nobody waits for (RecordLater) does not start a transaction of its own: it is taken
// along by the next write someone waits for — in a run, the next request's Sending —
// or committed lazyFor after it came. A run's answers had taken ~45% of its
// transactions, each one a write lock, WAL frames and ~0.2 ms of CPU, and a Sending
// that came during one waited for it.
func (c *committer) queue(r *request) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.pending = append(c.pending, r)
	wake := false
	switch {
	case c.due:
	case r.later == nil:
		c.due, wake = true, true
	case !c.lazyWait:
		c.lazyWait = true
		taken := c.taken
		time.AfterFunc(c.lazyFor, func() { c.lazyDue(taken) })
	}
	c.mu.Unlock()
	if wake {
		c.signal()
	}
	return nil
}

// lazyDue makes pending due, if the group whose first lazy write started the timer is
// still waiting (taken has not moved on).
func (c *committer) lazyDue(taken int) {
	c.mu.Lock()
	wake := c.taken == taken && !c.due
	if wake {
		c.due = true
	}
	c.mu.Unlock()
	if wake {
		c.signal()
	}
}

// signal wakes the writer.
func (c *committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default: // a token is already there: the writer will look at pending again
	}
}

// queued is how many writes wait for the next group (for tests).
func (c *committer) queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

func (c *committer) run() {
	defer close(c.stopped)
	var spare []*request
	for {
		c.mu.Lock()
		for !(c.due && len(c.pending) > 0) && !c.closed {
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		group := c.pending
		c.pending = spare[:0]
		c.due, c.lazyWait = false, false
		c.taken++
		c.mu.Unlock()
		if len(group) == 0 {
			return // closed, and everything queued before is committed
		}
		c.commit(group)
		clear(group)
		spare = group
	}
}

// commit writes group in one transaction. A request whose apply fails gets its error
// and the others are written again without it, in a new transaction: nothing of the
// failed transaction was committed.
func (c *committer) commit(group []*request) {
	for len(group) > 0 {
		live := group[:0]
		for _, r := range group {
			if err := r.ctx.Err(); err != nil {
				r.end(err)
				continue
			}
			live = append(live, r)
		}
		if len(live) == 0 {
			return
		}
		bad, err := c.try(live)
		if bad < 0 {
			for _, r := range live {
				r.end(err)
			}
			return
		}
		live[bad].end(err)
		group = append(live[:bad], live[bad+1:]...)
	}
}

// try runs group in one transaction: it returns the index of the request that failed
// (the transaction rolled back), or -1 and the result of the commit.
//
// The writes other than reservations run first, in queue order, then the reservations
// in queue order. Any order is one the callers could have seen: every request of a
// group was waiting at once, and none had returned, so none can depend on another. This
// one lets the reservations count the quota use once per group (any other write may
// change it), and see the places that the group's failed outcomes free.
func (c *committer) try(group []*request) (int, error) {
	// The writer's statements run to the end whoever is waiting: a request's context
	// is looked at before its apply (commit), and an interrupted INSERT would roll the
	// whole group back.
	ctx := context.Background()
	if _, err := c.begin.ExecContext(ctx); err != nil {
		return -1, fmt.Errorf("history %s: cannot take the write lock: %w", c.path, err)
	}
	t := &txn{c: c}
	for _, reservations := range []bool{false, true} {
		for i, r := range group {
			if r.reserve != reservations {
				continue
			}
			if err := r.apply(t); err != nil {
				c.rollback()
				return i, err
			}
		}
	}
	if _, err := c.end.ExecContext(ctx); err != nil {
		c.rollback()
		return -1, fmt.Errorf("history %s: cannot commit: %w", c.path, err)
	}
	return -1, nil
}

// rollback ends a failed transaction. Its error is not the one to report, and SQLite
// has already rolled back after some errors (a full disk), where ROLLBACK says there
// is no transaction.
func (c *committer) rollback() {
	c.conn.ExecContext(context.Background(), `ROLLBACK`) //nolint:errcheck // see above
}

// close commits what is queued, stops the writer and closes the connection, turning the
// file back from WAL to a rollback journal when no other connection has it open: the
// -wal and -shm files go, and a read-only opening then needs none.
func (c *committer) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.signal()
	<-c.stopped
	ctx := context.Background()
	// Not waiting: when another connection has the file open (another process, or
	// another DB of ours) the switch fails at once, and the last to close does it.
	c.conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`)      //nolint:errcheck // best effort, see above
	c.conn.ExecContext(ctx, `PRAGMA journal_mode = DELETE`) //nolint:errcheck // best effort, see above
	err := errors.Join(c.upsert.Close(), c.finish.Close(), c.begin.Close(), c.end.Close(), c.conn.Close())
	return errors.Join(err, c.db.Close())
}

// exec runs a statement of the transaction.
func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	return t.c.conn.ExecContext(context.Background(), query, args...)
}

// forgetSpent is called by every write to the outcomes other than a reservation.
func (t *txn) forgetSpent() { clear(t.spent) }

// spentSince counts profile's quota use since since, as of this transaction.
func (t *txn) spentSince(profile string, since time.Time) (int, error) {
	k := spentKey{profile, since.UnixMilli()}
	if n, ok := t.spent[k]; ok {
		return n, nil
	}
	var n int
	if err := t.c.conn.QueryRowContext(context.Background(), countSpent, spentArgs(profile, since)...).Scan(&n); err != nil {
		return 0, err
	}
	if t.spent == nil {
		t.spent = map[spentKey]int{}
	}
	t.spent[k] = n
	return n, nil
}

// addSpent counts a reservation granted in this transaction.
func (t *txn) addSpent(profile string, since time.Time) {
	t.spent[spentKey{profile, since.UnixMilli()}]++
}

// profileOf is the profile of run id.
func (t *txn) profileOf(id int64) (string, error) {
	if p, ok := t.profiles[id]; ok {
		return p, nil
	}
	var p string
	if err := t.c.conn.QueryRowContext(context.Background(), `SELECT profile FROM runs WHERE id = ?`, id).Scan(&p); err != nil {
		return "", err
	}
	if t.profiles == nil {
		t.profiles = map[int64]string{}
	}
	t.profiles[id] = p
	return p, nil
}
