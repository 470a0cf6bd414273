package backends

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Outcome is one event of a run: a user's request started (StatusRunning) or ended
// (a final status).
type Outcome struct {
	Index   int // position in Job.Users
	User    string
	Status  Status
	Secret  string
	Message string
	Elapsed time.Duration
}

// Job is everything a run needs. The console and `resetdesk run` build one and read the
// same stream of outcomes.
type Job struct {
	Backend Backend
	Mode    Mode
	Users   []string
	Options Options
	// Password is a typed password, allowed for a single user in a mode that takes one.
	Password    string
	Concurrency int           // requests in flight at once; 0 = DefaultConcurrency
	RateLimit   float64       // requests per second; 0 = unlimited
	Timeout     time.Duration // per request; 0 = DefaultTimeout
	// QuotaLeft, when set, is how many more successful resets the system allows; users
	// past it are skipped, never sent.
	QuotaLeft *int
	// BatchSize is how many secrets a FromBatch mode asks for per call; 0 = 100.
	BatchSize int
	// Record, when set, is called with the final outcome of every user whose request was
	// dispatched, before the outcome is emitted: the journal writes and syncs one that
	// carries a secret there, so that a password is on disk before anyone sees it. An
	// error is added to the outcome's message; the outcome is never dropped.
	Record func(Outcome) error
	// Intend, when set, is called before each request goes out, with the user and the
	// secret made ahead (batch, policy or typed; empty when the system makes it) as
	// StatusRunning: the journal syncs the secret, so that a password the system set
	// survives even when the answer never comes back (a killed process), and the history
	// counts the request against a quota. An error means the request is not sent.
	Intend func(Outcome) error
}

// Defaults for a Job.
const (
	DefaultConcurrency = 4
	DefaultTimeout     = 20 * time.Second
	MaxConcurrency     = 64
	maxThrottleWaits   = 5
	maxThrottleWait    = time.Minute
)

// MessageUnknown is appended to every unknown outcome: the technician must check before
// trying again.
const MessageUnknown = "the password may have changed: check the account before retrying"

// Validate checks a job before anything is sent: mode options, the typed password, and
// every user id. It is what Start runs first; the console calls it to flag problems early.
func (j *Job) Validate() error {
	if j.Backend == nil {
		return errors.New("no back end")
	}
	if len(j.Users) == 0 {
		return errors.New("no users to reset")
	}
	if j.Concurrency < 0 || j.Concurrency > MaxConcurrency {
		return fmt.Errorf("concurrency must be between 1 and %d", MaxConcurrency)
	}
	if err := ValidateOptions(j.Mode, j.Options); err != nil {
		return err
	}
	if j.Password != "" {
		if !j.Mode.TypedPassword {
			return fmt.Errorf("mode %s does not take a typed password: the system generates it", j.Mode.Name)
		}
		if len(j.Users) != 1 {
			return fmt.Errorf("a typed password is for a single user; %d users would share it (leave it out to generate one per user)", len(j.Users))
		}
		if j.Mode.CheckPassword != nil {
			if err := j.Mode.CheckPassword(j.Password); err != nil {
				return err
			}
		}
	}
	if bad := ValidateUsers(j.Backend, j.Users); len(bad) > 0 {
		var lines []string
		for i, b := range bad {
			if i == 5 {
				lines = append(lines, fmt.Sprintf("and %d more", len(bad)-5))
				break
			}
			lines = append(lines, b.String())
		}
		return fmt.Errorf("%d invalid user id(s), nothing sent: %s", len(bad), strings.Join(lines, "; "))
	}
	seen := make(map[string]bool, len(j.Users))
	for _, u := range j.Users {
		if seen[u] {
			return fmt.Errorf("user %q is listed twice", u)
		}
		seen[u] = true
	}
	return nil
}

// ValidateOptions checks opts against what the mode offers.
func ValidateOptions(m Mode, o Options) error {
	offered := map[string]OptionSpec{}
	for _, s := range m.Options {
		offered[s.Key] = s
	}
	if o.Method != "" {
		s, ok := offered[OptMethod]
		if !ok {
			return fmt.Errorf("mode %s has no delivery method", m.Name)
		}
		if !containsFold(s.Choices, o.Method) {
			return fmt.Errorf("method %q: choose one of %s", o.Method, strings.Join(s.Choices, ", "))
		}
	}
	if o.Expires != 0 {
		s, ok := offered[OptExpires]
		if !ok {
			return fmt.Errorf("mode %s has no expiry", m.Name)
		}
		if (s.Min != 0 || s.Max != 0) && (o.Expires < s.Min || o.Expires > s.Max) {
			return fmt.Errorf("expires %d: must be between %d and %d hours", o.Expires, s.Min, s.Max)
		}
	}
	if o.Comments != "" {
		if _, ok := offered[OptComments]; !ok {
			return fmt.Errorf("mode %s takes no comments", m.Name)
		}
	}
	if o.MustChange {
		if _, ok := offered[OptMustChange]; !ok {
			return fmt.Errorf("mode %s cannot require a change at next logon", m.Name)
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Run is a run in progress.
type Run struct {
	job      Job
	out      chan Outcome
	stop     chan struct{}
	stopOnce sync.Once

	loginMu  sync.Mutex
	loginGen int

	// credsRefused is set when the system refused the credentials mid-run: the run stops,
	// since every further request would be one more failed login (an account lockout).
	credsRefused atomic.Bool

	quotaMu       sync.Mutex
	quotaOK       int // successes so far
	quotaInFlight int // places reserved by requests not yet answered
	quotaFree     chan struct{}
}

// Start validates the job, logs in (a bad login fails here, before any reset), and starts
// the run. Outcomes arrive on Outcomes() until it is closed. ctx aborts everything,
// in-flight requests included; Stop stops dispatching and lets them finish.
func Start(ctx context.Context, job Job) (*Run, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	if job.Concurrency == 0 {
		job.Concurrency = DefaultConcurrency
	}
	if job.Timeout == 0 {
		job.Timeout = DefaultTimeout
	}
	if job.BatchSize <= 0 {
		job.BatchSize = 100
	}
	lctx, cancel := context.WithTimeout(ctx, job.Timeout)
	err := job.Backend.Login(lctx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("login failed, nothing sent: %w", err)
	}
	r := &Run{
		job:       job,
		out:       make(chan Outcome, 256),
		stop:      make(chan struct{}),
		quotaFree: make(chan struct{}, 1),
	}
	go r.dispatch(ctx)
	return r, nil
}

// Outcomes streams the run's events; it is closed when every user has a final outcome.
// The caller must read it until it is closed: the workers wait for the reader.
func (r *Run) Outcomes() <-chan Outcome { return r.out }

// Stop stops dispatching: requests in flight finish, the users not yet sent are skipped.
func (r *Run) Stop() { r.stopOnce.Do(func() { close(r.stop) }) }

// Wait drains the run and returns the final outcomes in input order.
func (r *Run) Wait() []Outcome {
	res := make([]Outcome, len(r.job.Users))
	for o := range r.out {
		if o.Status.Final() {
			res[o.Index] = o
		}
	}
	return res
}

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

func (r *Run) dispatch(ctx context.Context) {
	defer close(r.out)
	var limiter *rate.Limiter
	if r.job.RateLimit > 0 {
		limiter = rate.NewLimiter(rate.Limit(r.job.RateLimit), 1)
	}
	var secrets <-chan work
	genCtx, cancelGen := context.WithCancel(ctx)
	defer cancelGen()
	if r.job.Mode.Source == FromBatch && r.job.Password == "" {
		secrets = r.prefetch(genCtx)
	}

	items := make(chan work)
	var wg sync.WaitGroup
	workers := min(r.job.Concurrency, len(r.job.Users))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				r.out <- r.resetOne(ctx, it)
			}
		}()
	}

	next := 0
	skipReason := "not sent: the run was stopped"
loop:
	for ; next < len(r.job.Users); next++ {
		if r.stopped(ctx) {
			break
		}
		if !r.reserveQuota(ctx) {
			if !r.stopped(ctx) {
				skipReason = "not sent: the daily quota is spent"
			}
			break
		}
		if limiter != nil {
			if err := r.waitLimiter(ctx, limiter); err != nil {
				r.releaseQuota()
				break
			}
		}
		it := work{index: next}
		if secrets != nil {
			select {
			case s := <-secrets:
				it.secret, it.genErr = s.secret, s.genErr
			case <-r.stop:
				r.releaseQuota()
				break loop
			case <-ctx.Done():
				r.releaseQuota()
				break loop
			}
		}
		select {
		case items <- it:
		case <-r.stop:
			r.releaseQuota()
			break loop
		case <-ctx.Done():
			r.releaseQuota()
			break loop
		}
	}
	close(items)
	cancelGen()
	if r.credsRefused.Load() {
		skipReason = "not sent: the credentials were refused (more attempts could lock the account); fix them and retry"
	}
	for i := next; i < len(r.job.Users); i++ {
		r.out <- Outcome{Index: i, User: r.job.Users[i], Status: StatusSkipped, Message: skipReason}
	}
	wg.Wait()
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

// reserveQuota takes one place of the quota for a request about to go out. Only
// successes spend the quota, so while requests in flight could still fail and free a
// place it waits for them; it reports false when the quota is spent or the run stopped.
func (r *Run) reserveQuota(ctx context.Context) bool {
	if r.job.QuotaLeft == nil {
		return true
	}
	for {
		r.quotaMu.Lock()
		if r.quotaOK+r.quotaInFlight < *r.job.QuotaLeft {
			r.quotaInFlight++
			r.quotaMu.Unlock()
			return true
		}
		spent := r.quotaInFlight == 0
		r.quotaMu.Unlock()
		if spent {
			return false
		}
		select {
		case <-r.quotaFree:
		case <-r.stop:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// settleQuota returns a reserved place: spent when the reset may have happened (ok, or
// unknown: the system may have counted it), free otherwise.
func (r *Run) settleQuota(spent bool) {
	if r.job.QuotaLeft == nil {
		return
	}
	r.quotaMu.Lock()
	r.quotaInFlight--
	if spent {
		r.quotaOK++
	}
	r.quotaMu.Unlock()
	select {
	case r.quotaFree <- struct{}{}:
	default:
	}
}

func (r *Run) releaseQuota() { r.settleQuota(false) }

// prefetch generates secrets in batches ahead of the workers, so that generating costs
// about one round trip per run rather than one per batch.
func (r *Run) prefetch(ctx context.Context) <-chan work {
	batcher, ok := r.job.Backend.(SecretBatcher)
	out := make(chan work, r.job.BatchSize)
	go func() {
		defer close(out)
		for left := len(r.job.Users); left > 0; {
			n := min(left, r.job.BatchSize)
			var secrets []string
			var err error
			if !ok {
				err = errors.New("this system cannot generate secrets in batches")
			} else {
				gctx, cancel := context.WithTimeout(ctx, r.job.Timeout)
				secrets, err = batcher.BatchSecrets(gctx, r.job.Mode.Name, n)
				cancel()
				if err == nil && len(secrets) != n {
					err = fmt.Errorf("the server generated %d of %d secrets", len(secrets), n)
				}
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
			left -= n
		}
	}()
	return out
}

// resetOne resets one user and returns its final outcome, after the journal has it.
func (r *Run) resetOne(ctx context.Context, it work) Outcome {
	user := r.job.Users[it.index]
	r.out <- Outcome{Index: it.index, User: user, Status: StatusRunning}
	start := time.Now()
	o, sent := r.attempt(ctx, it, user)
	o.Index, o.User, o.Elapsed = it.index, user, time.Since(start)
	if sent != "" {
		// A server may echo the request in its error text: never show or keep our
		// secret there (the history keeps messages).
		o.Message = strings.ReplaceAll(o.Message, sent, "[secret]")
	}
	r.settleQuota(o.Status == StatusOK || o.Status == StatusUnknown)
	if r.job.Record != nil {
		if err := r.job.Record(o); err != nil {
			if o.Secret != "" {
				// The password is set: never drop it. Say loudly that only the screen has it.
				o.Message = strings.TrimSpace(o.Message + " [journal write failed: " + err.Error() + "; hand this secret over now]")
			} else {
				o.Message = strings.TrimSpace(o.Message + " [" + err.Error() + "]")
			}
		}
	}
	return o
}

// attempt resets one user and returns the outcome and the secret it sent, if any.
func (r *Run) attempt(ctx context.Context, it work, user string) (Outcome, string) {
	var sent string
	o := r.attemptWith(ctx, it, user, &sent)
	return o, sent
}

func (r *Run) attemptWith(ctx context.Context, it work, user string, sent *string) Outcome {
	if it.genErr != nil {
		return Outcome{Status: StatusFailed, Message: "not sent: could not generate a secret: " + it.genErr.Error()}
	}
	t := Target{User: user, Mode: r.job.Mode.Name, Secret: it.secret, Options: r.job.Options}
	switch {
	case r.job.Password != "":
		t.Secret = r.job.Password
	case r.job.Mode.Source == FromPolicy:
		pw, err := r.job.Mode.Policy.Generate()
		if err == nil && r.job.Mode.CheckPassword != nil {
			err = r.job.Mode.CheckPassword(pw)
		}
		if err != nil {
			return Outcome{Status: StatusFailed, Message: "not sent: could not generate a password: " + err.Error()}
		}
		t.Secret = pw
	}
	*sent = t.Secret
	if r.job.Intend != nil {
		if err := r.job.Intend(Outcome{Index: it.index, User: user, Status: StatusRunning, Secret: t.Secret}); err != nil {
			return Outcome{Status: StatusFailed, Message: "not sent: " + err.Error()}
		}
	}

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
			if secret == "" && r.job.Mode.Source != FromServer {
				secret = t.Secret
			}
			return Outcome{Status: StatusOK, Secret: secret, Message: res.Message}
		}
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Kind: Refused, Msg: err.Error()}
		}
		switch e.Kind {
		case Expired:
			if relogged {
				return Outcome{Status: StatusFailed, Message: "session expired again right after logging in: " + e.Msg}
			}
			relogged = true
			if lerr := r.relogin(ctx, gen); lerr != nil {
				if KindOf(lerr) == BadLogin {
					r.refuseCredentials()
				}
				return Outcome{Status: StatusFailed, Message: "session expired and logging in again failed: " + lerr.Error()}
			}
			continue
		case Throttled:
			waits++
			if waits > maxThrottleWaits {
				return Outcome{Status: StatusFailed, Message: "the system kept asking to slow down: " + e.Msg}
			}
			d := min(max(e.RetryAfter, 100*time.Millisecond), maxThrottleWait)
			select {
			case <-time.After(d):
				continue
			case <-ctx.Done():
				return Outcome{Status: StatusSkipped, Message: "not sent: the run was aborted while the system asked to wait"}
			}
		case Unanswered:
			// The secret we sent may now be in effect: keep it (and so journal it), so that
			// the technician can hand it over or try it, instead of losing it.
			o := Outcome{Status: StatusUnknown, Message: e.Msg + "; " + MessageUnknown}
			if t.Secret != "" {
				o.Secret = t.Secret
				o.Message += "; if it did, the new " + r.secretLabel() + " is the one shown"
			}
			return o
		case BadLogin:
			r.refuseCredentials()
			return Outcome{Status: StatusFailed, Message: "login refused: " + e.Msg}
		default:
			return Outcome{Status: StatusFailed, Message: e.Msg}
		}
	}
}

// refuseCredentials stops the run: the users not yet sent are skipped.
func (r *Run) refuseCredentials() {
	r.credsRefused.Store(true)
	r.Stop()
}

func (r *Run) secretLabel() string {
	if r.job.Mode.SecretLabel != "" {
		return r.job.Mode.SecretLabel
	}
	return "secret"
}

// call sends one reset under the per-request timeout. A deadline that passes with no
// classified error is an unanswered request: it may have gone through.
func (r *Run) call(ctx context.Context, t Target) (Result, error) {
	cctx, cancel := context.WithTimeout(ctx, r.job.Timeout)
	defer cancel()
	res, err := r.job.Backend.Reset(cctx, t)
	if err != nil && KindOf(err) == Refused && cctx.Err() != nil {
		var e *Error
		if !errors.As(err, &e) {
			return res, &Error{Kind: Unanswered, Msg: "no answer in time (" + err.Error() + ")"}
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
	lctx, cancel := context.WithTimeout(ctx, r.job.Timeout)
	defer cancel()
	if err := r.job.Backend.Login(lctx); err != nil {
		return err
	}
	r.loginGen++
	return nil
}

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
