package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends/runner"
)

// New is the console's root model at d, for a program its caller runs: `resetdesk serve`
// runs one per SSH session, on the session's input, output and size. ctx is the context
// of everything the console starts — cancelling it aborts the requests a run has in
// flight — so it must outlive the session. What Run adds around its program (SIGHUP,
// finishing the run left in progress) is the caller's to do.
func New(ctx context.Context, d Desk) tea.Model { return newModel(ctx, d) }

// FinishRun stops run and waits, bounded, for the requests it has in flight: the runner
// journals each new secret before the stream closes, so that they are in `recover`.
// Run does this for the run its console leaves; the caller of New does it for every run
// its desk started once the program has ended.
func FinishRun(run *runner.Run) { finishInFlight(run) }
