package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/store"
)

// countSpent counts a profile's quota use since a time; spentArgs gives its arguments.
// Reserve runs it under the write lock, SuccessesSince for display. A run records all
// its outcomes before it finishes, so only the runs unfinished or finished since the
// time need looking at; the day more is for a clock set back.
const countSpent = `SELECT COUNT(*) FROM runs r JOIN outcomes o ON o.run_id = r.id
	WHERE r.profile = ? AND (r.finished IS NULL OR r.finished >= ?)
	AND o.status IN (?, ?, ?) AND o.at >= ?`

func spentArgs(profile string, since time.Time) []any {
	return []any{profile, since.Add(-24 * time.Hour).UnixMilli(),
		string(backends.StatusOK), string(backends.StatusUnknown), StatusSent, since.UnixMilli()}
}

// SuccessesSince counts the profile's resets that may have spent quota since t: ok ones,
// and unknown and sent ones (a killed run's last requests, or requests in flight), which
// the system may have done and counted (ADManager's daily quota: pass the local
// midnight). It reads as of now, beside any writer: to send within the quota, use
// Reserve.
func (d *DB) SuccessesSince(ctx context.Context, profile string, t time.Time) (int, error) {
	var n int
	if err := d.read.QueryRowContext(ctx, countSpent, spentArgs(profile, t)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("history %s: cannot count the resets of profile %q since %s: %w", d.path, profile, t.Format(time.DateTime), err)
	}
	return n, nil
}

// By is who made run r: the technician of a served session, else the OS account.
func (r *Run) By() string {
	if r.Technician != "" {
		return r.Technician
	}
	return r.OSUser
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
	Since      time.Time // zero: all
	User       string    // "": every user
	Technician string    // "": every run, local or served
	// By selects the runs Run.By names: the served technician's, or a local run's OS
	// account ("": everyone's).
	By string
	// Ticket selects the runs of one ticket reference, case-insensitively ("": all).
	Ticket string
	// Status selects the outcomes of one status, and the runs that have one ("": all).
	Status string
}

// Runs lists the runs started at or after f.Since (with f.User: the runs that reset that
// user; with f.Technician: the runs that technician made through serve), newest first.
func (d *DB) Runs(ctx context.Context, f Filter) ([]*Run, error) {
	// A run that never finished (killed) has no counts of its own: they come from the
	// outcomes it recorded as it went, a request with no answer counting as unknown.
	q := `SELECT id, os_user, ` + d.technicianColumn() + `, started, finished, profile, kind, mode, ticket, total,
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
	if f.Technician != "" {
		q += ` AND ` + d.technicianColumn() + ` = ?`
		args = append(args, f.Technician)
	}
	if f.By != "" {
		q += ` AND (` + d.technicianColumn() + ` = ? OR (` + d.technicianColumn() + ` = '' AND os_user = ?))`
		args = append(args, f.By, f.By)
	}
	if f.Ticket != "" {
		q += ` AND ticket = ? COLLATE NOCASE`
		args = append(args, f.Ticket)
	}
	if f.Status != "" {
		q += ` AND id IN (SELECT run_id FROM outcomes WHERE status = ?)`
		args = append(args, f.Status)
	}
	q += ` ORDER BY started DESC, id DESC`
	rows, err := d.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("history %s: cannot list the runs: %w", d.path, err)
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		var r Run
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&r.ID, &r.OSUser, &r.Technician, &started, &finished, &r.Profile, &r.Kind, &r.Mode, &r.Ticket, &r.Total,
			&r.Tally.OK, &r.Tally.Failed, &r.Tally.Unknown, &r.Tally.Skipped); err != nil {
			return nil, fmt.Errorf("history %s: cannot read a run: %w", d.path, err)
		}
		r.Started = time.UnixMilli(started)
		if finished.Valid {
			r.Finished = time.UnixMilli(finished.Int64)
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: cannot list the runs: %w", d.path, err)
	}
	return out, nil
}

// Outcomes lists the outcomes of the runs Runs(f) returns (only f.User's with f.User,
// only those of f.Status with f.Status), newest run first, in input order within a run.
func (d *DB) Outcomes(ctx context.Context, f Filter) ([]Outcome, error) {
	runs, err := d.Runs(ctx, f)
	if err != nil {
		return nil, err
	}
	return d.OutcomesOf(ctx, runs, f)
}

// OutcomesOf is Outcomes of runs Runs(f) already returned: they are not read again.
func (d *DB) OutcomesOf(ctx context.Context, runs []*Run, f Filter) ([]Outcome, error) {
	var out []Outcome
	for _, r := range runs {
		q := `SELECT idx, user, status, message, at FROM outcomes WHERE run_id = ?`
		args := []any{r.ID}
		if f.User != "" {
			q += ` AND user = ?`
			args = append(args, f.User)
		}
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		rows, err := d.read.QueryContext(ctx, q+` ORDER BY idx`, args...)
		if err != nil {
			return nil, fmt.Errorf("history %s: cannot list the outcomes of run %d: %w", d.path, r.ID, err)
		}
		for rows.Next() {
			o := Outcome{Run: r}
			var at int64
			if err := rows.Scan(&o.Index, &o.User, &o.Status, &o.Message, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("history %s: cannot read an outcome of run %d: %w", d.path, r.ID, err)
			}
			o.At = time.UnixMilli(at)
			out = append(out, o)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("history %s: cannot list the outcomes of run %d: %w", d.path, r.ID, err)
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

// CutOff is a run that never finished, with the time of the last thing it recorded.
type CutOff struct {
	*Run
	Last time.Time // its last outcome's time (the start when it recorded none)
}

// CutOffRuns lists the unfinished runs started at or after since by technician (or,
// with technician "", the local runs of osUser) that recorded nothing after quiet:
// runs a killed or restarted process left, as far as the history can tell (a run still
// going in another process records as it goes). Newest first.
func (d *DB) CutOffRuns(ctx context.Context, osUser, technician string, since, quiet time.Time) ([]CutOff, error) {
	runs, err := d.runsOf(ctx, osUser, technician, since)
	if err != nil {
		return nil, err
	}
	var out []CutOff
	for _, r := range runs {
		if !r.Finished.IsZero() {
			continue
		}
		var last sql.NullInt64
		if err := d.read.QueryRowContext(ctx, `SELECT MAX(at) FROM outcomes WHERE run_id = ?`, r.ID).Scan(&last); err != nil {
			return nil, fmt.Errorf("history %s: cannot read the last outcome of run %d: %w", d.path, r.ID, err)
		}
		c := CutOff{Run: r, Last: r.Started}
		if last.Valid {
			c.Last = time.UnixMilli(last.Int64)
		}
		if c.Last.Before(quiet) {
			out = append(out, c)
		}
	}
	return out, nil
}

// StoppedRuns lists the finished runs started at or after since by technician (or, with
// technician "", the local runs of osUser) that ended before quiet with users skipped
// for reason: runs a shutdown of their process stopped (their users not yet sent
// skipped with the reason the process gave). Last is when each ended. Newest first.
func (d *DB) StoppedRuns(ctx context.Context, osUser, technician string, since, quiet time.Time, reason string) ([]CutOff, error) {
	runs, err := d.runsOf(ctx, osUser, technician, since)
	if err != nil {
		return nil, err
	}
	var out []CutOff
	for _, r := range runs {
		if r.Finished.IsZero() || !r.Finished.Before(quiet) || r.Tally.Skipped == 0 {
			continue
		}
		var n int
		if err := d.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outcomes WHERE run_id = ? AND status = 'skipped' AND message = ?`,
			r.ID, reason).Scan(&n); err != nil {
			return nil, fmt.Errorf("history %s: cannot read the skipped users of run %d: %w", d.path, r.ID, err)
		}
		if n > 0 {
			out = append(out, CutOff{Run: r, Last: r.Finished})
		}
	}
	return out, nil
}

// runsOf are the runs started at or after since by technician (or, with technician "",
// the local runs of osUser), newest first: a technician's own, as a new session of
// theirs looks for what became of them.
func (d *DB) runsOf(ctx context.Context, osUser, technician string, since time.Time) ([]*Run, error) {
	runs, err := d.Runs(ctx, Filter{Since: since, Technician: technician})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(runs, func(r *Run) bool {
		return r.Technician != technician || technician == "" && r.OSUser != osUser
	}), nil
}
