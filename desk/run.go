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

// startOpts say how a run is started.
type startOpts struct {
	// approvedBy is the technician who approved the run: it stands for the callers'
	// verification (and the history says so).
	approvedBy string
}

// start starts req (see Start) and returns the run's id in the history (0 in the
// demo).
func (d *Desk) start(ctx context.Context, req runner.Request, warn func(string), o startOpts) (*runner.Run, int64, error) {
	if err := d.Allow(req); err != nil {
		return nil, 0, err
	}
	relied, err := d.requireVerified(ctx, req, o.approvedBy)
	if err != nil {
		return nil, 0, err
	}
	if err := d.notVerified(ctx, req, relied); err != nil {
		return nil, 0, err
	}
	rec, id, err := d.recorder(ctx, req, warn)
	if err != nil {
		return nil, 0, err
	}
	if r, ok := rec.(*recorder); ok {
		// Each reset names the verification it relied on.
		if err := r.db.RecordReliance(ctx, r.id, relied); err != nil {
			warn(err.Error())
		}
	}
	run, err := runner.Start(ctx, req, rec)
	if err != nil {
		rec.Finish(backends.SkippedAll(req.Users(), "not sent: "+err.Error())) // the history keeps the attempt
		return nil, 0, err
	}
	return run, id, nil
}

// runDone is the RunDone hook for req, or a no-op.
func (d *Desk) runDone(req runner.Request) func([]backends.Outcome) {
	if d.opts.RunDone == nil {
		return func([]backends.Outcome) {}
	}
	return func(outcomes []backends.Outcome) { d.opts.RunDone(d.Technician(), req, outcomes) }
}

// recorder opens the journal and the history for req; the id is the run's in the
// history (0 in the demo).
func (d *Desk) recorder(ctx context.Context, req runner.Request, warn func(string)) (runner.Recorder, int64, error) {
	p := req.Profile()
	if d.demo != nil {
		rec := demoRecorder{profile: p, done: d.runDone(req)}
		if p.DailyQuota > 0 {
			rec.quota, rec.left = &d.demoQuota, d.demoQuota.left(p)
			if rec.left == 0 {
				return nil, 0, fmt.Errorf("profile %s: the daily quota of %d successful resets is spent", p.Name, p.DailyQuota)
			}
		}
		return rec, 0, nil
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	jw, err := d.openJournal(ctx, p, req.Mode().Name, warn)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot open the journal, nothing sent (a new password must be on disk before it is shown): %w", err)
	}
	db, err := d.openHistory()
	if err != nil {
		jw.Close()
		return nil, 0, fmt.Errorf("%w; nothing sent", err)
	}
	rec, err := d.startHistory(ctx, db, req, jw, warn)
	if err != nil {
		db.Close()
		jw.Close()
		return nil, 0, fmt.Errorf("%w; nothing sent", err)
	}
	return rec, rec.id, nil
}

// openHistory opens the history database under the state directory, creating it.
func (h *Host) openHistory() (*history.DB, error) {
	path, err := history.Path(h.getenv)
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
	id, _, err := d.writeKey(ctx, p)
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
		Mode: req.HistoryMode(), Ticket: req.Options().Ticket, Total: req.Len(),
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
	// The journal's sync and the history's commit are two waits on two files: taken
	// side by side, a request waits for the longer, not for both in turn.
	hist := make(chan error, 1)
	go func() { hist <- r.db.Sending(r.ctx, r.id, o, time.Now()) }()
	jerr := r.jw.Intend(o)
	if err := <-hist; err != nil {
		r.histWarn(err)
	} else if jerr != nil {
		// Not sent after all: the history must not keep it as going out.
		o.Status, o.Message = backends.StatusSkipped, "not sent: "+jerr.Error()
		if herr := r.db.Record(r.ctx, r.id, o, time.Now()); herr != nil {
			r.histWarn(herr)
		}
	}
	return jerr
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
// demo keeps no history: its quota is counted in memory, for every session of the host.
func (d *Desk) QuotaLeft(ctx context.Context, p backends.Profile) (left int, has bool, err error) {
	if p.DailyQuota <= 0 {
		return 0, false, nil
	}
	if d.demo != nil {
		return d.demoQuota.left(p), true, nil
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
