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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"resetdesk/backends"
	"resetdesk/backends/redact"
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
	// generator), before any of them is dispatched; each still gets its Intend.
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

const (
	maxThrottleWaits = 5
	maxThrottleWait  = time.Minute
)

// Run is a run in progress.
type Run struct {
	req      Request
	rec      Recorder
	out      chan backends.Outcome
	stop     chan struct{}
	stopOnce sync.Once

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

	// redact holds every secret the run sent or was given: no outcome's message may
	// carry one (a server echoing the request in its error).
	redact *redact.Redactor

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
		req:  req,
		rec:  rec,
		out:  make(chan backends.Outcome, 256),
		stop: make(chan struct{}),

		results: make([]backends.Outcome, len(req.users)),
		redact:  redact.New(req.password),
	}
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
func (r *Run) Stop() { r.stopOnce.Do(func() { close(r.stop) }) }

// Request is what the run does.
func (r *Run) Request() Request { return r.req }

// Pause holds every request not yet sent until Resume (or Stop, which skips them):
// while a technician is asked whether to stop, nothing more goes out. Requests already
// in flight finish.
func (r *Run) Pause() {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	if r.resumed == nil {
		r.resumed = make(chan struct{})
	}
}

// Resume lets a paused run send again.
func (r *Run) Resume() {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	if r.resumed != nil {
		close(r.resumed)
		r.resumed = nil
	}
}

// Paused reports whether the run is paused.
func (r *Run) Paused() bool {
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	return r.resumed != nil
}

// mayGo waits while the run is paused; false when it was stopped or aborted meanwhile.
func (r *Run) mayGo(ctx context.Context) bool {
	r.pauseMu.Lock()
	ch := r.resumed
	r.pauseMu.Unlock()
	if ch == nil {
		return !r.stopped(ctx)
	}
	select {
	case <-ch:
		return !r.stopped(ctx)
	case <-r.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

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

func (r *Run) stopped(ctx context.Context) bool {
	select {
	case <-r.stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// emit hands a final outcome to the reader, keeping it for Finish.
func (r *Run) emit(o backends.Outcome) {
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
loop:
	for ; next < len(r.req.users); next++ {
		if r.stopped(ctx) {
			break
		}
		if !r.quota.reserve(ctx, r.stop) {
			if !r.stopped(ctx) {
				skipReason = ErrQuotaSpent.Error()
			}
			break
		}
		if limiter != nil {
			if err := r.waitLimiter(ctx, limiter); err != nil {
				r.quota.settle(false)
				break
			}
		}
		it := work{index: next}
		if secrets != nil {
			select {
			case s := <-secrets:
				it.secret, it.genErr = s.secret, s.genErr
			case <-r.stop:
				r.quota.settle(false)
				break loop
			case <-ctx.Done():
				r.quota.settle(false)
				break loop
			}
		}
		select {
		case items <- it:
		case <-r.stop:
			r.quota.settle(false)
			break loop
		case <-ctx.Done():
			r.quota.settle(false)
			break loop
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

// waitLimiter waits for the rate limiter, giving up when the run is stopped.
func (r *Run) waitLimiter(ctx context.Context, l *rate.Limiter) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.stop:
			cancel()
		case <-wctx.Done():
		}
	}()
	return l.Wait(wctx)
}

// prefetch generates secrets in batches ahead of the workers, so that generating costs
// about one round trip per run rather than one per batch. Each batch is journaled in
// one write before any of its secrets is handed out.
func (r *Run) prefetch(ctx context.Context) <-chan work {
	batcher, ok := r.req.backend.(backends.SecretBatcher)
	out := make(chan work, r.req.batchSize)
	go func() {
		defer close(out)
		for start := 0; start < len(r.req.users); {
			n := min(len(r.req.users)-start, r.req.batchSize)
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
				batch := make([]backends.Outcome, n)
				for i := range n {
					batch[i] = backends.Outcome{Index: start + i, User: r.req.users[start+i], Status: backends.StatusRunning, Secret: secrets[i]}
				}
				r.redact.Add(secrets...)
				if jerr := r.rec.IntendBatch(batch); jerr != nil {
					r.haltWith("not sent: " + jerr.Error())
					return
				}
				r.batchJournaled.Store(int64(start + n))
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
func (r *Run) resetOne(ctx context.Context, it work) backends.Outcome {
	user := r.req.users[it.index]
	// The last gate before a request goes out: a pause holds it here, a stop skips it.
	if !r.mayGo(ctx) {
		r.quota.settle(false)
		o := backends.Outcome{Index: it.index, User: user, Status: backends.StatusSkipped, Message: "not sent: the run was stopped"}
		if reason := r.haltReason(); reason != "" {
			o.Message = reason
		}
		if it.index < int(r.batchJournaled.Load()) {
			if err := r.rec.Record(o); err != nil {
				o.Message += " [" + err.Error() + "]"
			}
		}
		return o
	}
	r.out <- backends.Outcome{Index: it.index, User: user, Status: backends.StatusRunning}
	start := time.Now()
	o, sent, intended := r.attempt(ctx, it, user)
	o.Index, o.User, o.Elapsed = it.index, user, time.Since(start)
	if sent != "" {
		r.redact.Add(sent)
	}
	if o.Secret != "" {
		r.redact.Add(o.Secret)
	}
	// A server may echo the request in its error text: never show or keep a secret
	// there (the history keeps messages).
	o.Message = r.redact.String(o.Message)
	r.quota.settle(o.Status == backends.StatusOK || o.Status == backends.StatusUnknown)
	if intended || it.index < int(r.batchJournaled.Load()) {
		if err := r.rec.Record(o); err != nil {
			if o.Secret != "" {
				// The password is set: never drop it. Say loudly that only the screen has it.
				o.Message = strings.TrimSpace(o.Message + " [journal write failed: " + err.Error() + "; hand this secret over now]")
			} else {
				o.Message = strings.TrimSpace(o.Message + " [" + err.Error() + "]")
			}
			r.haltWith("not sent: the journal failed (" + err.Error() + "); nothing more is sent until it can write")
		}
	}
	return o
}

// attempt resets one user and returns the outcome, the secret it sent, if any, and
// whether the recorder was told before sending.
func (r *Run) attempt(ctx context.Context, it work, user string) (o backends.Outcome, sent string, intended bool) {
	if it.genErr != nil {
		return backends.Outcome{Status: backends.StatusFailed, Message: "not sent: could not generate a secret: " + it.genErr.Error()}, "", false
	}
	t := backends.Target{User: user, Mode: r.req.mode.Name, Secret: it.secret, Options: r.req.options}
	switch {
	case r.req.password != "":
		t.Secret = r.req.password
	case r.req.mode.Source == backends.FromPolicy:
		pw, err := r.req.mode.Policy.Generate()
		if err == nil && r.req.mode.CheckPassword != nil {
			err = r.req.mode.CheckPassword(pw)
		}
		if err != nil {
			return backends.Outcome{Status: backends.StatusFailed, Message: "not sent: could not generate a password: " + err.Error()}, "", false
		}
		t.Secret = pw
	}
	if err := r.rec.Intend(backends.Outcome{Index: it.index, User: user, Status: backends.StatusRunning, Secret: t.Secret}); err != nil {
		if errors.Is(err, ErrQuotaSpent) {
			r.haltWith(ErrQuotaSpent.Error())
			return backends.Outcome{Status: backends.StatusSkipped, Message: ErrQuotaSpent.Error()}, "", false
		}
		r.haltWith("not sent: the journal failed (" + err.Error() + "); nothing more is sent until it can write")
		return backends.Outcome{Status: backends.StatusFailed, Message: "not sent: " + err.Error()}, "", false
	}
	return r.send(ctx, t), t.Secret, true
}

// send sends t until it has an answer worth reporting: a renewed session and a system
// asking to slow down are handled here; nothing is ever sent twice after it may have
// been done.
func (r *Run) send(ctx context.Context, t backends.Target) backends.Outcome {
	relogged, waits := false, 0
	for {
		// The login generation this call's token belongs to: a re-login is needed only
		// when no other worker renewed the session since.
		r.loginMu.Lock()
		gen := r.loginGen
		r.loginMu.Unlock()
		res, err := r.call(ctx, t)
		if err == nil {
			secret := res.Secret
			if secret == "" && r.req.mode.Source != backends.FromServer {
				secret = t.Secret
			}
			return backends.Outcome{Status: backends.StatusOK, Secret: secret, Message: res.Message}
		}
		var e *backends.Error
		if !errors.As(err, &e) {
			e = &backends.Error{Kind: backends.Refused, Msg: err.Error()}
		}
		switch e.Kind {
		case backends.Expired:
			if relogged {
				return backends.Outcome{Status: backends.StatusFailed, Message: "session expired again right after logging in: " + e.Msg}
			}
			relogged = true
			if lerr := r.relogin(ctx, gen); lerr != nil {
				if backends.KindOf(lerr) == backends.BadLogin {
					r.refuseCredentials()
				}
				return backends.Outcome{Status: backends.StatusFailed, Message: "session expired and logging in again failed: " + lerr.Error()}
			}
			continue
		case backends.Throttled:
			waits++
			if waits > maxThrottleWaits {
				return backends.Outcome{Status: backends.StatusFailed, Message: "the system kept asking to slow down: " + e.Msg}
			}
			d := min(max(e.RetryAfter, 100*time.Millisecond), maxThrottleWait)
			select {
			case <-time.After(d):
				continue
			case <-ctx.Done():
				return backends.Outcome{Status: backends.StatusSkipped, Message: "not sent: the run was aborted while the system asked to wait"}
			}
		case backends.Unanswered:
			// The secret we sent may now be in effect: keep it (and so journal it), so that
			// the technician can hand it over or try it, instead of losing it.
			o := backends.Outcome{Status: backends.StatusUnknown, Message: e.Msg + "; " + backends.MessageUnknown}
			if t.Secret != "" {
				o.Secret = t.Secret
				o.Message += "; if it did, the new " + r.secretLabel() + " is the one shown"
			}
			return o
		case backends.BadLogin:
			r.refuseCredentials()
			return backends.Outcome{Status: backends.StatusFailed, Message: "login refused: " + e.Msg}
		default:
			return backends.Outcome{Status: backends.StatusFailed, Message: e.Msg}
		}
	}
}

// refuseCredentials stops the run: the users not yet sent are skipped, since every
// further request would be one more failed login (an account lockout).
func (r *Run) refuseCredentials() {
	r.haltWith("not sent: the credentials were refused (more attempts could lock the account); fix them and retry")
}

func (r *Run) secretLabel() string {
	if r.req.mode.SecretLabel != "" {
		return r.req.mode.SecretLabel
	}
	return "secret"
}

// call sends one reset under the per-request timeout. A deadline that passes with no
// classified error is an unanswered request: it may have gone through.
func (r *Run) call(ctx context.Context, t backends.Target) (backends.Result, error) {
	cctx, cancel := context.WithTimeout(ctx, r.req.timeout)
	defer cancel()
	res, err := r.req.backend.Reset(cctx, t)
	if err != nil && backends.KindOf(err) == backends.Refused && cctx.Err() != nil {
		var e *backends.Error
		if !errors.As(err, &e) {
			return res, &backends.Error{Kind: backends.Unanswered, Msg: "no answer in time (" + err.Error() + ")"}
		}
	}
	return res, err
}

// relogin logs in again unless another worker already did since generation gen.
func (r *Run) relogin(ctx context.Context, gen int) error {
	r.loginMu.Lock()
	defer r.loginMu.Unlock()
	if r.loginGen != gen {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, r.req.timeout)
	defer cancel()
	if err := r.req.backend.Login(lctx); err != nil {
		return err
	}
	r.loginGen++
	return nil
}
