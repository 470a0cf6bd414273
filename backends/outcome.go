package backends

import "time"

// Outcome is one event of a run: a user's request started (StatusRunning) or ended
// (a final status).
type Outcome struct {
	Index   int // position in the run's user list
	User    string
	Name    string // the account's display name, where the system gave one
	Status  Status
	Secret  string
	Message string
	Elapsed time.Duration
}

// MessageUnknown is appended to every unknown outcome: the technician must check before
// trying again.
const MessageUnknown = "the password may have changed: check the account before retrying"

// SkippedAll is a skipped outcome per user, with reason: what a run that could not start
// (a refused login, say) reports.
func SkippedAll(users []string, reason string) []Outcome {
	out := make([]Outcome, len(users))
	for i, u := range users {
		out[i] = Outcome{Index: i, User: u, Status: StatusSkipped, Message: reason}
	}
	return out
}

// Tally counts final outcomes per status.
type Tally struct{ OK, Failed, Unknown, Skipped int }

// Add counts o when it is final.
func (t *Tally) Add(o Outcome) {
	switch o.Status {
	case StatusOK:
		t.OK++
	case StatusFailed:
		t.Failed++
	case StatusUnknown:
		t.Unknown++
	case StatusSkipped:
		t.Skipped++
	}
}

// TallyOf counts a run's final outcomes.
func TallyOf(outcomes []Outcome) Tally {
	var t Tally
	for _, o := range outcomes {
		t.Add(o)
	}
	return t
}

// Total is the number of final outcomes counted.
func (t Tally) Total() int { return t.OK + t.Failed + t.Unknown + t.Skipped }
