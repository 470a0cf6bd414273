package runner

import (
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
)

const (
	maxThrottleWaits = 5
	maxThrottleWait  = time.Minute
	minThrottleWait  = 100 * time.Millisecond
	// defaultThrottleWait is the wait when the system names none, at most half the
	// profile's timeout.
	defaultThrottleWait = 2 * time.Second
)

// throttled waits the time the server asked for before a request is sent again, and
// reports whether it did. A wait longer than the profile's timeout — or than the run
// has left before its own deadline — is not waited: the user is skipped and the run
// stops sending, since the server would refuse the rest alike; the outcome says how long
// it asked for and when to try again. Waits of up to a minute are waited as asked;
// longer ones (within the timeout) a minute at a time. With no wait named (asked 0),
// the runner waits a moment of its own. A stop while waiting skips the user.
func (r *Run) throttled(asked time.Duration) (backends.Outcome, bool) {
	if asked <= 0 {
		asked = min(defaultThrottleWait, r.req.timeout/2)
	}
	d := max(asked, minThrottleWait)
	patience := r.req.timeout
	if dl, ok := r.sending.Deadline(); ok {
		patience = min(patience, time.Until(dl))
	}
	if d > patience {
		why := fmt.Sprintf("not sent: the server asked to wait %s: rate limited; try again after %s", waitText(d), TimeText(time.Now().Add(d+time.Minute-1).Truncate(time.Minute)))
		r.haltWith(why)
		return backends.Outcome{Status: backends.StatusSkipped, Message: why}, false
	}
	t := time.NewTimer(min(d, maxThrottleWait))
	defer t.Stop()
	select {
	case <-t.C:
		return backends.Outcome{}, true
	case <-r.sending.Done():
		return notSent("the run was stopped while the server asked to wait"), false
	}
}

// waitText is a wait as a person says it: 24h, 1h30m, 90s is 1m30s, 250ms.
func waitText(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// TimeText is a moment as a technician reads it in a message: the time of day, with the
// date when it is not today (a note that comes back for days must not pass yesterday's
// 00:49 for today's). To the minute: a time to try again is rounded up to it.
func TimeText(t time.Time) string {
	t = t.Local()
	if t.Format(time.DateOnly) != time.Now().Local().Format(time.DateOnly) {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("15:04")
}
