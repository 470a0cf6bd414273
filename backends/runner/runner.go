// Package runner is the bulk runner every front end shares (the console, `resetdesk run`
// and `resetdesk serve`): it resets the users of a Request with bounded concurrency, a
// rate limit and a daily quota where the system has them, and streams each outcome as it
// arrives.
//
// What it guarantees: nothing is sent before the login succeeded; a secret made ahead is
// given to the Recorder (the journal) before its request goes out, and every final
// outcome before it is emitted, so a password is on disk before anyone can see it; a
// request that went out with no answer is `unknown` and never sent again; Stop stops
// dispatching, lets the requests in flight finish and skips the rest; a session that
// expires is renewed once for all workers; refused credentials, a failing journal or a
// quota taken by another run stop the run.
package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"resetdesk/backends"
	"resetdesk/backends/redact"
)

// Run is a run in progress.
type Run struct {
	req Request
	rec Recorder
	out chan backends.Outcome
	// sending is the context of everything that waits to send (the dispatch, the quota,
	// the rate limit, a pause, a wait the server asked for): Stop cancels it, while the
	// requests in flight go on under the run's own context.
	sending context.Context
	stop    context.CancelFunc

	loginMu  sync.Mutex
	loginGen int

	// halt says why the run stopped itself (credentials refused, the journal failing,
	// the quota taken by another run); it becomes the skipped users' message.
	haltMu sync.Mutex
	halt   string

	// batchJournaled is one past the last index whose batch secret the recorder holds:
	// users up to it that are never dispatched still get a Record (skipped), so that the
	// journal does not keep them as sent.
	batchJournaled atomic.Int64

	quota *quota

	// secrets are every secret of the run so far (made ahead, generated, typed, or in an
	// answer): each is removed from every outcome's message, in every decoding.
	secrets *redact.Redactor

	resultsMu sync.Mutex
	results   []backends.Outcome // final outcomes by index, for Finish

	pauseMu sync.Mutex
	resumed chan struct{} // non-nil while paused; closed by Resume
}

// Start logs in (a bad login fails here, before any reset) and starts the run. Outcomes
// arrive on Outcomes() until it is closed. ctx aborts everything, in-flight requests
// included; Stop stops dispatching and lets them finish. rec may be nil (Nop).
func Start(ctx context.Context, req Request, rec Recorder) (*Run, error) {
	if req.backend == nil || len(req.users) == 0 {
		return nil, errors.New("the request was not built with NewRequest")
	}
	if rec == nil {
		rec = Nop{}
	}
	lctx, cancel := context.WithTimeout(ctx, req.timeout)
	err := req.backend.Login(lctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("login failed, nothing sent: %w", err)
	}
	r := &Run{
		req: req,
		rec: rec,
		out: make(chan backends.Outcome, 256),

		results: make([]backends.Outcome, len(req.users)),
		secrets: redact.New(),
	}
	r.secrets.Also(req.password)
	r.sending, r.stop = context.WithCancel(ctx)
	if left, has := rec.QuotaLeft(); has {
		r.quota = newQuota(left)
	}
	go r.dispatch(ctx)
	return r, nil
}

// Outcomes streams the run's events; it is closed when every user has a final outcome.
// The caller must read it until it is closed: the workers wait for the reader.
func (r *Run) Outcomes() <-chan backends.Outcome { return r.out }

// Stop stops dispatching: requests in flight finish, the users not yet sent are skipped.
func (r *Run) Stop() { r.stop() }

// Wait drains the run and returns the final outcomes in input order.
func (r *Run) Wait() []backends.Outcome {
	res := make([]backends.Outcome, len(r.req.users))
	for o := range r.out {
		if o.Status.Final() {
			res[o.Index] = o
		}
	}
	return res
}

// Halt stops dispatching as Stop does, for a reason the users not yet sent are skipped
// with ("not sent: the host shut down"), rather than as if the technician had stopped
// it; the first reason is kept.
func (r *Run) Halt(reason string) { r.haltWith(reason) }

// haltWith stops the run for a reason of its own; the first reason is kept.
func (r *Run) haltWith(reason string) {
	r.haltMu.Lock()
	if r.halt == "" {
		r.halt = reason
	}
	r.haltMu.Unlock()
	r.Stop()
}

func (r *Run) haltReason() string {
	r.haltMu.Lock()
	defer r.haltMu.Unlock()
	return r.halt
}

// Halted says why the run stopped itself ("" when it did not): the credentials were
// refused, the journal failed, or another run took the quota.
func (r *Run) Halted() string { return r.haltReason() }

type work struct {
	index  int
	secret string
	genErr error
}

// stopped reports whether the run was stopped or aborted: nothing more is sent.
func (r *Run) stopped() bool { return r.sending.Err() != nil }

// emit hands a final outcome to the reader, keeping it for Finish.
func (r *Run) emit(o backends.Outcome) {
	o.Name = r.req.accounts[o.Index].Name
	r.resultsMu.Lock()
	r.results[o.Index] = o
	r.resultsMu.Unlock()
	r.out <- o
}

func (r *Run) dispatch(ctx context.Context) {
	defer func() {
		r.resultsMu.Lock()
		results := append([]backends.Outcome(nil), r.results...)
		r.resultsMu.Unlock()
		r.rec.Finish(results)
		close(r.out)
	}()
	var limiter *rate.Limiter
	if r.req.rateLimit > 0 {
		limiter = rate.NewLimiter(rate.Limit(r.req.rateLimit), 1)
	}
	var secrets <-chan work
	genCtx, cancelGen := context.WithCancel(ctx)
	defer cancelGen()
	if r.req.mode.Source == backends.FromBatch && r.req.password == "" {
		secrets = r.prefetch(genCtx)
	}

	items := make(chan work)
	var wg sync.WaitGroup
	workers := min(r.req.concurrency, len(r.req.users))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				r.emit(r.resetOne(ctx, it))
			}
		}()
	}

	next := 0
	skipReason := "not sent: the run was stopped"
	for ; next < len(r.req.users); next++ {
		if o, ok := r.req.settled[next]; ok {
			r.emit(o) // decided before the run: never sent
			continue
		}
		if r.stopped() {
			break
		}
		if !r.quota.reserve(r.sending) {
			if !r.stopped() {
				skipReason = ErrQuotaSpent.Error()
			}
			break
		}
		if !r.handOut(next, limiter, secrets, items) {
			r.quota.settle(false)
			break
		}
	}
	close(items)
	cancelGen()
	wg.Wait()
	if reason := r.haltReason(); reason != "" {
		skipReason = reason
	}
	journaled := int(r.batchJournaled.Load())
	for i := next; i < len(r.req.users); i++ {
		if o, ok := r.req.settled[i]; ok {
			r.emit(o)
			continue
		}
		o := backends.Outcome{Index: i, User: r.req.users[i], Status: backends.StatusSkipped, Message: skipReason}
		if i < journaled {
			// Its secret was journaled with its batch but never sent: say so, so that
			// recover does not list it as possibly set.
			if err := r.rec.Record(o); err != nil {
				o.Message += " [" + err.Error() + "]"
			}
		}
		r.emit(o)
	}
}

// handOut gives user i to a worker once the rate limit lets it go, with its secret made
// ahead when there is one; false when the run stopped first.
func (r *Run) handOut(i int, limiter *rate.Limiter, secrets <-chan work, items chan<- work) bool {
	if limiter != nil && limiter.Wait(r.sending) != nil {
		return false
	}
	it := work{index: i}
	if secrets != nil {
		select {
		case s := <-secrets:
			it.secret, it.genErr = s.secret, s.genErr
		case <-r.sending.Done():
			return false
		}
	}
	select {
	case items <- it:
		return true
	case <-r.sending.Done():
		return false
	}
}

// prefetch generates secrets in batches ahead of the workers, so that generating costs
// about one round trip per run rather than one per batch. Each batch is journaled in
// one write before any of its secrets is handed out.
func (r *Run) prefetch(ctx context.Context) <-chan work {
	batcher, ok := r.req.backend.(backends.SecretBatcher)
	out := make(chan work, r.req.batchSize)
	// The lines to send, in order: a settled line gets no secret.
	send := make([]int, 0, r.req.Sends())
	for i := range r.req.users {
		if _, ok := r.req.settled[i]; !ok {
			send = append(send, i)
		}
	}
	go func() {
		defer close(out)
		for start := 0; start < len(send); {
			n := min(len(send)-start, r.req.batchSize)
			var secrets []string
			var err error
			if !ok {
				err = errors.New("this system cannot generate secrets in batches")
			} else {
				gctx, cancel := context.WithTimeout(ctx, r.req.timeout)
				secrets, err = batcher.BatchSecrets(gctx, r.req.mode.Name, n)
				cancel()
				if err == nil && len(secrets) != n {
					err = fmt.Errorf("the server generated %d of %d secrets", len(secrets), n)
				}
			}
			if err == nil {
				r.secrets.Also(secrets...)
				batch := make([]backends.Outcome, n)
				for i := range n {
					line := send[start+i]
					batch[i] = backends.Outcome{Index: line, User: r.req.users[line], Status: backends.StatusRunning, Secret: secrets[i]}
				}
				if jerr := r.rec.IntendBatch(batch); jerr != nil {
					r.haltWith("not sent: " + jerr.Error())
					return
				}
				r.batchJournaled.Store(int64(send[start+n-1] + 1))
			}
			for i := range n {
				w := work{}
				if err != nil {
					w.genErr = err
				} else {
					w.secret = secrets[i]
				}
				select {
				case out <- w:
				case <-ctx.Done():
					return
				}
			}
			start += n
		}
	}()
	return out
}

// resetOne resets one user and returns its final outcome, after the recorder has it.
