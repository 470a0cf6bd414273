package desk

import (
	"context"
	"errors"
	"slices"
	"strings"

	"resetdesk/store/history"
)

// History reads the runs that f selects, newest first, and, when outcomes is set, their
// outcomes: `history` and the console's history page both call it. The history holds no
// secret.
func (d *Desk) History(ctx context.Context, f history.Filter, outcomes bool) ([]*history.Run, []history.Outcome, error) {
	if d.demo != nil {
		return nil, nil, ErrDemo
	}
	var runs []*history.Run
	var outs []history.Outcome
	if err := d.readingHistory(ctx, func(ctx context.Context, db *history.DB) (err error) {
		if runs, err = db.Runs(ctx, f); err != nil || !outcomes {
			return err
		}
		outs, err = db.OutcomesOf(ctx, runs, f)
		return err
	}); err != nil {
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
	kept := outs[:0]
	for _, o := range outs {
		if d.allowed(o.Run.Profile) {
			kept = append(kept, o)
		}
	}
	return shown, kept, nil
}

// Approvals lists the approval requests f selects, newest first — filed, approved,
// declined, expired, withdrawn — on the profiles this desk may use: requested since
// f.Since; with f.User, those that name that user; with f.By (or f.Technician), those
// that technician (or local account) filed; with f.Ticket, those of that ticket, in
// any case. The demo keeps none.
func (d *Desk) Approvals(ctx context.Context, f history.Filter) ([]ApprovalRequest, error) {
	if d.demo != nil {
		return nil, nil
	}
	var all []*history.Approval
	if err := d.readingHistory(ctx, func(ctx context.Context, db *history.DB) (err error) {
		all, err = db.Approvals(ctx, history.ApprovalFilter{Since: f.Since})
		return err
	}); err != nil {
		return nil, err
	}
	var out []ApprovalRequest
	for i := len(all) - 1; i >= 0; i-- {
		a := all[i]
		if !d.allowed(a.Profile) || f.Technician != "" && a.Technician != f.Technician || f.By != "" && a.By() != f.By ||
			f.Ticket != "" && !strings.EqualFold(a.Ticket, f.Ticket) {
			continue
		}
		req := requestOf(a)
		if f.User != "" && !slices.ContainsFunc(req.Users, func(u User) bool { return u.ID == f.User }) {
			continue
		}
		out = append(out, req)
	}
	return out, nil
}

// readingHistory runs f on the history opened read-only, under the call timeout; a host
// with no history yet runs nothing, which is no error.
func (d *Desk) readingHistory(ctx context.Context, f func(context.Context, *history.DB) error) error {
	db, err := d.readHistory()
	if errors.Is(err, history.ErrNoHistory) {
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := bounded(ctx)
	defer cancel()
	return f(ctx, db)
}
