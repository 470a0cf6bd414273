package runner

import (
	"context"
	"errors"
	"strings"
	"time"

	"resetdesk/backends"
)

// resetOne and what it calls are one request from dispatch to its recorded outcome.

func (r *Run) resetOne(ctx context.Context, it work) backends.Outcome {
	user := r.req.users[it.index]
	// The last gate before a request goes out: a pause holds it here, a stop skips it.
	if !r.mayGo() {
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
	// A server may echo the request in its error text: never show or keep a secret of the
	// run there (the history keeps messages) — the one this request carried or was
	// answered with, nor any other, in any decoding. The client removed the request's own
	// in every spelling already (httpx), and the profile's was removed by the back end
	// (backends.Open): this is the net under both.
	if o.Message != "" {
		r.secrets.Also(sent, o.Secret)
		o.Message = r.secrets.String(o.Message)
	}
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
		return notSent("could not generate a secret: " + it.genErr.Error()), "", false
	}
	t := backends.Target{User: r.req.accounts[it.index].ID, Mode: r.req.mode.Name, Secret: it.secret, Options: r.req.options}
	switch {
	case r.req.password != "":
		t.Secret = r.req.password
	case r.req.mode.Source == backends.FromPolicy:
		pw, err := r.req.mode.Policy.Generate()
		if err == nil && r.req.mode.CheckPassword != nil {
			err = r.req.mode.CheckPassword(pw)
		}
		if err != nil {
			return notSent("could not generate a password: " + err.Error()), "", false
		}
		t.Secret = pw
		r.secrets.Also(pw)
	}
	if err := r.rec.Intend(backends.Outcome{Index: it.index, User: user, Status: backends.StatusRunning, Secret: t.Secret}); err != nil {
		if errors.Is(err, ErrQuotaSpent) {
			r.haltWith(ErrQuotaSpent.Error())
			return backends.Outcome{Status: backends.StatusSkipped, Message: ErrQuotaSpent.Error()}, "", false
		}
		r.haltWith("not sent: the journal failed (" + err.Error() + "); nothing more is sent until it can write")
		return notSent(err.Error()), "", false
	}
	return r.send(ctx, t), t.Secret, true
}

// notSent is the outcome of a user whose request never went out: skipped, with why.
func notSent(why string) backends.Outcome {
	if !strings.Contains(why, "not sent") {
		why = "not sent: " + why
	}
	return backends.Outcome{Status: backends.StatusSkipped, Message: why}
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
				return notSent("the system kept asking to slow down: " + e.Msg)
			}
			if o, ok := r.throttled(e.RetryAfter); !ok {
				return o
			}
			continue
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
		case backends.NotSent:
			return notSent(e.Msg)
		case backends.Exhausted:
			// Every further request would be refused alike: send none.
			r.haltWith("not sent: " + e.Msg)
			return backends.Outcome{Status: backends.StatusFailed, Message: e.Msg}
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
