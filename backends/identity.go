package backends

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/sync/errgroup"
)

// One account, one identity: a technician may name an account in several ways (jdoe,
// JDOE, CORP\jdoe, jdoe@corp.example.com, its DN); a run resets each account once, and
// the guards (the profile's own login, `protected`) hold whatever the spelling. Each
// kind reads its ids with Kind.Identity, offline; where only the system can say which
// account an id names, the runner asks it (AccountFinder) before anything is sent.

// Identity is how a kind reads one user id, without asking the system.
type Identity struct {
	// Key names the account: two ids with the same Key name the same account. While
	// Lookup is set it is the spelling's own key (two spellings of one UPN match), until
	// the system says which account the id names.
	Key string
	// Send is the id as the system takes it (CORP\jdoe → jdoe; an ADsPath → its DN).
	Send string
	// Names are the lower-case names the id stands for, which the guards compare: the
	// id itself, the login inside a DOMAIN\ or a UPN, a DN's CN and the DN, the name
	// after a user-store prefix.
	Names []string
	// Lookup: the id's form does not settle the account (a UPN, a mail, a DN, a phone
	// number): ask the system before anything is sent, where it can be asked.
	Lookup bool
}

// IdentityOf reads id the way kind names accounts. A kind with no Identity of its own
// compares ids exactly; its guards still match the login inside DOMAIN\name,
// name@domain and a DN's first CN, in lower case.
func IdentityOf(kind, id string) Identity {
	if k, ok := Lookup(kind); ok && k.Identity != nil {
		return k.Identity(id)
	}
	names := []string{strings.ToLower(id)}
	if short := shortName(names[0]); short != names[0] {
		names = append(names, short)
	}
	return Identity{Key: id, Send: id, Names: names}
}

// shortName is the account name of DOMAIN\name, name@domain or a DN's first CN.
func shortName(id string) string {
	if i := strings.LastIndex(id, "\\"); i >= 0 {
		id = id[i+1:]
	}
	if i := strings.Index(id, "@"); i > 0 {
		id = id[:i]
	}
	if rest, ok := strings.CutPrefix(id, "cn="); ok {
		id, _, _ = strings.Cut(rest, ",")
	}
	return id
}

// Account is who one user id of a run names: the account the reset goes to, the person,
// and something a technician recognises them by.
type Account struct {
	ID     string // what Reset takes: the system's own name for the account once looked up
	Key    string // the identity: two ids with the same Key are one account (Identity.Key)
	Name   string // display name; "" when the system gave none
	Detail string // one attribute a technician recognises: department, mail, extension
}

// Found is the system's answer for one id it was asked about.
type Found struct {
	// Account is the account the id names (its ID the system's own name for it), when
	// Matches is 1.
	Account Account
	// Matches is how many accounts the id named: 0 not found, more than 1 ambiguous
	// (a mail two accounts share, say).
	Matches int
}

// Limits bound the requests of a lookup: at most InFlight at once (at least 1), each
// after Wait (a rate limit; nil for none). Every request is under the profile's
// timeout, as any other.
type Limits struct {
	InFlight int
	Wait     func(context.Context) error
}

// Each runs f for 0..n-1, at most InFlight at once, each after Wait; the first error
// stops the rest and is returned.
func (l Limits) Each(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(l.InFlight, 1))
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if l.Wait != nil {
				if err := l.Wait(gctx); err != nil {
					return err
				}
			}
			return f(gctx, i)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// AccountFinder is implemented by back ends that can look accounts up (ADManager
// SearchUser, a WebADM LDAP search, the EMM user list, Odin's users), batched as the
// system allows. Nothing is changed by a lookup.
type AccountFinder interface {
	// FindAccounts looks ids up (each one that its kind's Identity marked Lookup, as
	// given) and answers one Found per id, in order. An error means the lookup could
	// not be made (refused credentials, no answer): the run must not start.
	FindAccounts(ctx context.Context, ids []string, lim Limits) ([]Found, error)
}

// ErrNoLookup is returned by FindAccounts of a back end that cannot look accounts up.
var ErrNoLookup = errors.New("this system cannot look accounts up")

// FindAccounts forwards to a back end that can look accounts up, the names it answers
// redacted like every other string from the server.
func (rb *redacted) FindAccounts(ctx context.Context, ids []string, lim Limits) ([]Found, error) {
	f, ok := rb.b.(AccountFinder)
	if !ok {
		return nil, ErrNoLookup
	}
	found, err := f.FindAccounts(ctx, ids, lim)
	for i := range found {
		found[i].Account.Name = rb.r.String(found[i].Account.Name)
		found[i].Account.Detail = rb.r.String(found[i].Account.Detail)
	}
	return found, rb.redactErr(err)
}
