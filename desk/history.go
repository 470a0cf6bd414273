package desk

import (
	"context"
	"errors"

	"resetdesk/store/history"
)

// History reads the runs that f selects, newest first, and, when outcomes is set, their
// outcomes: `history` and the console's history page both call it. The history holds no
// secret.
func (d *Desk) History(ctx context.Context, f history.Filter, outcomes bool) ([]*history.Run, []history.Outcome, error) {
	if d.demo != nil {
		return nil, nil, ErrDemo
	}
	db, err := d.readHistory()
	if errors.Is(err, history.ErrNoHistory) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	ctx, cancel := bounded(ctx)
	defer cancel()
	runs, err := db.Runs(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	// A served technician sees the team's runs on the profiles they may use: who was
	// reset in a system they cannot open is not theirs to read.
	shown := runs[:0]
	for _, r := range runs {
		if d.allowed(r.Profile) {
			shown = append(shown, r)
		}
	}
	if !outcomes {
		return shown, nil, nil
	}
	outs, err := db.Outcomes(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	kept := outs[:0]
	for _, o := range outs {
		if d.allowed(o.Run.Profile) {
			kept = append(kept, o)
		}
	}
	return shown, kept, nil
}
