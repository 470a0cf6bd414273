package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// Reattach is what a technician finds when they come back (a new session after one
// dropped): their runs at this host, running or over, with their results; and the runs
// of theirs that a restart of the host cut off, from the history.
type Reattach struct {
	Runs   []*Handle // the runs they started at this host, newest first
	CutOff []CutOff  // theirs the history holds unfinished (the process running them ended) or stopped by a shutdown
}

// CutOff is a run that a host's end cut off: the data of "a run of yours was cut off at
// 12:04 — 118 of 240 done — see recover".
type CutOff struct {
	HistoryID int64
	Profile   string
	Mode      string
	Ticket    string
	Started   time.Time
	At        time.Time // its last recorded outcome (cut off then, or soon after)
	Total     int
	Tally     backends.Tally // a request sent with no answer recorded counts as unknown
	// Stopped: the host's shutdown stopped it (At is its end); its users not sent were
	// skipped. Otherwise the process running it ended with nothing more recorded.
	Stopped bool
}

// Done is how many users had an outcome (or a request out) when it was cut off.
func (c CutOff) Done() int { return c.Tally.Total() }

func (c CutOff) String() string {
	if c.Stopped {
		sent := c.Tally.OK + c.Tally.Failed + c.Tally.Unknown
		return fmt.Sprintf("a run of yours on %s was stopped by a shutdown of the host at %s — %d of %d sent, %d not sent — see recover",
			c.Profile, runner.TimeText(c.At), sent, c.Total, c.Tally.Skipped)
	}
	return fmt.Sprintf("a run of yours on %s was cut off at %s — %d of %d done — see recover", c.Profile, runner.TimeText(c.At), c.Done(), c.Total)
}

// Reattach finds this desk's technician's runs: at this host (d.Runs, theirs), and cut
// off (the history's unfinished runs of theirs, within the journal's retention, that
// recorded nothing since this host started: a run going on in another process records
// as it goes) or stopped by an earlier host's shutdown (their users not sent skipped
// with ShutdownSkip).
func (d *Desk) Reattach(ctx context.Context) (Reattach, error) {
	var ra Reattach
	me := d.Technician()
	known := map[int64]bool{}
	for _, h := range d.Runs() {
		in := h.Info()
		known[in.HistoryID] = true
		if in.Technician == me {
			ra.Runs = append(ra.Runs, h)
		}
	}
	if d.demo != nil {
		return ra, nil
	}
	db, err := d.readHistory()
	if errors.Is(err, history.ErrNoHistory) {
		return ra, nil
	}
	if err != nil {
		return ra, err
	}
	defer db.Close()
	keep, err := d.JournalRetention()
	if err != nil {
		return ra, err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	osUser, _ := d.technician()
	cut, err := db.CutOffRuns(ctx, osUser, me, d.now().Add(-keep), d.started)
	if err != nil {
		return ra, err
	}
	stopped, err := db.StoppedRuns(ctx, osUser, me, d.now().Add(-keep), d.started, ShutdownSkip)
	if err != nil {
		return ra, err
	}
	for i, c := range append(cut, stopped...) {
		if known[c.ID] || !d.allowed(c.Profile) {
			continue
		}
		ra.CutOff = append(ra.CutOff, CutOff{HistoryID: c.ID, Profile: c.Profile, Mode: c.Mode, Ticket: c.Ticket,
			Started: c.Started, At: c.Last, Total: c.Total, Tally: c.Tally, Stopped: i >= len(cut)})
	}
	return ra, nil
}
