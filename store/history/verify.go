package history

import (
	"context"
	"fmt"
	"time"

	"resetdesk/sanitize"
)

// migrationVerifications adds the record of caller verifications (schema step, see
// migrations):
//   - verifications: one row per event — a code sending, sent or undelivered; a code
//     passed, failed, expired or out of attempts; a callback attested — with who
//     (os_user, technician), when (unix ms), profile, user, method (mail, sms,
//     callback), destination (masked; a callback's number as dialled), ticket and a
//     message (why a delivery failed). Never the code.
//   - relied: which verification each user of a run relied on (one per run and user).
//
// It is self-contained (CREATE ... IF NOT EXISTS), so that its place among the steps
// does not matter.
const migrationVerifications = `
CREATE TABLE IF NOT EXISTS verifications (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	os_user     TEXT NOT NULL,
	technician  TEXT NOT NULL DEFAULT '',
	profile     TEXT NOT NULL,
	user        TEXT NOT NULL,
	method      TEXT NOT NULL,
	result      TEXT NOT NULL,
	destination TEXT NOT NULL DEFAULT '',
	ticket      TEXT NOT NULL DEFAULT '',
	message     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS verifications_user ON verifications(profile, user, at);
CREATE INDEX IF NOT EXISTS verifications_at ON verifications(at);
CREATE TABLE IF NOT EXISTS relied (
	run_id          INTEGER NOT NULL REFERENCES runs(id),
	user            TEXT NOT NULL,
	verification_id INTEGER NOT NULL REFERENCES verifications(id),
	PRIMARY KEY (run_id, user)
);
`

// Results of a verification event.
const (
	ResultSending     = "sending"     // a code reserved and going out; no answer recorded (the process ended)
	ResultSent        = "sent"        // the relay or gateway took the code
	ResultUndelivered = "undelivered" // the relay or gateway refused it, or could not be reached
	ResultPassed      = "passed"      // the caller read the code back
	ResultFailed      = "failed"      // a wrong code was read back
	ResultExpired     = "expired"     // the code was read back after its time
	ResultExhausted   = "out of attempts"
	ResultAttested    = "attested" // the technician called the number on file back and reached the caller
	// ResultApproved: nobody verified the caller, and a second technician's approval of
	// the run stood for it (method MethodApproval, the approver in the message). It
	// verifies nobody for a later run.
	ResultApproved = "approved"
)

// MethodApproval is the method of a ResultApproved event.
const MethodApproval = "approval"

// Verification is one verification event.
type Verification struct {
	ID         int64
	At         time.Time
	OSUser     string
	Technician string // "" for a local desk, where OSUser says who
	Profile    string
	User       string
	Method     string // mail, sms, callback
	Result     string // one of the Result constants
	// Destination is where the code went, masked; a callback's number as dialled.
	Destination string
	Ticket      string
	Message     string
}

// By is who verified: the served technician, else the OS account.
func (v *Verification) By() string {
	if v.Technician != "" {
		return v.Technician
	}
	return v.OSUser
}

// Verifies reports whether the event verified the caller (a code passed, a callback
// attested).
func (v *Verification) Verifies() bool { return v.Result == ResultPassed || v.Result == ResultAttested }

// ResultNotVerified: a reset on a profile that offers verification (verify = "offered")
// went out without the caller verified (method MethodNone): the history says it was not
// done. It verifies nobody.
const (
	ResultNotVerified = "not verified"
	MethodNone        = "none"
)

// RecordVerification records one event and returns its id.
func (d *DB) RecordVerification(ctx context.Context, v Verification) (int64, error) {
	var id int64
	err := d.write(ctx, false, func(t *txn) error {
		var err error
		id, err = d.insertVerification(t, v)
		return err
	})
	return id, err
}

// RecordVerifications records events in one transaction (the users of a large
// approved run) and returns their ids, in order.
func (d *DB) RecordVerifications(ctx context.Context, vs []Verification) ([]int64, error) {
	ids := make([]int64, len(vs))
	err := d.write(ctx, false, func(t *txn) error {
		for i, v := range vs {
			var err error
			if ids[i], err = d.insertVerification(t, v); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

// ReserveCode records a code about to be sent (result "sending") only if fewer than
// limit codes were sent or are being sent to that profile's user since since, and
// reports whether it did: the count and the row are one immediate transaction, under
// the write lock every process shares, so no number of processes sends more. Settle the
// row with SettleCode once the relay answered.
func (d *DB) ReserveCode(ctx context.Context, v Verification, limit int, since time.Time) (id int64, granted bool, err error) {
	err = d.write(ctx, false, func(t *txn) error {
		granted = false
		var n int
		if err := t.c.conn.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM verifications
			WHERE profile = ? AND user = ? AND result IN (?, ?) AND at >= ?`,
			v.Profile, v.User, ResultSending, ResultSent, since.UnixMilli()).Scan(&n); err != nil {
			return fmt.Errorf("history %s: cannot count the codes sent to %q: %w", d.path, v.User, err)
		}
		if n >= limit {
			return nil
		}
		v.Result = ResultSending
		var err error
		if id, err = d.insertVerification(t, v); err == nil {
			granted = true
		}
		return err
	})
	return id, granted && err == nil, err
}

// SettleCode records how the sending of code id ended: ResultSent, or ResultUndelivered
// with the reason (which then no longer counts against the limit).
func (d *DB) SettleCode(ctx context.Context, id int64, result, message string) error {
	return d.write(ctx, false, func(t *txn) error {
		if _, err := t.exec(`UPDATE verifications SET result = ?, message = ? WHERE id = ?`, result, sanitize.Line(message), id); err != nil {
			return fmt.Errorf("history %s: cannot record how code %d was delivered: %w", d.path, id, err)
		}
		return nil
	})
}

func (d *DB) insertVerification(t *txn, v Verification) (int64, error) {
	res, err := t.exec(`INSERT INTO verifications (at, os_user, technician, profile, user, method, result, destination, ticket, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.At.UnixMilli(), sanitize.Line(v.OSUser), sanitize.Line(v.Technician), v.Profile,
		sanitize.Line(v.User), v.Method, v.Result, sanitize.Line(v.Destination), sanitize.Line(v.Ticket), sanitize.Line(v.Message))
	if err != nil {
		return 0, fmt.Errorf("history %s: cannot record the verification of %q: %w", d.path, v.User, err)
	}
	return res.LastInsertId()
}

// RecordReliance records which verification each user of run id relied on (user ->
// verification id).
func (d *DB) RecordReliance(ctx context.Context, id int64, relied map[string]int64) error {
	if len(relied) == 0 {
		return nil
	}
	return d.write(ctx, false, func(t *txn) error {
		for user, vid := range relied {
			if _, err := t.exec(`INSERT OR REPLACE INTO relied (run_id, user, verification_id) VALUES (?, ?, ?)`, id, user, vid); err != nil {
				return fmt.Errorf("history %s: cannot record the verification run %d relied on for %q: %w", d.path, id, user, err)
			}
		}
		return nil
	})
}

// Verifier is who a verification must have been made by to count: the served
// technician, else (Technician "") the OS account at a local desk.
type Verifier struct {
	OSUser, Technician string
}

// VerifiedSince lists the users of profile whom who verified at or after since, each
// with the newest event that verified them.
func (d *DB) VerifiedSince(ctx context.Context, who Verifier, profile string, since time.Time) (map[string]Verification, error) {
	if ok, err := d.hasTable(ctx, "verifications"); err != nil || !ok {
		return nil, err
	}
	q := selectVerifications + ` WHERE profile = ? AND at >= ? AND result IN (?, ?) AND technician = ?`
	args := []any{profile, since.UnixMilli(), ResultPassed, ResultAttested, who.Technician}
	if who.Technician == "" {
		q += ` AND os_user = ?`
		args = append(args, who.OSUser)
	}
	vs, err := d.queryVerifications(ctx, q+` ORDER BY at, id`, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Verification, len(vs))
	for _, v := range vs {
		out[v.User] = v // the newest last
	}
	return out, nil
}

// Verifications lists the events f selects (Since, User, Technician), newest first.
func (d *DB) Verifications(ctx context.Context, f Filter) ([]Verification, error) {
	if ok, err := d.hasTable(ctx, "verifications"); err != nil || !ok {
		return nil, err
	}
	q := selectVerifications + ` WHERE at >= ?`
	since := f.Since.UnixMilli()
	if f.Since.IsZero() {
		since = 0
	}
	args := []any{since}
	if f.User != "" {
		q += ` AND user = ?`
		args = append(args, f.User)
	}
	if f.Technician != "" {
		q += ` AND technician = ?`
		args = append(args, f.Technician)
	}
	if f.By != "" {
		q += ` AND (technician = ? OR (technician = '' AND os_user = ?))`
		args = append(args, f.By, f.By)
	}
	if f.Ticket != "" {
		q += ` AND ticket = ? COLLATE NOCASE`
		args = append(args, f.Ticket)
	}
	return d.queryVerifications(ctx, q+` ORDER BY at DESC, id DESC`, args...)
}

// Reliance is which verification each user of run id relied on (user -> event); users
// of a run on a profile without verification are absent.
func (d *DB) Reliance(ctx context.Context, id int64) (map[string]Verification, error) {
	if ok, err := d.hasTable(ctx, "verifications"); err != nil || !ok {
		return nil, err
	}
	vs, err := d.queryVerifications(ctx, `SELECT v.id, v.at, v.os_user, v.technician, v.profile, r.user, v.method, v.result,
		v.destination, v.ticket, v.message FROM relied r JOIN verifications v ON v.id = r.verification_id WHERE r.run_id = ?`, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Verification, len(vs))
	for _, v := range vs {
		out[v.User] = v
	}
	return out, nil
}

const selectVerifications = `SELECT id, at, os_user, technician, profile, user, method, result, destination, ticket, message FROM verifications`

func (d *DB) queryVerifications(ctx context.Context, q string, args ...any) ([]Verification, error) {
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: cannot list the verifications: %w", d.path, err)
	}
	defer rows.Close()
	var out []Verification
	for rows.Next() {
		var v Verification
		var at int64
		if err := rows.Scan(&v.ID, &at, &v.OSUser, &v.Technician, &v.Profile, &v.User, &v.Method, &v.Result,
			&v.Destination, &v.Ticket, &v.Message); err != nil {
			return nil, fmt.Errorf("history %s: cannot read a verification: %w", d.path, err)
		}
		v.At = time.UnixMilli(at)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: cannot list the verifications: %w", d.path, err)
	}
	return out, nil
}
