package webadm

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"resetdesk/backends"
	"resetdesk/backends/adname"
)

// How WebADM names an account: Active Directory's forms, compared case-insensitively
// (adname). Every id is looked up before anything is sent — one LDAP search with an OR
// filter per LookupBatch ids — so that the run names people, and an id the directory
// does not hold is never sent.

// LookupBatch is how many ids one lookup search carries.
const LookupBatch = 100

// lookupAttrs are the attributes a lookup asks for: the login, the names, and what a
// technician or a caller check recognises the person by.
var lookupAttrs = []string{"samaccountname", "uid", "userprincipalname", "cn", "displayname", "mail", "mobile", "department"}

// Identity reads an id as WebADM names accounts: a login, DOMAIN\login, a
// userPrincipalName or mail (looked up), a DN or an LDAP:// ADsPath (looked up). The kind
// looks every id up (LookupAll), a search per LookupBatch ids.
func Identity(id string) backends.Identity { return adname.Identity(id, true) }

// ValidateUser refuses a DOMAIN\login of another domain than the profile's, and logins
// a directory search could read as a pattern or cut up — *, parentheses, NUL, white
// space — so that a login can never resolve to somebody else's account. A DN may hold
// all of them: it is escaped wherever it goes into a filter.
func (b *Backend) ValidateUser(id string) error {
	n := adname.Parse(id)
	switch n.Form {
	case adname.DN:
		return nil
	case adname.DomainLogin:
		if err := adname.CheckDomain(id, b.domain); err != nil {
			return err
		}
	}
	if i := strings.IndexAny(id, "*()\x00"); i >= 0 {
		return fmt.Errorf("user id %q: a login cannot contain %q (a directory search would read it as a pattern)", id, id[i])
	}
	if strings.IndexFunc(id, unicode.IsSpace) >= 0 {
		return fmt.Errorf("user id %q contains a space: a WebADM login has none", id)
	}
	return nil
}

// FindAccounts looks the ids up under the profile's base DN, LookupBatch ids a search,
// at most lim.InFlight searches at once. Without a base DN there is nothing to search.
func (b *Backend) FindAccounts(ctx context.Context, ids []string, lim backends.Limits) ([]backends.Found, error) {
	if b.baseDN == "" {
		return nil, backends.ErrNoLookup
	}
	out := make([]backends.Found, len(ids))
	batches := (len(ids) + LookupBatch - 1) / LookupBatch
	err := lim.Each(ctx, batches, func(ctx context.Context, k int) error {
		lo, hi := k*LookupBatch, min((k+1)*LookupBatch, len(ids))
		return b.findBatch(ctx, ids[lo:hi], out[lo:hi])
	})
	return out, err
}

// findBatch looks ids up in one search and fills out, one Found per id.
func (b *Backend) findBatch(ctx context.Context, ids []string, out []backends.Found) error {
	names := make([]adname.Name, len(ids))
	var f strings.Builder
	f.WriteString("(&(objectClass=user)(|")
	for i, id := range ids {
		names[i] = adname.Parse(id)
		for _, term := range filterTerms(id, names[i]) {
			f.WriteString(term)
		}
	}
	f.WriteString("))")
	desc := fmt.Sprintf("looking up %d account(s)", len(ids))
	entries, err := b.searchEntries(ctx, f.String(), lookupAttrs, desc)
	if err != nil {
		return err
	}
	for i := range ids {
		out[i] = match(ids[i], names[i], entries)
	}
	return nil
}

// filterTerms are the filter items that find the account id names.
func filterTerms(id string, n adname.Name) []string {
	eq := func(attr, v string) string { return "(" + attr + "=" + EscapeFilter(v) + ")" }
	switch n.Form {
	case adname.Principal:
		return []string{eq("userprincipalname", id), eq("mail", id)}
	case adname.DN:
		return []string{eq("distinguishedname", n.DN)}
	}
	return []string{eq("samaccountname", n.Login), eq("uid", n.Login)}
}

// match finds the entries an id names: by login; by userPrincipalName, else mail; by DN.
func match(id string, n adname.Name, entries map[string]map[string][]string) backends.Found {
	var hits []string
	pass := func(ok func(dn string, attrs map[string][]string) bool) {
		for dn, attrs := range entries {
			if ok(dn, attrs) {
				hits = append(hits, dn)
			}
		}
	}
	switch n.Form {
	case adname.Principal:
		pass(func(_ string, a map[string][]string) bool {
			return strings.EqualFold(first(a, "userprincipalname"), id)
		})
		if len(hits) == 0 {
			pass(func(_ string, a map[string][]string) bool { return hasValue(a["mail"], id) })
		}
	case adname.DN:
		want := adname.CanonicalDN(n.DN)
		pass(func(dn string, _ map[string][]string) bool { return adname.CanonicalDN(dn) == want })
	default:
		pass(func(_ string, a map[string][]string) bool {
			return strings.EqualFold(first(a, "samaccountname"), n.Login) || strings.EqualFold(first(a, "uid"), n.Login)
		})
	}
	if len(hits) != 1 {
		return backends.Found{Matches: len(hits)}
	}
	return backends.Found{Account: accountOf(hits[0], entries[hits[0]]), Matches: 1}
}

func hasValue(vals []string, want string) bool {
	for _, v := range vals {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// accountOf is the account of an entry: its login, its display name (else its CN), and
// its department (else its mail) for a technician to recognise.
func accountOf(dn string, a map[string][]string) backends.Account {
	acct := backends.Account{ID: first(a, "samaccountname", "uid"), Name: first(a, "displayname", "cn"), Detail: first(a, "department", "mail")}
	if acct.ID == "" {
		acct.ID = dn
	}
	acct.Key = strings.ToLower(acct.ID)
	return acct
}
