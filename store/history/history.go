// Package history records who reset whom, when, how and with what result, in an SQLite
// database (pure Go, modernc.org/sqlite) under $XDG_STATE_HOME/resetdesk/. It never
// holds a secret: outcomes keep the user, the status and the server's message, and a
// message that happens to contain the new secret has it blanked out.
//
// Guarantees:
//   - Sending, Reserve and Record return nil only once their row is committed, so a run
//     that is killed still shows who was being reset and still counts against the quota.
//     An error means the row was not committed (a failed COMMIT may in rare cases have
//     written it, which only makes the quota count higher, never lower).
//   - Group commit: a DB has one writer goroutine and one write connection. Every write
//     (StartRun, Sending, Reserve, Record, FinishRun) is queued to it, and all the writes
//     that queue up while a transaction commits go into the next one, so the transactions
//     per user fall as the runner's concurrency rises. Within a transaction the writes
//     other than reservations run first, in the order they were queued, then the
//     reservations in the order they were queued. A write that fails is dropped from its
//     group and the rest are committed without it.
//   - Every transaction is BEGIN IMMEDIATE: it takes SQLite's write lock, the one lock
//     every process using the file shares, before it reads anything. Reserve counts the
//     profile's quota use and inserts its row under that lock, so no number of processes
//     reserving against one file grants more than the quota. The count reads the index
//     entries of the profile's counted outcomes since the given time (about the quota's
//     size), once per group.
//   - busy_timeout is 10 s: a process that finds the write lock taken waits for it rather
//     than failing with SQLITE_BUSY. The longest transaction any process holds is a
//     FinishRun of a large run or the checkpoint at a close (tens of milliseconds), so
//     10 s only runs out when the process holding the lock is stuck (stopped, or on a
//     dead disk); then the caller gets an error rather than a hung run.
//   - OpenReadOnly creates nothing: a missing or empty file is ErrNoHistory. The last
//     writer to close the file turns it from WAL back to a rollback journal, so that a
//     read-only opening of a quiet history needs no -wal or -shm file. (When a writer is
//     open they exist already and a reader reads through them, seeing every commit.)
//   - synchronous=NORMAL: a commit survives the process being killed; a power cut may
//     lose the last transactions (WAL stays consistent).
//
// The schema (PRAGMA user_version: len(migrations)):
//   - runs: id, os_user, technician (empty for a local run: os_user says who), started and
//     finished (unix ms; finished NULL: the run never finished), profile, kind, mode,
//     ticket, total, and the counts ok, failed, unknown and skipped written at finish.
//   - outcomes: run_id, idx (the user's position in the run; unique per run), user,
//     status (a backends.Status, or "sent": the request went out and no answer was
//     recorded), message, at (unix ms). A run records all its outcomes before it
//     finishes.
//   - approvals: four-eyes approval requests, who asked and who decided, when and why
//     (approvals.go): a request outlives the process that filed it.
//   - A profile's quota use since a time: its outcomes that are ok, unknown or sent, with
//     at at or after that time.
//   - Version 0 is the schema of the resetdesk versions that never set user_version (no
//     technician column); Open migrates it in place, keeping its rows, and OpenReadOnly
//     reads it as it is. Those versions can still write to a migrated history: the new
//     column has a default.
package history

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"resetdesk/store"
)

// FileName is the database file in the state directory.
const FileName = "history.db"

// Path is $XDG_STATE_HOME/resetdesk/history.db.
func Path(getenv func(string) string) (string, error) {
	d, err := store.StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, FileName), nil
}

// ErrNoHistory is OpenReadOnly's error when no history has been recorded at the path:
// the file is missing or holds no table yet. There is nothing to show, which is not a
// failure.
var ErrNoHistory = errors.New("no history recorded yet")

// busyTimeout is how long a connection waits for a lock another connection holds before
// it fails with SQLITE_BUSY (see the package comment).
const busyTimeout = "busy_timeout(10000)"

// busyWait is busyTimeout as a duration, for the waits SQLite leaves to its caller.
const busyWait = 10 * time.Second

// readers is the most read connections a DB opens at once: reads run beside the writer
// (WAL), and a few are plenty for the console's pages.
const readers = 4

// DB is an open history database.
type DB struct {
	path string
	read *sql.DB // read-only connections: Runs, Outcomes, SuccessesSince
	// w is the writer; nil when the history was opened read-only.
	w *committer
	// version is the schema version of the file as it was opened.
	version   int
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating) the history at path, 0600 in a 0700 directory, and migrates an
// older schema.
func Open(path string) (*DB, error) {
	if err := store.PrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// Create the file ourselves so that it is 0600 from the start; SQLite gives its
	// -wal and -shm files the database's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: cannot open %s: %w", path, store.UnwrapPath(err))
	}
	f.Close()
	w, err := openCommitter(path)
	if err != nil {
		return nil, err
	}
	read, err := openReaders(path)
	if err != nil {
		w.close()
		return nil, err
	}
	return &DB{path: path, read: read, w: w, version: schemaVersion}, nil
}

// OpenReadOnly opens the history at path for reading only, creating nothing: not the
// file, its directory, nor (when no writer has the file open) its -wal and -shm files.
// A missing or empty history is ErrNoHistory. Every write method of the DB it returns
// fails.
func OpenReadOnly(path string) (*DB, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Size() == 0 {
		return nil, fmt.Errorf("history %s: %w", path, ErrNoHistory)
	}
	if err != nil {
		return nil, fmt.Errorf("history: cannot read %s: %w", path, store.UnwrapPath(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("history: %s is a directory", path)
	}
	read, err := openReaders(path)
	if err != nil {
		return nil, err
	}
	var tables int
	if err := read.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs'`).Scan(&tables); err != nil {
		read.Close()
		return nil, fmt.Errorf("history: cannot read %s: %w", path, err)
	}
	if tables == 0 {
		read.Close()
		return nil, fmt.Errorf("history %s: %w", path, ErrNoHistory)
	}
	var version int
	if err := read.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		read.Close()
		return nil, fmt.Errorf("history: cannot read %s: %w", path, err)
	}
	return &DB{path: path, read: read, version: version}, nil
}

// openReaders opens the pool of read-only connections. mode=ro never creates the file.
func openReaders(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&_pragma="+busyTimeout)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	db.SetMaxOpenConns(readers)
	return db, nil
}

// fileURI is path as an SQLite file: URI. SQLite decodes %HH in the path, and would
// take a '?' or '#' in it as the start of the query or fragment.
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// Close commits the writes already queued, then closes the database; writes after it
// fail.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		// Our readers go first: the writer can only turn the file back from WAL when no
		// other connection has it open.
		err := d.read.Close()
		if d.w != nil {
			err = errors.Join(d.w.close(), err)
		}
		if err != nil {
			d.closeErr = fmt.Errorf("history %s: %w", d.path, err)
		}
	})
	return d.closeErr
}
