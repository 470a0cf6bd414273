package desk

import (
	"context"
	"errors"

	"resetdesk/store/history"
)

// Verifications lists the verification events f selects, newest first, on the profiles
// this desk may use (the demo's, kept in memory, too). No event holds a code.
func (d *Desk) Verifications(ctx context.Context, f history.Filter) ([]history.Verification, error) {
	var all []history.Verification
	if d.demo != nil {
		m := d.callers().memory
		m.mu.Lock()
		for i := len(m.events) - 1; i >= 0; i-- {
			if e := m.events[i]; (f.User == "" || e.User == f.User) && !e.At.Before(f.Since) && (f.Technician == "" || e.Technician == f.Technician) {
				all = append(all, e)
			}
		}
		m.mu.Unlock()
	} else {
		db, err := d.readHistory()
		if errors.Is(err, history.ErrNoHistory) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		defer db.Close()
		ctx, cancel := bounded(ctx)
		defer cancel()
		if all, err = db.Verifications(ctx, f); err != nil {
			return nil, err
		}
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
	db, err := d.readHistory()
	if errors.Is(err, history.ErrNoHistory) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := bounded(ctx)
	defer cancel()
	out := map[int64]map[string]history.Verification{}
	for _, id := range ids {
		r, err := db.Reliance(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(r) > 0 {
			out[id] = r
		}
	}
	return out, nil
}
