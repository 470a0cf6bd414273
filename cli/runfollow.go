package cli

import (
	"context"
	"fmt"
	"strings"

	"resetdesk/backends"
	"resetdesk/desk"
)

// follower reads a run of the host through its Watch and prints each final outcome in
// input order as soon as every user before it has one, to stdout and --output.
type follower struct {
	a       *app
	h       *desk.Handle
	w       *outcomeWriter
	out     *outputFile
	results []backends.Outcome
	done    []bool
	next    int // the first user not printed yet
	tally   backends.Tally
	closed  error     // stdout's reader went away
	prog    *progress // the progress line on stderr (nil: none)
}

// follow reads the run to its end through w, from first (what a wait for approval
// already read from w) on, and returns the run as it ended. The first signal stops dispatching (the requests
// in flight finish, the rest are skipped); the second (ctx cancelled) aborts what is in
// flight. Warnings are said as they come.
func (fl *follower) follow(ctx context.Context, soft <-chan struct{}, w *desk.Watch, first desk.Update) desk.Info {
	over := make(chan struct{})
	defer close(over)
	go func() {
		select {
		case <-soft:
			fl.a.warnf("stopping: requests in flight finish, the rest are skipped (interrupt again to abort them)")
			_ = fl.h.Stop()
		case <-over:
			return
		}
		select {
		case <-ctx.Done():
			_ = fl.h.Abort()
		case <-over:
		}
	}()
	u := first
	for {
		fl.take(u)
		if u.Over {
			return u.Info
		}
		// The watch of a run ends with the run: no deadline here.
		u, _ = w.Next(context.Background())
	}
}

// take prints what an update brought.
func (fl *follower) take(u desk.Update) {
	for _, s := range u.Warnings {
		fl.a.warnf("%s", s)
	}
	for _, o := range u.Outcomes {
		if !o.Status.Final() || fl.done[o.Index] {
			continue
		}
		fl.results[o.Index], fl.done[o.Index] = o, true
		fl.tally.Add(o)
		fl.prog.add(o)
	}
	// Print in input order: everything up to the first user still pending.
	for fl.next < len(fl.done) && fl.done[fl.next] {
		if fl.out != nil {
			fl.out.write(fl.results[fl.next])
		}
		if fl.closed == nil {
			fl.prog.hold(func() { fl.closed = fl.w.write(fl.results[fl.next]) })
			if fl.closed != nil {
				// The reader went away (`| head -1`): stop sending, let what is in
				// flight finish into the journal, and say where the rest is.
				_ = fl.h.Stop()
			}
		}
		fl.next++
	}
}

// finish flushes the outputs, says how the run ended and returns its exit code.
func (fl *follower) finish(f runFlags, format string, info desk.Info) error {
	a := fl.a
	fl.prog.finish()
	fl.w.flush()
	closed := fl.closed
	if fl.out != nil {
		if err := fl.out.close(); err != nil {
			a.warnf("--output %s: %v (the journal has every new secret: resetdesk recover)", f.output, err)
			closed = err
		}
	}
	if closed != nil {
		a.warnf("the output was closed (%v): dispatching stopped; every new secret is in `resetdesk recover`", closed)
		return exitCode(ExitSome)
	}
	t := fl.tally
	if a.env.StdoutTTY || format != "json" {
		fmt.Fprintf(a.env.Stderr, "%d ok, %d failed, %d unknown, %d skipped\n", t.OK, t.Failed, t.Unknown, t.Skipped)
	}
	if info.Halted != "" {
		a.warnf("the run stopped itself: %s", strings.TrimPrefix(info.Halted, "not sent: "))
	}
	if t.Unknown > 0 {
		a.warnf("%d user(s) unknown: the request went out and no answer came; check those accounts before retrying", t.Unknown)
	}
	if t.OK == len(fl.results) {
		return nil
	}
	return exitCode(ExitSome)
}
