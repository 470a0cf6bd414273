package runner

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/time/rate"

	"resetdesk/backends"
	"resetdesk/backends/userlist"
)

// One account, one identity (backends.Identity): a request knows who each of its ids
// names; ids that name one account are reset once; the guards compare accounts, not
// spellings. NewRequest reads the ids offline; Prepare asks the system where only it can
// say.

// MaxLookupsInFlight bounds the lookups Prepare has in flight at once: four per request
// the run itself may have in flight (a lookup changes nothing and counts against no
// quota, so the review comes quickly), and never more than this.
const MaxLookupsInFlight = 32

// Prepare is the one network step every front end takes before its review: it checks
// spec like NewRequest, then asks the system who the ids name where their form does
// not settle it (a UPN, a mail, a DN, a phone number), or every id where the system
// names everyone in a few calls (Kind.LookupAll) — batched as the system allows, at most
// MaxLookupsInFlight requests at once, each under the profile's timeout and rate limit.
// Ids that turn out to name one account are reset once (the others skipped: "same
// account as jdoe"); an id the system does not hold is failed ("not found in …") and
// never sent; an account the profile protects refuses the request, whatever the
// spelling of the id or of the protected entry (an entry written as a UPN or a DN is
// looked up too). Nothing is changed. Call it off the UI goroutine, with a deadline: it
// returns when ctx is done.
func Prepare(ctx context.Context, b backends.Backend, p backends.Profile, s Spec) (Request, error) {
	r, err := NewRequest(b, p, s)
	if err != nil {
		return Request{}, err
	}
	finder, ok := b.(backends.AccountFinder)
	if !ok {
		return r, nil
	}
	lines, ids := r.toLookUp(s.Known)
	guards := guardLookups(p)
	if len(ids)+len(guards) == 0 {
		return r, nil
	}
	lim := backends.Limits{InFlight: min(4*r.concurrency, MaxLookupsInFlight)}
	if r.rateLimit > 0 {
		lim.Wait = rate.NewLimiter(rate.Limit(r.rateLimit), 1).Wait
	}
	all := append(append([]string(nil), ids...), guards...)
	found, err := finder.FindAccounts(ctx, all, lim)
	switch {
	case errors.Is(err, backends.ErrNoLookup):
		return r, nil
	case err != nil:
		return Request{}, fmt.Errorf("looking up %d account(s) before anything is sent: %w", len(all), err)
	case len(found) != len(all):
		return Request{}, fmt.Errorf("looking up %d account(s): the system answered for %d; nothing sent", len(all), len(found))
	}
	missing := r.resolve(lines, found[:len(ids)])
	g := newGuard(p)
	g.resolved(guards, found[len(ids):])
	var bad []userlist.BadUser
	for i, u := range r.users {
		if _, gone := missing[i]; gone {
			continue
		}
		if err := g.account(u, r.accounts[i]); err != nil {
			bad = append(bad, userlist.BadUser{ID: u, Err: err})
		}
	}
	if len(bad) > 0 {
		return Request{}, userlist.Refusal(bad, 5)
	}
	r.collapse(missing)
	return r, nil
}

// toLookUp are the lines to ask the system about, and their ids: those the front end
// does not know, whose form does not settle the account or whose kind looks every id up.
func (r Request) toLookUp(known map[string]backends.Account) (lines []int, ids []string) {
	all := false
	if k, ok := backends.Lookup(r.profile.Kind); ok {
		all = k.LookupAll
	}
	for i, u := range r.users {
		if _, ok := known[u]; !ok && (all || backends.IdentityOf(r.profile.Kind, u).Lookup) {
			lines = append(lines, i)
			ids = append(ids, u)
		}
	}
	return lines, ids
}

// resolve takes the system's answer for lines: each found account replaces the line's
// reading of its id; a line the system does not hold, or holds more than once, is
// returned with its outcome (never sent).
func (r *Request) resolve(lines []int, found []backends.Found) map[int]backends.Outcome {
	missing := map[int]backends.Outcome{}
	title := kindTitle(r.profile.Kind)
	for j, i := range lines {
		switch f := found[j]; {
		case f.Matches == 0:
			missing[i] = backends.Outcome{Status: backends.StatusFailed, Message: "not sent: not found in " + title}
		case f.Matches > 1:
			missing[i] = backends.Outcome{Status: backends.StatusFailed,
				Message: fmt.Sprintf("not sent: names %d accounts in %s: give the login", f.Matches, title)}
		default:
			r.accounts[i] = r.completeAccount(f.Account, r.users[i])
		}
	}
	return missing
}

// kindTitle is the system's name for messages ("ManageEngine ADManager Plus").
func kindTitle(kind string) string {
	if k, ok := backends.Lookup(kind); ok && k.Title != "" {
		return k.Title
	}
	return kind
}

// identify reads every id offline (the kind's Identity, or an account the front end
// knows) and collapses the ids whose form already says they are one account.
func (r *Request) identify(known map[string]backends.Account) {
	r.accounts = make([]backends.Account, len(r.users))
	for i, u := range r.users {
		if a, ok := known[u]; ok {
			r.accounts[i] = r.completeAccount(a, u)
			continue
		}
		idn := backends.IdentityOf(r.profile.Kind, u)
		r.accounts[i] = backends.Account{ID: idn.Send, Key: idn.Key}
	}
	r.collapse(nil)
}

// completeAccount fills what an account from a lookup or a front end may leave out: the
// id to send (the id as given, read by the kind) and its key (the kind's, of that id).
func (r *Request) completeAccount(a backends.Account, given string) backends.Account {
	if a.ID == "" {
		a.ID = backends.IdentityOf(r.profile.Kind, given).Send
	}
	if a.Key == "" {
		a.Key = backends.IdentityOf(r.profile.Kind, a.ID).Key
	}
	return a
}

// collapse settles the lines of decided (their outcomes) and every later line naming an
// account an earlier line already resets: skipped, once. A line whose id was not looked
// up takes the name another spelling of its account was given.
func (r *Request) collapse(decided map[int]backends.Outcome) {
	named := map[string]backends.Account{}
	for i, a := range r.accounts {
		if _, gone := decided[i]; !gone && a.Key != "" && a.Name != "" && named[a.Key].Name == "" {
			named[a.Key] = a
		}
	}
	r.settled = map[int]backends.Outcome{}
	first := map[string]int{}
	for i, a := range r.accounts {
		if n, ok := named[a.Key]; ok && a.Name == "" && decided[i].Status == "" {
			r.accounts[i].Name, r.accounts[i].Detail = n.Name, n.Detail
		}
		if o, ok := decided[i]; ok {
			r.settled[i] = o
			continue
		}
		if a.Key == "" {
			continue
		}
		if j, dup := first[a.Key]; dup {
			r.settled[i] = backends.Outcome{Status: backends.StatusSkipped, Message: "same account as " + r.users[j]}
			continue
		}
		first[a.Key] = i
	}
	for i, o := range r.settled {
		o.Index, o.User, o.Name = i, r.users[i], r.accounts[i].Name
		r.settled[i] = o
	}
}

// known are the accounts of the lines that will be sent, by the id as given.
func (r Request) known() map[string]backends.Account {
	out := make(map[string]backends.Account, len(r.users))
	for i, u := range r.users {
		if _, done := r.settled[i]; !done {
			out[u] = r.accounts[i]
		}
	}
	return out
}

// Account is who the i-th id names: the account the reset goes to (ID), the person
// (Name) and what a technician recognises them by (Detail); Name and Detail are empty
// where the system gave none.
func (r Request) Account(i int) backends.Account { return r.accounts[i] }

// Settled is the outcome of line i when it was decided before anything is sent: another
// spelling of an account an earlier line resets (skipped), or an id the system does not
// hold (failed).
func (r Request) Settled(i int) (backends.Outcome, bool) {
	o, ok := r.settled[i]
	return o, ok
}

// Sends is how many resets the request sends: its lines less the settled ones.
func (r Request) Sends() int { return len(r.users) - len(r.settled) }

// Protected are the users of list that profile p must never reset, each with the reason:
// the profile's own login (resetting it would lock the profile out) and the accounts its
// `protected` globs name — compared by identity, in every form the kind reads (a login
// written DOMAIN\name, name@domain, a DN or an ADsPath, a user-store prefix), in any case.
func Protected(p backends.Profile, users []string) []userlist.BadUser {
	g := newGuard(p)
	var bad []userlist.BadUser
	for _, u := range users {
		if err := g.check(u, backends.IdentityOf(p.Kind, u).Names); err != nil {
			bad = append(bad, userlist.BadUser{ID: u, Err: err})
		}
	}
	return bad
}

// NamedBy are the ids of the lines r sends whose account one of globs names (a
// profile's approve globs), compared as the protected guard compares: every form the
// kind reads of the id and of the account the system resolved it to, in any case.
func (r Request) NamedBy(globs []string) []string {
	g := newGuard(backends.Profile{Name: r.profile.Name, Kind: r.profile.Kind, Protected: globs})
	var out []string
	for i, u := range r.users {
		if _, settled := r.settled[i]; !settled && g.account(u, r.accounts[i]) != nil {
			out = append(out, u)
		}
	}
	return out
}

// guard is a profile's own login and protected globs, each in every form its kind reads.
type guard struct {
	p     backends.Profile
	login map[string]bool
	globs [][]string // per glob: its lower-case forms
}

func newGuard(p backends.Profile) guard {
	g := guard{p: p, login: map[string]bool{}}
	if u := strings.TrimSpace(p.Username); u != "" {
		for _, n := range backends.IdentityOf(p.Kind, u).Names {
			g.login[n] = true
		}
	}
	for _, glob := range p.Protected {
		forms := []string{strings.ToLower(glob)}
		for _, n := range backends.IdentityOf(p.Kind, glob).Names {
			if n != forms[0] {
				forms = append(forms, n)
			}
		}
		g.globs = append(g.globs, forms)
	}
	return g
}

// guardLookups are the guard's entries only the system can resolve: the profile's login
// and the protected entries (not globs) written in a form that does not settle the
// account (a UPN, a DN), login first.
func guardLookups(p backends.Profile) []string {
	var out []string
	for _, e := range append([]string{strings.TrimSpace(p.Username)}, p.Protected...) {
		if e != "" && !strings.ContainsAny(e, "*?[") && backends.IdentityOf(p.Kind, e).Lookup {
			out = append(out, e)
		}
	}
	return out
}

// resolved adds the accounts the system resolved entries (guardLookups) to, to the
// forms each entry guards.
func (g *guard) resolved(entries []string, found []backends.Found) {
	for j, e := range entries {
		if found[j].Matches != 1 {
			continue
		}
		names := backends.IdentityOf(g.p.Kind, found[j].Account.ID).Names
		if e == strings.TrimSpace(g.p.Username) {
			for _, n := range names {
				g.login[n] = true
			}
			continue
		}
		for i, glob := range g.p.Protected {
			if glob == e {
				g.globs[i] = append(g.globs[i], names...)
			}
		}
	}
}

// check refuses id when one of names (the names it stands for) is the profile's login
// or matches a protected glob.
func (g guard) check(id string, names []string) error {
	for _, n := range names {
		if g.login[n] {
			return fmt.Errorf("%q is the profile's own login (%s): resetting it would lock the profile out", id, g.p.Name)
		}
	}
	for i, forms := range g.globs {
		for _, f := range forms {
			for _, n := range names {
				if ok, _ := path.Match(f, n); ok {
					return fmt.Errorf("%q is protected in profile %s (protected = %q): never reset", id, g.p.Name, g.p.Protected[i])
				}
			}
		}
	}
	return nil
}

// account is check for an id the system resolved to a: its own names and the account's.
func (g guard) account(id string, a backends.Account) error {
	names := append(backends.IdentityOf(g.p.Kind, id).Names, backends.IdentityOf(g.p.Kind, a.ID).Names...)
	err := g.check(id, names)
	if err != nil && !strings.EqualFold(id, a.ID) {
		return fmt.Errorf("%w (it names the account %s)", err, a.ID)
	}
	return err
}
