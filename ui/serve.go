package ui

import "resetdesk/backends/runner"

// FinishRun stops run and waits, at most inFlightGrace, for the requests it has in
// flight: the runner journals each new secret before the stream closes, so that they are
// in `recover`. Run (through Console.Shutdown) does this for the run its console leaves;
// the caller of New does it for every run its desk started once the program has ended
// (`resetdesk serve`, whose desk sees runs the console may never have).
func FinishRun(run *runner.Run) { finishRun(run, inFlightGrace) }
