package runner

import (
	"errors"

	"resetdesk/backends"
)

// Recorder keeps what a run does as it happens: the journal (every new secret on disk
// before anyone can see it) and the history (every request as it goes out, every answer
// as it comes). The runner calls it from many goroutines at once; each call returns only
// when what it was given is durable.
type Recorder interface {
	// Intend is called before each request goes out, with the user and the secret made
	// ahead (batch, policy or typed; empty when the system makes it) as StatusRunning.
	// An error means the request is not sent: ErrQuotaSpent skips it and the rest, any
	// other error fails it and stops the run (a journal that cannot write must not let
	// more passwords be set).
	Intend(o backends.Outcome) error
	// IntendBatch is called once per batch of secrets a batch mode made ahead (Odin's
	// generator), before any of them is dispatched: they are prepared, not sent. Each
	// user whose request goes out still gets its Intend, which alone says it was sent.
	IntendBatch(os []backends.Outcome) error
	// Record is called with the final outcome of every user that was intended (dispatched
	// or batch-journaled), before the outcome is emitted. An error is added to the
	// outcome's message (the outcome is never dropped) and stops the run.
	Record(o backends.Outcome) error
	// QuotaLeft is how many more successful resets the system allows (has=false: no
	// quota). Users past it are skipped, never sent.
	QuotaLeft() (left int, has bool)
	// Finish is called once with every final outcome, in input order, after the last one
	// was emitted and before the stream closes: a reader that sees the stream closed
	// knows the run is fully recorded.
	Finish(outcomes []backends.Outcome)
}

// ErrQuotaSpent is what a Recorder's Intend returns when the quota has no place left
// (another run took it): the user is skipped, never sent, and so is the rest.
var ErrQuotaSpent = errors.New("not sent: the daily quota is spent")

// Nop records nothing and has no quota: for the demo and for tests.
type Nop struct{}

func (Nop) Intend(backends.Outcome) error        { return nil }
func (Nop) IntendBatch([]backends.Outcome) error { return nil }
func (Nop) Record(backends.Outcome) error        { return nil }
func (Nop) QuotaLeft() (int, bool)               { return 0, false }
func (Nop) Finish([]backends.Outcome)            {}
