package desk

import (
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// demoQuota is the demo's daily quota, counted as the history counts a real one: a
// place is taken as a request goes out and given back when the answer says nothing
// changed, for every session of the host, until midnight. The demo keeps no history;
// this keeps it from promising places its simulated server will refuse.
type demoQuota struct {
	mu   sync.Mutex
	day  time.Time
	used map[string]int // profile -> places taken today
}

// left is the quota of profile p left today.
func (q *demoQuota) left(p backends.Profile) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll()
	return max(p.DailyQuota-q.used[p.Name], 0)
}

// take reserves a place of p's quota; false when none is left.
func (q *demoQuota) take(p backends.Profile) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.roll()
	if q.used[p.Name] >= p.DailyQuota {
		return false
	}
	q.used[p.Name]++
	return true
}

// give returns a place taken for a request that changed nothing.
func (q *demoQuota) give(p backends.Profile) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.used[p.Name] = max(q.used[p.Name]-1, 0)
}

// roll starts a new day at midnight (the caller holds mu).
func (q *demoQuota) roll() {
	if today := history.Midnight(time.Now()); !today.Equal(q.day) || q.used == nil {
		q.day, q.used = today, map[string]int{}
	}
}

// demoRecorder keeps nothing (the demo's passwords are not real) but holds the quota
// as the real recorder does: users past it are skipped before they are sent.
type demoRecorder struct {
	runner.Nop
	quota   *demoQuota // nil: the profile has none
	profile backends.Profile
	left    int
	done    func([]backends.Outcome)
}

func (r demoRecorder) QuotaLeft() (int, bool) { return r.left, r.quota != nil }

func (r demoRecorder) Intend(backends.Outcome) error {
	if r.quota != nil && !r.quota.take(r.profile) {
		return runner.ErrQuotaSpent
	}
	return nil
}

func (r demoRecorder) Record(o backends.Outcome) error {
	// As the history counts: ok and unknown (it may have changed) keep their place.
	if r.quota != nil && o.Status != backends.StatusOK && o.Status != backends.StatusUnknown {
		r.quota.give(r.profile)
	}
	return nil
}

func (r demoRecorder) Finish(outcomes []backends.Outcome) { r.done(outcomes) }
