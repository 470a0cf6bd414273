package desk

import (
	"context"

	"resetdesk/store/history"
)

// Verifications lists the verification events f selects, newest first, on the profiles
// this desk may use (the demo's, kept in memory, too). No event holds a code.
func (d *Desk) Verifications(ctx context.Context, f history.Filter) ([]history.Verification, error) {
	var all []history.Verification
	if d.demo != nil {
		all = d.callers().memory.list(f)
	} else if err := d.readingHistory(ctx, func(ctx context.Context, db *history.DB) (err error) {
		all, err = db.Verifications(ctx, f)
		return err
	}); err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, v := range all {
		if d.allowed(v.Profile) {
			kept = append(kept, v)
		}
	}
	return kept, nil
}

// Reliance is which verification each user of the runs ids relied on (run id -> user
// -> event); runs on profiles without verification are absent.
func (d *Desk) Reliance(ctx context.Context, ids []int64) (map[int64]map[string]history.Verification, error) {
	if d.demo != nil {
		return nil, ErrDemo
	}
	out := map[int64]map[string]history.Verification{}
	err := d.readingHistory(ctx, func(ctx context.Context, db *history.DB) error {
		for _, id := range ids {
			r, err := db.Reliance(ctx, id)
			if err != nil {
				return err
			}
			if len(r) > 0 {
				out[id] = r
			}
		}
		return nil
	})
	return out, err
}
