package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"resetdesk/sanitize"
)

// requestsSchema is the migration that adds four-eyes approval requests. A request is
// filed by the host that will run it (its holder), which keeps the run's request in
// memory; the history keeps what an approver reads and decides on, the decisions, and
// enough to rebuild the run (spec: never a secret) when a later serve takes over a
// request its predecessor left. Every change of state is one conditional UPDATE, so
// that two hosts on one file cannot both approve, or both start, one request.
const requestsSchema = `
CREATE TABLE IF NOT EXISTS approvals (
	id         INTEGER PRIMARY KEY,
	requested  INTEGER NOT NULL,          -- unix ms
	expires    INTEGER NOT NULL,          -- unix ms: still waiting then, it expires
	os_user    TEXT NOT NULL,
	technician TEXT NOT NULL DEFAULT '',  -- who asked ('' for a local run: os_user)
	profile    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	mode       TEXT NOT NULL,
	ticket     TEXT NOT NULL DEFAULT '',
	total      INTEGER NOT NULL,
	users      TEXT NOT NULL,             -- the users as the approver reads them (JSON)
	spec       TEXT NOT NULL,             -- what the run is rebuilt from (JSON, no secret)
	why        TEXT NOT NULL,             -- why it needs a second technician
	state      TEXT NOT NULL,
	decided    INTEGER,                   -- unix ms of the last change of state
	approver   TEXT NOT NULL DEFAULT '',
	reason     TEXT NOT NULL DEFAULT '',  -- a decline's reason, or why it ended
	run_id     INTEGER REFERENCES runs(id),
	holder     TEXT NOT NULL DEFAULT '',  -- the host that runs it once approved
	held_until INTEGER NOT NULL DEFAULT 0,
	adoptable  INTEGER NOT NULL DEFAULT 0 -- another serve may take it over once its holder is gone
);
CREATE INDEX IF NOT EXISTS approvals_state ON approvals(state, expires);
`

// The states of an approval request. Waiting and approved are open (a host holds the
// request); the others are final.
const (
	RequestWaiting   = "waiting"   // filed, no decision yet
	RequestApproved  = "approved"  // approved; its holder is about to start it
	RequestStarted   = "started"   // its run started (run_id)
	RequestFailed    = "failed"    // approved, but the run could not start (reason)
	RequestDeclined  = "declined"  // an approver said no (reason)
	RequestExpired   = "expired"   // nobody decided before it expired
	RequestWithdrawn = "withdrawn" // its requester took it back, or the process that filed it ended
)

// Approval is one approval request as the history keeps it.
type Approval struct {
	ID         int64
	Requested  time.Time
	Expires    time.Time
	OSUser     string
	Technician string
	Profile    string
	Kind       string
	Mode       string
	Ticket     string
	Total      int
	Users      string // JSON, the desk's
	Spec       string // JSON, the desk's; never a secret
	Why        string
	State      string
	Decided    time.Time // zero while waiting
	Approver   string
	Reason     string
	RunID      int64 // 0 until started
	Holder     string
	HeldUntil  time.Time
	Adoptable  bool
}

// By is who asked: the technician, else the OS account.
func (a *Approval) By() string {
	if a.Technician != "" {
		return a.Technician
	}
	return a.OSUser
}

// FileApproval records a new request as waiting and returns its id.
func (d *DB) FileApproval(ctx context.Context, a Approval) (int64, error) {
	var id int64
	err := d.write(ctx, false, func(t *txn) error {
		res, err := t.exec(`INSERT INTO approvals (requested, expires, os_user, technician, profile, kind, mode, ticket, total,
			users, spec, why, state, holder, held_until, adoptable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Requested.UnixMilli(), a.Expires.UnixMilli(), a.OSUser, sanitize.Line(a.Technician), a.Profile, a.Kind, a.Mode,
			sanitize.Line(a.Ticket), a.Total, a.Users, a.Spec, sanitize.Line(a.Why), RequestWaiting, a.Holder, a.HeldUntil.UnixMilli(), a.Adoptable)
		if err == nil {
			id, err = res.LastInsertId()
		}
		if err != nil {
			return fmt.Errorf("history %s: cannot record the approval request on profile %q: %w", d.path, a.Profile, err)
		}
		return nil
	})
	return id, err
}

// Change is one change of an approval request's state: it happens only when the
// request is in one of From (and, with Holder, held by it; with Unexpired, not expired
// at At).
type Change struct {
	From      []string
	To        string
	At        time.Time
	Approver  string // set when not empty
	Reason    string // set when not empty
	RunID     int64  // set when not 0
	Holder    string
	Unexpired bool
}

// ChangeApproval applies c to request id and reports whether it did: false when the
// request was no longer in a state c changes (another host decided first, it expired).
func (d *DB) ChangeApproval(ctx context.Context, id int64, c Change) (bool, error) {
	if len(c.From) == 0 {
		return false, errors.New("history: a change of an approval request needs the states it changes")
	}
	q := `UPDATE approvals SET state = ?, decided = ?,
		approver = CASE WHEN ? = '' THEN approver ELSE ? END,
		reason = CASE WHEN ? = '' THEN reason ELSE ? END,
		run_id = CASE WHEN ? = 0 THEN run_id ELSE ? END
		WHERE id = ? AND state IN (?` + strings.Repeat(`, ?`, len(c.From)-1) + `)`
	approver, reason := sanitize.Line(c.Approver), sanitize.Line(c.Reason)
	args := []any{c.To, c.At.UnixMilli(), approver, approver, reason, reason, c.RunID, c.RunID, id}
	for _, s := range c.From {
		args = append(args, s)
	}
	if c.Holder != "" {
		q += ` AND holder = ?`
		args = append(args, c.Holder)
	}
	if c.Unexpired {
		q += ` AND expires > ?`
		args = append(args, c.At.UnixMilli())
	}
	var changed bool
	err := d.write(ctx, false, func(t *txn) error {
		res, err := t.exec(q, args...)
		if err != nil {
			return fmt.Errorf("history %s: cannot record that approval request %d is %s: %w", d.path, id, c.To, err)
		}
		n, err := res.RowsAffected()
		changed = n == 1
		return err
	})
	return changed, err
}

// ExpireApprovals ends the open requests nobody can act on any more, as of now: those
// still waiting at their expiry, and those whose holder is gone (its lease lapsed) when
// no other host may take them over. It returns how many it ended.
func (d *DB) ExpireApprovals(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := d.write(ctx, false, func(t *txn) error {
		ms := now.UnixMilli()
		res, err := t.exec(`UPDATE approvals SET state = ?, decided = expires WHERE state = ? AND expires <= ?`,
			RequestExpired, RequestWaiting, ms)
		if err != nil {
			return fmt.Errorf("history %s: cannot expire approval requests: %w", d.path, err)
		}
		expired, _ := res.RowsAffected()
		res, err = t.exec(`UPDATE approvals SET state = ?, decided = ?, reason = ?
			WHERE state IN (?, ?) AND adoptable = 0 AND held_until < ?`,
			RequestWithdrawn, ms, ReasonHolderGone, RequestWaiting, RequestApproved, ms)
		if err != nil {
			return fmt.Errorf("history %s: cannot end the approval requests of ended processes: %w", d.path, err)
		}
		gone, _ := res.RowsAffected()
		n = expired + gone
		return nil
	})
	return int(n), err
}

// ReasonHolderGone is why a request ends when the process that filed it (a `resetdesk
// run` waiting for approval) ended first.
const ReasonHolderGone = "the process that filed it ended before it was started"

// HoldApprovals renews holder's lease on its open requests until until.
func (d *DB) HoldApprovals(ctx context.Context, holder string, until time.Time) error {
	return d.write(ctx, false, func(t *txn) error {
		if _, err := t.exec(`UPDATE approvals SET held_until = ? WHERE holder = ? AND state IN (?, ?)`,
			until.UnixMilli(), holder, RequestWaiting, RequestApproved); err != nil {
			return fmt.Errorf("history %s: cannot renew the hold on approval requests: %w", d.path, err)
		}
		return nil
	})
}

// ReleaseApprovals gives up holder's open requests: another serve takes over those that
// are adoptable at once; the rest end (ExpireApprovals).
func (d *DB) ReleaseApprovals(ctx context.Context, holder string) error {
	return d.write(ctx, false, func(t *txn) error {
		if _, err := t.exec(`UPDATE approvals SET held_until = 0 WHERE holder = ? AND state IN (?, ?)`,
			holder, RequestWaiting, RequestApproved); err != nil {
			return fmt.Errorf("history %s: cannot release approval requests: %w", d.path, err)
		}
		return nil
	})
}

// AdoptApprovals makes holder the holder, until until, of every open adoptable request
// whose holder's lease lapsed before now, and returns them.
func (d *DB) AdoptApprovals(ctx context.Context, holder string, until, now time.Time) ([]*Approval, error) {
	err := d.write(ctx, false, func(t *txn) error {
		if _, err := t.exec(`UPDATE approvals SET holder = ?, held_until = ?
			WHERE state IN (?, ?) AND adoptable = 1 AND held_until < ?`,
			holder, until.UnixMilli(), RequestWaiting, RequestApproved, now.UnixMilli()); err != nil {
			return fmt.Errorf("history %s: cannot take over approval requests: %w", d.path, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d.Approvals(ctx, ApprovalFilter{Holder: holder, Open: true})
}

// ApprovalFilter selects approval requests.
type ApprovalFilter struct {
	ID     int64     // 0: any
	Open   bool      // only waiting and approved ones
	Holder string    // "": any
	Since  time.Time // requested at or after (zero: all)
}

// Approvals lists the requests f selects, oldest first. A history from before approval
// requests (read-only, not migrated) has none.
func (d *DB) Approvals(ctx context.Context, f ApprovalFilter) ([]*Approval, error) {
	if ok, err := d.hasTable(ctx, "approvals"); !ok || err != nil {
		return nil, err
	}
	q := `SELECT id, requested, expires, os_user, technician, profile, kind, mode, ticket, total, users, spec, why, state,
		decided, approver, reason, run_id, holder, held_until, adoptable FROM approvals WHERE requested >= ?`
	args := []any{int64(0)}
	if !f.Since.IsZero() {
		args[0] = f.Since.UnixMilli()
	}
	if f.ID != 0 {
		q += ` AND id = ?`
		args = append(args, f.ID)
	}
	if f.Open {
		q += ` AND state IN (?, ?)`
		args = append(args, RequestWaiting, RequestApproved)
	}
	if f.Holder != "" {
		q += ` AND holder = ?`
		args = append(args, f.Holder)
	}
	rows, err := d.read.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: cannot list the approval requests: %w", d.path, err)
	}
	defer rows.Close()
	var out []*Approval
	for rows.Next() {
		var a Approval
		var requested, expires, heldUntil int64
		var decided, runID sql.NullInt64
		if err := rows.Scan(&a.ID, &requested, &expires, &a.OSUser, &a.Technician, &a.Profile, &a.Kind, &a.Mode, &a.Ticket, &a.Total,
			&a.Users, &a.Spec, &a.Why, &a.State, &decided, &a.Approver, &a.Reason, &runID, &a.Holder, &heldUntil, &a.Adoptable); err != nil {
			return nil, fmt.Errorf("history %s: cannot read an approval request: %w", d.path, err)
		}
		a.Requested, a.Expires, a.HeldUntil = time.UnixMilli(requested), time.UnixMilli(expires), time.UnixMilli(heldUntil)
		if decided.Valid {
			a.Decided = time.UnixMilli(decided.Int64)
		}
		a.RunID = runID.Int64
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: cannot list the approval requests: %w", d.path, err)
	}
	return out, nil
}

// hasTable reports whether the file has table name: a writable DB is migrated and has
// every table; a read-only one reads an older history as it is, which may be older than
// the step that adds it (verifications, approvals).
func (d *DB) hasTable(ctx context.Context, name string) (bool, error) {
	if d.w != nil {
		return true, nil
	}
	var n int
	if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("history %s: cannot read the schema: %w", d.path, err)
	}
	return n == 1, nil
}
