package admanager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"resetdesk/backends"
)

// resetGenerated sends one generate request for users (sharing mustChange) and returns
// each user's result, in order.
func (c *Client) resetGenerated(ctx context.Context, users []string, mustChange bool) []genResult {
	out := make([]genResult, len(users))
	all := func(err error) []genResult {
		for i := range out {
			out[i].err = err
		}
		return out
	}
	ps := generateParams(inputFormat(users), mustChange)
	desc := "password reset of " + users[0]
	if len(users) > 1 {
		desc = fmt.Sprintf("password reset of %d accounts (%s)", len(users), names(users, 3))
	}
	list, err := c.resetPwd(ctx, ps, desc)
	if err != nil {
		return all(err)
	}
	for i, u := range users {
		a, ok := pick(list, u, len(users) == 1)
		if !ok {
			out[i].err = notListed(desc, list, u)
			continue
		}
		text, err := c.accountOutcome(a)
		if err != nil {
			out[i].err = err
			continue
		}
		if text != "" && !strings.EqualFold(strings.TrimRight(text, "."), "Password reset successful") {
			text = MessageGenerated + " (ADManager: " + text + ")"
		} else {
			text = MessageGenerated
		}
		out[i].res = backends.Result{Message: text}
	}
	return out
}

// generateParams are the parameters of a generate request for the accounts of input.
func generateParams(input string, mustChange bool) []param {
	ps := []param{{"inputFormat", input}, {"passwordType", "generate"}}
	if mustChange {
		ps = append(ps, param{"mustChangePassword", "true"})
	}
	return ps
}

// names lists the first n users for a message.
func names(users []string, n int) string {
	if len(users) <= n {
		return strings.Join(users, ", ")
	}
	return strings.Join(users[:n], ", ") + ", …"
}

// maxQuery bounds the query string of one generate request. Tomcat refuses a request
// whose request line and headers pass its maxHttpHeaderSize (8 KB by default) with a
// 400; the path, the method and the headers the client sends fit in the 2 KB left.
const maxQuery = 6 << 10

// genQueue gathers the generate resets of a client into requests of many accounts, as
// the contract allows (inputFormat lists them, and no pwd applies to them all). It is a
// group commit: a reset that finds no request in flight sends its account alone at once;
// those that arrive while one is in flight wait, and when it is answered the first of
// them sends the next request for all that fit. No reset waits for a timer, and the
// requests of a run at concurrency c carry up to c accounts each.
//
// A request is sent under the context of the reset that sends it, the one that waited
// longest: when it runs out, the request's accounts are unanswered together, each still
// within its own limit.
type genQueue struct {
	mu      sync.Mutex
	waiting []*genCall
	busy    bool // a request is in flight or about to be sent: new calls wait
}

// genCall is one reset waiting for its request.
type genCall struct {
	user       string
	mustChange bool
	ctx        context.Context
	lead       chan struct{}  // closed when this call is to send the next request
	leading    bool           // lead is closed (under genQueue.mu)
	done       chan genResult // its account's answer; buffered, so that no sender waits
}

// genResult is one account's answer.
type genResult struct {
	res backends.Result
	err error
}

// sendFunc sends one request for users, who share mustChange, and returns their
// results in order.
type sendFunc func(ctx context.Context, users []string, mustChange bool) []genResult

// reset resets user in the next request and returns its answer. room is how many bytes
// of the request's query the escaped accounts may take.
func (q *genQueue) reset(ctx context.Context, user string, mustChange bool, room int, send sendFunc) (backends.Result, error) {
	call := &genCall{user: user, mustChange: mustChange, ctx: ctx, lead: make(chan struct{}), done: make(chan genResult, 1)}
	q.mu.Lock()
	q.waiting = append(q.waiting, call)
	if !q.busy {
		q.busy = true
		q.passLocked()
	}
	q.mu.Unlock()

	select {
	case <-call.lead:
		if ctx.Err() != nil && q.withdraw(call) {
			return backends.Result{}, notSentWaiting(ctx)
		}
		batch := q.take(call, room)
		users := make([]string, len(batch))
		for i, c := range batch {
			users[i] = c.user
		}
		results := send(ctx, users, mustChange)
		for i, c := range batch {
			c.done <- results[i]
		}
		q.mu.Lock()
		q.passLocked()
		q.mu.Unlock()
		r := <-call.done
		return r.res, r.err
	case r := <-call.done:
		return r.res, r.err
	case <-ctx.Done():
		if q.withdraw(call) {
			return backends.Result{}, notSentWaiting(ctx)
		}
		// Its account went out in a request still in flight: an answer that is already
		// there is the truth, else nobody knows.
		select {
		case r := <-call.done:
			return r.res, r.err
		default:
		}
		return backends.Result{}, backends.NewError(backends.Unanswered,
			"password reset of "+user+": no answer before the run gave up ("+ctx.Err().Error()+"); the change may have been made")
	}
}

// notSentWaiting is the error of a reset given up before its request went: its limit
// ran out, or the run was aborted, while the request before it was in flight.
func notSentWaiting(ctx context.Context) error {
	why := "the time ran out"
	if errors.Is(ctx.Err(), context.Canceled) {
		why = "the run was aborted"
	}
	return backends.NewError(backends.NotSent, "not sent: "+why+" while the request before it was in flight")
}

// passLocked gives the next request to the first waiting call, or marks the queue idle.
func (q *genQueue) passLocked() {
	if len(q.waiting) == 0 {
		q.busy = false
		return
	}
	next := q.waiting[0]
	if !next.leading {
		next.leading = true
		close(next.lead)
	}
}

// withdraw takes a call that gave up out of the queue and reports whether it was still
// waiting (its account never sent); a call that was to send the next request hands it on.
func (q *genQueue) withdraw(call *genCall) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.waiting, call)
	if i < 0 {
		return false
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	if call.leading {
		q.passLocked()
	}
	return true
}

// take removes the batch lead sends from the queue: lead, then the waiting calls that
// share its mustChange and have not given up, in order, while their escaped accounts
// fit in room (lead goes even alone past it: the server's refusal is its answer).
func (q *genQueue) take(lead *genCall, room int) []*genCall {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := []*genCall{lead}
	size := accountSize(lead.user)
	rest := q.waiting[:0]
	for _, c := range q.waiting {
		switch {
		case c == lead:
			continue
		case c.mustChange == lead.mustChange && c.ctx.Err() == nil && size+commaSize+accountSize(c.user) <= room:
			batch = append(batch, c)
			size += commaSize + accountSize(c.user)
			continue
		}
		rest = append(rest, c)
	}
	clear(q.waiting[len(rest):])
	q.waiting = rest
	return batch
}

// commaSize is the escaped comma between two accounts of an inputFormat.
const commaSize = len("%2C")

// accountSize is the length of user's object in an escaped inputFormat.
func accountSize(user string) int {
	return len(escape(inputFormat([]string{user}))) - len(escape("[]"))
}
