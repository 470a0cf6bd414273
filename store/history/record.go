package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// StatusSent is the status of a request recorded as it went out (DB.Sending) with no
// answer recorded after it: the process ended mid-request. It counts against a quota,
// since the system may have done the reset.
const StatusSent = "sent"

// messageSent explains a StatusSent outcome wherever the history is shown.
const messageSent = "request sent, no answer recorded: if the run is over it was killed, and the password may have changed"

// RunInfo describes a run as it starts.
type RunInfo struct {
	OSUser string
	// Technician is who made the run through `resetdesk serve` (the technician the SSH
	// key belongs to); "" for a run made locally, where OSUser says who.
	Technician string
	Started    time.Time
	Profile    string
	Kind       string
	Mode       string
	Ticket     string
	Total      int
}

// write queues apply to the writer (reserve: it is a Reserve); a read-only DB has none.
func (d *DB) write(ctx context.Context, reserve bool, apply func(*txn) error) error {
	if d.w == nil {
		return fmt.Errorf("history %s: opened read-only, nothing can be recorded", d.path)
	}
	err := d.w.do(ctx, reserve, apply)
	if errors.Is(err, errClosed) {
		return fmt.Errorf("history %s: %w", d.path, err)
	}
	return err
}

// StartRun records a run before anything is sent, so that a run that is killed still
// shows in the history (as unfinished). It returns the run's id for FinishRun.
func (d *DB) StartRun(ctx context.Context, r RunInfo) (int64, error) {
	var id int64
	err := d.write(ctx, false, func(t *txn) error {
		res, err := t.exec(`INSERT INTO runs (os_user, technician, started, profile, kind, mode, ticket, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.OSUser, sanitize.Line(r.Technician), r.Started.UnixMilli(), r.Profile, r.Kind, r.Mode, sanitize.Line(r.Ticket), r.Total)
		if err == nil {
			id, err = res.LastInsertId()
		}
		if err != nil {
			return fmt.Errorf("history %s: cannot record the run of profile %q: %w", d.path, r.Profile, err)
		}
		return nil
	})
	return id, err
}

// Sending records, before a request goes out, that run id is resetting o.User: if the
// process dies before the answer, the history still says so and the quota counts it.
// It returns once the row is committed.
func (d *DB) Sending(ctx context.Context, id int64, o backends.Outcome, at time.Time) error {
	return d.write(ctx, false, func(t *txn) error {
		t.forgetSpent()
		return d.upsertSent(t, id, o, at)
	})
}

// Reserve is Sending for a profile with a quota: it records the request for o.User only
// if the profile of run id has spent fewer than quota resets since since (the local
// midnight for a daily quota; see SuccessesSince for what counts), and reports whether
// it did. The count and the row are one immediate transaction, under the write lock all
// processes share, so that concurrent runs of one profile, in any number of processes,
// never reserve past the quota; reservations committed together are decided in the
// order they were queued. A refused reservation writes nothing. A quota of 0 or less
// grants nothing.
func (d *DB) Reserve(ctx context.Context, id int64, o backends.Outcome, at time.Time, quota int, since time.Time) (granted bool, err error) {
	err = d.write(ctx, true, func(t *txn) error {
		granted = false // the group may be written again after another write failed
		profile, err := t.profileOf(id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("history %s: cannot reserve the quota for %q: run %d is not recorded", d.path, o.User, id)
		}
		if err != nil {
			return fmt.Errorf("history %s: cannot reserve the quota for %q: %w", d.path, o.User, err)
		}
		spent, err := t.spentSince(profile, since)
		if err != nil {
			return fmt.Errorf("history %s: cannot count the quota use of profile %q: %w", d.path, profile, err)
		}
		if spent >= quota {
			return nil
		}
		if err := d.upsertSent(t, id, o, at); err != nil {
			return err
		}
		// Counted as one more even if it replaced a row of the same user that counted
		// already (a run never reserves twice for one user): the error, if any, is to
		// refuse too soon.
		t.addSpent(profile, since)
		granted = true
		return nil
	})
	return granted && err == nil, err
}

func (d *DB) upsertSent(t *txn, id int64, o backends.Outcome, at time.Time) error {
	delete(t.c.late, outcomeKey{id, o.Index})
	if _, err := t.c.upsert.ExecContext(context.Background(), id, o.Index, o.User, StatusSent, messageSent, at.UnixMilli()); err != nil {
		return fmt.Errorf("history %s: cannot record the request for %q: %w", d.path, o.User, err)
	}
	return nil
}

// Record records one final outcome of run id as it arrives (superseding its Sending or
// Reserve). It returns once the row is committed.
func (d *DB) Record(ctx context.Context, id int64, o backends.Outcome, at time.Time) error {
	return d.write(ctx, false, func(t *txn) error {
		t.forgetSpent()
		delete(t.c.late, outcomeKey{id, o.Index})
		if _, err := t.c.upsert.ExecContext(context.Background(), id, o.Index, o.User, string(o.Status), scrub(o.Message, o.Secret), at.UnixMilli()); err != nil {
			return fmt.Errorf("history %s: cannot record the outcome for %q: %w", d.path, o.User, err)
		}
		return nil
	})
}

// RecordLater is Record without the wait: the outcome is queued and RecordLater returns
// at once; it is committed with the next write someone waits for (or after lazyDelay,
// or by Close). The history is not what keeps a secret (the journal is),
// so an answer need not wait for it; its request was committed by Sending or Reserve
// before it went out, which is what a killed run and the quota rely on. A late write
// that fails loses nothing: FinishRun writes every outcome not committed as it ends.
func (d *DB) RecordLater(id int64, o backends.Outcome, at time.Time) {
	if d.w == nil {
		return
	}
	msg := scrub(o.Message, o.Secret)
	key, row := outcomeKey{id, o.Index}, &lateRow{user: o.User, status: string(o.Status), message: msg}
	c := d.w
	_ = c.doLater(func(t *txn) error {
		t.forgetSpent()
		c.late[key] = row // the row's last write so far; any later write of it removes it
		if _, err := t.c.upsert.ExecContext(context.Background(), id, o.Index, o.User, string(o.Status), msg, at.UnixMilli()); err != nil {
			return fmt.Errorf("history %s: cannot record the outcome for %q: %w", d.path, o.User, err)
		}
		return nil
	}, func(err error) {
		// Committed: FinishRun need not write it again, unless a write since (in this
		// transaction or a later one) took it out of late.
		row.committed = err == nil
	})
}

// outcomeKey is an outcome's row: its run and its index in the run.
type outcomeKey struct {
	run int64
	idx int
}

// lateRow is what RecordLater wrote in an outcome's row; committed once its
// transaction is.
type lateRow struct {
	user, status, message string
	committed             bool
}

// holds reports whether the row of o in run id holds o as RecordLater committed it,
// its message being msg.
func (c *committer) holds(id int64, o backends.Outcome, msg string) bool {
	r := c.late[outcomeKey{id, o.Index}]
	return r != nil && r.committed && r.user == o.User && r.status == string(o.Status) && r.message == msg
}

// FinishRun records the final outcomes of run id and its counts, in one transaction.
// Outcomes already recorded keep the time they arrived; the others (users skipped, or
// a Record that failed) get finished. An outcome that RecordLater committed as it is
// is not written again: a run's end costs a write per user only for the users whose
// answer the history does not hold (rewriting 1000 held rows took ~11 ms, on the way
// to the run's end, and WAL frames that the close then checkpoints).
func (d *DB) FinishRun(ctx context.Context, id int64, outcomes []backends.Outcome, finished time.Time) error {
	// Queued after every RecordLater of the run: when it is committed, so are they.
	return d.write(ctx, false, func(t *txn) error {
		t.forgetSpent()
		var tally backends.Tally
		for _, o := range outcomes {
			if !o.Status.Final() {
				continue
			}
			tally.Add(o)
			msg := scrub(o.Message, o.Secret)
			if t.c.holds(id, o, msg) {
				continue
			}
			if _, err := t.c.finish.ExecContext(context.Background(), id, o.Index, o.User, string(o.Status), msg, finished.UnixMilli()); err != nil {
				return fmt.Errorf("history %s: cannot record the outcome for %q: %w", d.path, o.User, err)
			}
		}
		if _, err := t.exec(`UPDATE runs SET finished = ?, ok = ?, failed = ?, unknown = ?, skipped = ? WHERE id = ?`,
			finished.UnixMilli(), tally.OK, tally.Failed, tally.Unknown, tally.Skipped, id); err != nil {
			return fmt.Errorf("history %s: cannot record the end of run %d: %w", d.path, id, err)
		}
		for _, o := range outcomes {
			delete(t.c.late, outcomeKey{id, o.Index})
		}
		return nil
	})
}

// scrub keeps a server message that echoes the new secret out of the history. The
// secret is blanked before the message is put on one line and after (a secret holding a
// tab or a control character is changed by that as the message is).
func scrub(msg, secret string) string {
	if secret == "" {
		return sanitize.Line(msg)
	}
	msg = sanitize.Line(strings.ReplaceAll(msg, secret, "[secret]"))
	if s := sanitize.Line(secret); s != "" {
		msg = strings.ReplaceAll(msg, s, "[secret]")
	}
	return msg
}
