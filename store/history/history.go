// Package history records who reset whom, when, how and with what result, in an SQLite
// database (pure Go, modernc.org/sqlite) under $XDG_STATE_HOME/resetdesk/. It never
// holds a secret: outcomes keep the user, the status and the server's message, and a
// message that happens to contain the new secret has it blanked out.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"resetdesk/backends"
	"resetdesk/sanitize"
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

const schema = `
CREATE TABLE IF NOT EXISTS runs (
	id       INTEGER PRIMARY KEY,
	os_user  TEXT NOT NULL,
	started  INTEGER NOT NULL,   -- unix milliseconds
	finished INTEGER,            -- NULL: the run never finished (killed, crashed)
	profile  TEXT NOT NULL,
	kind     TEXT NOT NULL,
	mode     TEXT NOT NULL,
	ticket   TEXT NOT NULL DEFAULT '',
	total    INTEGER NOT NULL,
	ok       INTEGER NOT NULL DEFAULT 0,
	failed   INTEGER NOT NULL DEFAULT 0,
	unknown  INTEGER NOT NULL DEFAULT 0,
	skipped  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE TABLE IF NOT EXISTS outcomes (
	run_id  INTEGER NOT NULL REFERENCES runs(id),
	idx     INTEGER NOT NULL,
	user    TEXT NOT NULL,
	status  TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	at      INTEGER NOT NULL     -- unix milliseconds
);
CREATE INDEX IF NOT EXISTS outcomes_user ON outcomes(user);
CREATE INDEX IF NOT EXISTS outcomes_run ON outcomes(run_id);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_run_idx ON outcomes(run_id, idx);
`

// StatusSent is the status of a request recorded as it went out (DB.Sending) with no
// answer recorded after it: the process ended mid-request. It counts against a quota,
// since the system may have done the reset.
const StatusSent = "sent"

// messageSent explains a StatusSent outcome wherever the history is shown.
const messageSent = "request sent, no answer recorded: if the run is over it was killed, and the password may have changed"

const upsertOutcome = `INSERT INTO outcomes (run_id, idx, user, status, message, at) VALUES (?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, message = excluded.message, at = excluded.at`

// DB is an open history database.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens (creating) the history at path: 0600 in a 0700 directory.
func Open(path string) (*DB, error) {
	if err := store.PrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// Create the file ourselves so that it is 0600 from the start; SQLite gives its
	// -wal and -shm files the database's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: cannot open %s: %w", path, err)
	}
	f.Close()
	// busy_timeout: two resetdesk processes may finish a run at the same moment.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// One connection: a run's workers record outcomes at once, and SQLite takes one
	// writer at a time; queueing here is cheaper than its busy-wait.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("history %s: cannot prepare the database: %w", path, err)
	}
	return &DB{db: db, path: path}, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// RunInfo describes a run as it starts.
type RunInfo struct {
	OSUser  string
	Started time.Time
	Profile string
	Kind    string
	Mode    string
	Ticket  string
	Total   int
}

// StartRun records a run before anything is sent, so that a run that is killed still
// shows in the history (as unfinished). It returns the run's id for FinishRun.
func (d *DB) StartRun(ctx context.Context, r RunInfo) (int64, error) {
	res, err := d.db.ExecContext(ctx,
		`INSERT INTO runs (os_user, started, profile, kind, mode, ticket, total) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.OSUser, r.Started.UnixMilli(), r.Profile, r.Kind, r.Mode, sanitize.Line(r.Ticket), r.Total)
	if err != nil {
		return 0, fmt.Errorf("history: cannot record the run: %w", err)
	}
	return res.LastInsertId()
}

// Sending records, before a request goes out, that run id is resetting o.User: if the
// process dies before the answer, the history still says so and the quota counts it.
func (d *DB) Sending(ctx context.Context, id int64, o backends.Outcome, at time.Time) error {
	if _, err := d.db.ExecContext(ctx, upsertOutcome, id, o.Index, o.User, StatusSent, messageSent, at.UnixMilli()); err != nil {
		return fmt.Errorf("history: cannot record a request: %w", err)
	}
	return nil
}

// Record records one final outcome of run id as it arrives (superseding its Sending).
func (d *DB) Record(ctx context.Context, id int64, o backends.Outcome, at time.Time) error {
	if _, err := d.db.ExecContext(ctx, upsertOutcome, id, o.Index, o.User, string(o.Status), scrub(o.Message, o.Secret), at.UnixMilli()); err != nil {
		return fmt.Errorf("history: cannot record an outcome: %w", err)
	}
	return nil
}

// FinishRun records the final outcomes of run id and its counts, in one transaction.
// Outcomes already recorded keep the time they arrived; the others (users skipped, or
// a Record that failed) get finished.
func (d *DB) FinishRun(ctx context.Context, id int64, outcomes []backends.Outcome, finished time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO outcomes (run_id, idx, user, status, message, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, idx) DO UPDATE SET status = excluded.status, message = excluded.message`)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defer stmt.Close()
	var t backends.Tally
	for _, o := range outcomes {
		if !o.Status.Final() {
			continue
		}
		t.Add(o)
		if _, err := stmt.ExecContext(ctx, id, o.Index, o.User, string(o.Status), scrub(o.Message, o.Secret), finished.UnixMilli()); err != nil {
			return fmt.Errorf("history: cannot record an outcome: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET finished = ?, ok = ?, failed = ?, unknown = ?, skipped = ? WHERE id = ?`,
		finished.UnixMilli(), t.OK, t.Failed, t.Unknown, t.Skipped, id); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// scrub keeps a server message that echoes the new secret out of the history.
func scrub(msg, secret string) string {
	msg = sanitize.Line(msg)
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "[secret]")
	}
	return msg
}

// SuccessesSince counts the profile's resets that may have spent quota since t: ok ones,
// and unknown and sent ones (a killed run's last requests), which the system may have
// done and counted (ADManager's daily quota: pass the local midnight).
func (d *DB) SuccessesSince(ctx context.Context, profile string, t time.Time) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM outcomes o JOIN runs r ON r.id = o.run_id WHERE r.profile = ? AND o.status IN (?, ?, ?) AND o.at >= ?`,
		profile, string(backends.StatusOK), string(backends.StatusUnknown), StatusSent, t.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("history: cannot count today's resets: %w", err)
	}
	return n, nil
}

// Run is one recorded run.
type Run struct {
	ID int64
	RunInfo
	Finished time.Time // zero when the run never finished
	Tally    backends.Tally
}

// Outcome is one recorded outcome with its run.
type Outcome struct {
	Run     *Run
	Index   int
	User    string
	Status  string
	Message string
	At      time.Time
}

// Filter selects runs and outcomes.
type Filter struct {
	Since time.Time // zero: all
	User  string    // "": every user
}

// Runs lists the runs started at or after f.Since (with f.User: the runs that reset that
// user), newest first.
func (d *DB) Runs(ctx context.Context, f Filter) ([]*Run, error) {
	// A run that never finished (killed) has no counts of its own: they come from the
	// outcomes it recorded as it went, a request with no answer counting as unknown.
	q := `SELECT id, os_user, started, finished, profile, kind, mode, ticket, total,
		CASE WHEN finished IS NULL THEN (SELECT COUNT(*) FROM outcomes WHERE run_id = runs.id AND status = ?) ELSE ok END,
		CASE WHEN finished IS NULL THEN (SELECT COUNT(*) FROM outcomes WHERE run_id = runs.id AND status = ?) ELSE failed END,
		CASE WHEN finished IS NULL THEN (SELECT COUNT(*) FROM outcomes WHERE run_id = runs.id AND status IN (?, ?)) ELSE unknown END,
		skipped
		FROM runs WHERE started >= ?`
	since := f.Since.UnixMilli()
	if f.Since.IsZero() {
		since = 0
	}
	args := []any{string(backends.StatusOK), string(backends.StatusFailed), string(backends.StatusUnknown), StatusSent, since}
	if f.User != "" {
		q += ` AND id IN (SELECT run_id FROM outcomes WHERE user = ?)`
		args = append(args, f.User)
	}
	q += ` ORDER BY started DESC, id DESC`
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		var r Run
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&r.ID, &r.OSUser, &started, &finished, &r.Profile, &r.Kind, &r.Mode, &r.Ticket, &r.Total,
			&r.Tally.OK, &r.Tally.Failed, &r.Tally.Unknown, &r.Tally.Skipped); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		r.Started = time.UnixMilli(started)
		if finished.Valid {
			r.Finished = time.UnixMilli(finished.Int64)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Outcomes lists the outcomes of the runs Runs(f) returns (only f.User's with f.User),
// newest run first, in input order within a run.
func (d *DB) Outcomes(ctx context.Context, f Filter) ([]Outcome, error) {
	runs, err := d.Runs(ctx, f)
	if err != nil || len(runs) == 0 {
		return nil, err
	}
	var out []Outcome
	for _, r := range runs {
		q := `SELECT idx, user, status, message, at FROM outcomes WHERE run_id = ?`
		args := []any{r.ID}
		if f.User != "" {
			q += ` AND user = ?`
			args = append(args, f.User)
		}
		rows, err := d.db.QueryContext(ctx, q+` ORDER BY idx`, args...)
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		for rows.Next() {
			o := Outcome{Run: r}
			var at int64
			if err := rows.Scan(&o.Index, &o.User, &o.Status, &o.Message, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("history: %w", err)
			}
			o.At = time.UnixMilli(at)
			out = append(out, o)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
	}
	return out, nil
}

// ParseSince reads --since: a duration back from now ("24h", "90m", "7d") or a local date
// ("2026-05-01", "2026-05-01 14:00").
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := store.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("--since %q: give a positive duration", s)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("--since " + fmt.Sprintf("%q", s) + ": use a duration like 24h or 7d, or a date like 2026-05-01")
}

// Midnight is the start of t's day in t's location: the quota's day.
func Midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
