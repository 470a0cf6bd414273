package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext returns a context that the first SIGINT, SIGTERM, SIGHUP or SIGQUIT does
// not cancel but reports on soft (to stop dispatching), and that the second cancels.
// SIGHUP is a dropped SSH session: the requests in flight still finish and reach the
// journal. SIGQUIT would otherwise dump goroutines and exit 2 after resets were made. A
// reader that went away (SIGPIPE, `| head`) must not kill the run either: writes to it
// fail instead, and the journal still gets every secret.
func signalContext(parent context.Context) (ctx context.Context, soft <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	signal.Ignore(syscall.SIGPIPE)
	softCh := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-ch:
				n++
				if n == 1 {
					close(softCh)
				} else {
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, softCh, func() { signal.Stop(ch); cancel() }
}
