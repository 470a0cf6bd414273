package runner

import (
	"context"
	"sync"
)

// quota holds a run to the day's quota left when it started. Only successes (and unknown
// outcomes, which the system may have counted) spend it, so while requests in flight
// could still fail and free a place, a request past the quota waits for them rather
// than being skipped. A nil quota is no limit.
type quota struct {
	mu       sync.Mutex
	left     int // places when the run started
	spent    int
	inFlight int
	freed    chan struct{}
}

func newQuota(left int) *quota { return &quota{left: left, freed: make(chan struct{}, 1)} }

// reserve takes one place for a request about to go out; false when the quota is spent
// or sending (the run's sending context) ended.
func (q *quota) reserve(sending context.Context) bool {
	if q == nil {
		return true
	}
	for {
		q.mu.Lock()
		if q.spent+q.inFlight < q.left {
			q.inFlight++
			q.mu.Unlock()
			return true
		}
		spent := q.inFlight == 0
		q.mu.Unlock()
		if spent {
			return false
		}
		select {
		case <-q.freed:
		case <-sending.Done():
			return false
		}
	}
}

// settle returns a reserved place: spent when the reset may have happened, free
// otherwise.
func (q *quota) settle(spent bool) {
	if q == nil {
		return
	}
	q.mu.Lock()
	q.inFlight--
	if spent {
		q.spent++
	}
	q.mu.Unlock()
	select {
	case q.freed <- struct{}{}:
	default:
	}
}
