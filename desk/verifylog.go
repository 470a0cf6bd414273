package desk

import (
	"context"
	"errors"
	"sync"
	"time"

	"resetdesk/backends/notify"
	"resetdesk/desk/verify"
	"resetdesk/store/history"
)

// callers is what a host keeps for verifying callers: the codes its desks sent and that
// are pending (in memory only, for the process's life), and, for the demo, which keeps
// no history, its outbox and its record of events.
type callers struct {
	codes  *verify.Codes
	outbox *notify.Outbox // demo only
	memory *memoryLog     // demo only
}

// callers is the host's, made on first use.
func (h *Host) callers() *callers {
	h.callersOnce.Do(func() {
		h.calls = &callers{codes: verify.NewCodes()}
		if h.demo != nil {
			h.calls.outbox, h.calls.memory = &notify.Outbox{}, &memoryLog{}
		}
	})
	return h.calls
}

// verifyLog is where verification events are kept: the history, or the demo's memory.
type verifyLog interface {
	reserveCode(ctx context.Context, v history.Verification, limit int, since time.Time) (int64, bool, error)
	settleCode(ctx context.Context, id int64, result, message string) error
	record(ctx context.Context, v history.Verification) (int64, error)
	recordAll(ctx context.Context, vs []history.Verification) ([]int64, error)
	verifiedSince(ctx context.Context, who history.Verifier, profile string, since time.Time) (map[string]history.Verification, error)
}

func (d *Desk) verifyLog() verifyLog {
	if d.demo != nil {
		return d.callers().memory
	}
	return historyLog{d}
}

// historyLog keeps events in the history database, opened for each call: a
// verification is a few events minutes apart, and the file is shared with every other
// process of the host.
type historyLog struct{ d *Desk }

func (l historyLog) write(ctx context.Context, f func(context.Context, *history.DB) error) error {
	db, err := l.d.openHistory()
	if err != nil {
		return err
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	err = f(ctx, db)
	return errors.Join(err, db.Close())
}

func (l historyLog) reserveCode(ctx context.Context, v history.Verification, limit int, since time.Time) (id int64, ok bool, err error) {
	err = l.write(ctx, func(ctx context.Context, db *history.DB) error {
		id, ok, err = db.ReserveCode(ctx, v, limit, since)
		return err
	})
	return id, ok, err
}

func (l historyLog) settleCode(ctx context.Context, id int64, result, message string) error {
	return l.write(ctx, func(ctx context.Context, db *history.DB) error { return db.SettleCode(ctx, id, result, message) })
}

func (l historyLog) record(ctx context.Context, v history.Verification) (id int64, err error) {
	err = l.write(ctx, func(ctx context.Context, db *history.DB) error {
		id, err = db.RecordVerification(ctx, v)
		return err
	})
	return id, err
}

func (l historyLog) recordAll(ctx context.Context, vs []history.Verification) (ids []int64, err error) {
	err = l.write(ctx, func(ctx context.Context, db *history.DB) error {
		ids, err = db.RecordVerifications(ctx, vs)
		return err
	})
	return ids, err
}

func (l historyLog) verifiedSince(ctx context.Context, who history.Verifier, profile string, since time.Time) (vs map[string]history.Verification, err error) {
	err = l.d.readingHistory(ctx, func(ctx context.Context, db *history.DB) error {
		vs, err = db.VerifiedSince(ctx, who, profile, since)
		return err
	})
	return vs, err
}

// memoryLog is the demo's record of events, kept for the process's life.
type memoryLog struct {
	mu     sync.Mutex
	events []history.Verification
}

func (m *memoryLog) add(v history.Verification) int64 {
	v.ID = int64(len(m.events) + 1)
	m.events = append(m.events, v)
	return v.ID
}

func (m *memoryLog) reserveCode(_ context.Context, v history.Verification, limit int, since time.Time) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.events {
		if e.Profile == v.Profile && e.User == v.User && !e.At.Before(since) && (e.Result == history.ResultSending || e.Result == history.ResultSent) {
			n++
		}
	}
	if n >= limit {
		return 0, false, nil
	}
	v.Result = history.ResultSending
	return m.add(v), true, nil
}

func (m *memoryLog) settleCode(_ context.Context, id int64, result, message string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id >= 1 && int(id) <= len(m.events) {
		m.events[id-1].Result, m.events[id-1].Message = result, message
	}
	return nil
}

func (m *memoryLog) record(_ context.Context, v history.Verification) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.add(v), nil
}

func (m *memoryLog) recordAll(_ context.Context, vs []history.Verification) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = m.add(v)
	}
	return ids, nil
}

func (m *memoryLog) verifiedSince(_ context.Context, who history.Verifier, profile string, since time.Time) (map[string]history.Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]history.Verification{}
	for _, e := range m.events {
		if e.Profile == profile && e.Verifies() && !e.At.Before(since) &&
			e.Technician == who.Technician && (who.Technician != "" || e.OSUser == who.OSUser) {
			out[e.User] = e // the newest last
		}
	}
	return out, nil
}

// list is the events f selects, newest first.
func (m *memoryLog) list(f history.Filter) []history.Verification {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []history.Verification
	for i := len(m.events) - 1; i >= 0; i-- {
		if e := m.events[i]; (f.User == "" || e.User == f.User) && !e.At.Before(f.Since) && (f.Technician == "" || e.Technician == f.Technician) {
			out = append(out, e)
		}
	}
	return out
}
