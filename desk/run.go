package desk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
	"resetdesk/store/journal"
)

// Start starts req with the journal and the history recording it; warn receives what
// goes wrong without stopping the run (a history write, a purge). A journal or a history
// that cannot be opened refuses the run before anything is sent; so does a spent quota.
//
// Read the run's Outcomes until the stream closes: by then every outcome is in the
// journal and the history, and their files are closed.
func (d *Desk) Start(ctx context.Context, req runner.Request, warn func(string)) (*runner.Run, error) {
	if warn == nil {
		warn = func(string) {}
	}
	if err := d.Allow(req); err != nil {
		return nil, err
	}
	rec, err := d.recorder(ctx, req, warn)
	if err != nil {
		return nil, err
	}
	run, err := runner.Start(ctx, req, rec)
	if err != nil {
		rec.Finish(backends.SkippedAll(req.Users(), "not sent: "+err.Error())) // the history keeps the attempt
		return nil, err
	}
	return run, nil
}

// demoRecorder keeps nothing (the demo's passwords are not real) but holds its quota.
type demoRecorder struct {
	runner.Nop
	quota int
	done  func([]backends.Outcome)
}

func (q demoRecorder) QuotaLeft() (int, bool)             { return q.quota, q.quota > 0 }
func (q demoRecorder) Finish(outcomes []backends.Outcome) { q.done(outcomes) }

// runDone is the RunDone hook for req, or a no-op.
func (d *Desk) runDone(req runner.Request) func([]backends.Outcome) {
	if d.opts.RunDone == nil {
		return func([]backends.Outcome) {}
	}
	return func(outcomes []backends.Outcome) { d.opts.RunDone(d.Technician(), req, outcomes) }
}

// recorder opens the journal and the history for req.
func (d *Desk) recorder(ctx context.Context, req runner.Request, warn func(string)) (runner.Recorder, error) {
	p := req.Profile()
	if d.demo != nil {
		return demoRecorder{quota: p.DailyQuota, done: d.runDone(req)}, nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	jw, err := d.openJournal(ctx, p, req.Mode().Name, warn)
	if err != nil {
		return nil, fmt.Errorf("cannot open the journal, nothing sent (a new password must be on disk before it is shown): %w", err)
	}
	db, err := d.openHistory()
	if err != nil {
		jw.Close()
		return nil, fmt.Errorf("%w; nothing sent", err)
	}
	rec, err := d.startHistory(ctx, db, req, jw, warn)
	if err != nil {
		db.Close()
		jw.Close()
		return nil, fmt.Errorf("%w; nothing sent", err)
	}
	return rec, nil
}

// openHistory opens the history database under the state directory, creating it.
func (d *Desk) openHistory() (*history.DB, error) {
	path, err := history.Path(d.getenv)
	if err != nil {
		return nil, err
	}
	return history.Open(path)
}

// readHistory opens the history to read it, creating nothing (history.ErrNoHistory
// when no run was ever recorded here).
func (d *Desk) readHistory() (*history.DB, error) {
	path, err := history.Path(d.getenv)
	if err != nil {
		return nil, err
	}
	return history.OpenReadOnly(path)
}

func (d *Desk) openJournal(ctx context.Context, p backends.Profile, mode string, warn func(string)) (*journal.Writer, error) {
	id, source, err := d.writeKey(ctx, p)
	if err != nil {
		return nil, err
	}
	dir, err := journal.Dir(d.getenv)
	if err != nil {
		return nil, err
	}
	if keep, err := d.JournalRetention(); err == nil {
		// Old secrets go whenever a run starts, not only when someone asks recover to.
		if _, err := journal.Purge(dir, time.Now().Add(-keep)); err != nil {
			warn(err.Error())
		}
	}
	// A journal none of this host's keys can open stays unreadable to recover: say so
	// before anything is sent, not when the secrets are needed.
	if all, err := d.readKeys(ctx); err == nil {
		if files, err := journal.Mismatched(dir, all); err == nil && len(files) > 0 {
			warn(fmt.Sprintf("%d journal file(s) were written with a key this host does not have (the first: %s): "+
				"recover cannot read them; this run journals with the key from the %s", len(files), files[0], source))
		}
	}
	_, technician := d.technician()
	return journal.Open(dir, id.Recipient(), journal.RunInfo{Profile: p.Name, Mode: mode, Technician: technician})
}

// recorder is the journal and the history of one run. The journal comes first in each
// call: a secret must be on disk before anything else happens. The history follows each
// request as it goes out and as its answer comes, so that a killed run still shows who
// was reset and still counts against the quota; its errors are warned once and never
// stop the run (the final record at finish tries again).
type recorder struct {
	jw       *journal.Writer
	db       *history.DB
	id       int64
	quota    int // left when the run started
	hasQuota bool
	daily    int // the profile's daily_quota, reserved in the history across processes
	ctx      context.Context
	warnOnce sync.Once
	warn     func(string)
	once     sync.Once
	done     func([]backends.Outcome) // the RunDone hook
}

func (d *Desk) startHistory(ctx context.Context, db *history.DB, req runner.Request, jw *journal.Writer, warn func(string)) (*recorder, error) {
	p := req.Profile()
	rec := &recorder{jw: jw, db: db, warn: warn, ctx: context.WithoutCancel(ctx), done: d.runDone(req)}
	if p.DailyQuota > 0 {
		left, err := quotaLeftIn(ctx, db, p)
		if err != nil {
			return nil, fmt.Errorf("cannot count today's use of the daily quota: %w", err)
		}
		if left == 0 {
			return nil, fmt.Errorf("profile %s: the daily quota of %d successful resets is spent", p.Name, p.DailyQuota)
		}
		rec.quota, rec.hasQuota, rec.daily = left, true, p.DailyQuota
	}
	osUser, technician := d.technician()
	id, err := db.StartRun(ctx, history.RunInfo{
		OSUser: osUser, Technician: technician, Started: time.Now(), Profile: p.Name, Kind: p.Kind,
		Mode: req.Mode().Name, Ticket: req.Options().Ticket, Total: req.Len(),
	})
	if err != nil {
		return nil, err
	}
	rec.id = id
	return rec, nil
}

func (r *recorder) histWarn(err error) {
	r.warnOnce.Do(func() { r.warn(fmt.Sprintf("%v (recording goes on at the end of the run)", err)) })
}

// Intend reserves a place of the daily quota (in the history, under the lock every
// process shares, so no number of concurrent runs sends past it), then journals the
// request; only then may it go out.
func (r *recorder) Intend(o backends.Outcome) error {
	if r.hasQuota {
		now := time.Now()
		granted, err := r.db.Reserve(r.ctx, r.id, o, now, r.daily, history.Midnight(now))
		if err != nil {
			return fmt.Errorf("cannot reserve a place of the daily quota in the history: %w", err)
		}
		if !granted {
			return runner.ErrQuotaSpent
		}
		if err := r.jw.Intend(o); err != nil {
			// Not sent after all: the history must not count it.
			o.Status, o.Message = backends.StatusSkipped, "not sent: "+err.Error()
			if herr := r.db.Record(r.ctx, r.id, o, time.Now()); herr != nil {
				r.histWarn(herr)
			}
			return err
		}
		return nil
	}
	if err := r.jw.Intend(o); err != nil {
		return err
	}
	if err := r.db.Sending(r.ctx, r.id, o, time.Now()); err != nil {
		r.histWarn(err)
	}
	return nil
}

// IntendBatch journals a batch of secrets made ahead in one write and one sync; each
// user's Intend then only reserves and records it in the history.
func (r *recorder) IntendBatch(os []backends.Outcome) error { return r.jw.IntendBatch(os) }

// Record journals the answer (synced first when it brings a secret the journal does not
// hold yet) and queues it for the history, which FinishRun completes: the history
// keeps no secret, so an answer never waits for it.
func (r *recorder) Record(o backends.Outcome) error {
	err := r.jw.Record(o)
	r.db.RecordLater(r.id, o, time.Now())
	return err
}

func (r *recorder) QuotaLeft() (int, bool) { return r.quota, r.hasQuota }

func (r *recorder) Finish(outcomes []backends.Outcome) {
	r.once.Do(func() {
		defer r.db.Close()
		if err := r.jw.Close(); err != nil {
			r.warn(fmt.Sprintf("journal: %v", err))
		}
		fctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := r.db.FinishRun(fctx, r.id, outcomes, time.Now()); err != nil {
			r.warn(fmt.Sprintf("%v (the results above are complete)", err))
		}
		r.done(outcomes)
	})
}

// quotaLeftIn is the day's quota left for a profile with a daily_quota: the quota less
// today's resets that may have spent it, as the history counts them.
func quotaLeftIn(ctx context.Context, db *history.DB, p backends.Profile) (int, error) {
	used, err := db.SuccessesSince(ctx, p.Name, history.Midnight(time.Now()))
	if err != nil {
		return 0, err
	}
	return max(p.DailyQuota-used, 0), nil
}

// QuotaLeft is the day's quota left for profile p (has=false: no quota), counted from
// the history; an error when it cannot be counted (the run itself refuses then). The
// demo keeps no history: its quota is always whole.
func (d *Desk) QuotaLeft(ctx context.Context, p backends.Profile) (left int, has bool, err error) {
	if p.DailyQuota <= 0 {
		return 0, false, nil
	}
	if d.demo != nil {
		return p.DailyQuota, true, nil
	}
	db, err := d.readHistory()
	if errors.Is(err, history.ErrNoHistory) {
		return p.DailyQuota, true, nil
	}
	if err != nil {
		return 0, true, err
	}
	defer db.Close()
	ctx, cancel := bounded(ctx)
	defer cancel()
	left, err = quotaLeftIn(ctx, db, p)
	return left, true, err
}
