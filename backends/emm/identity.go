package emm

import (
	"context"
	"net/http"
	"strings"

	"resetdesk/backends"
)

// How EMM names an account: a user name, with a user-store prefix for a secondary store
// (SECONDARY/kim). PRIMARY is the default store, whose users are named without it:
// PRIMARY/kim is kim. Every id is looked up in the one user listing EMM 2.0 has, which
// also says whether the store takes kim for KIM.

// primaryStore is WSO2's default user store.
const primaryStore = "PRIMARY"

// Identity reads an id as EMM names accounts; the kind looks every id up (LookupAll) in
// one listing.
func Identity(id string) backends.Identity {
	idn := backends.Identity{Key: id, Send: id, Names: []string{strings.ToLower(id)}}
	if store, name, ok := cutStore(id); ok {
		idn.Names = append(idn.Names, strings.ToLower(name))
		idn.Key = strings.ToUpper(store) + "/" + name
		if strings.EqualFold(store, primaryStore) {
			idn.Key = name
		}
	}
	return idn
}

// cutStore splits STORE/name at the user-store separator.
func cutStore(id string) (store, name string, ok bool) {
	i := strings.LastIndexByte(id, '/')
	if i <= 0 || i == len(id)-1 {
		return "", id, false
	}
	return id[:i], id[i+1:], true
}

// FindAccounts reads the user listing once and finds each id in it: the user of that
// name (in the primary store without its prefix), else the one user whose name differs
// only in case.
func (c *Client) FindAccounts(ctx context.Context, ids []string, lim backends.Limits) ([]backends.Found, error) {
	if lim.Wait != nil {
		if err := lim.Wait(ctx); err != nil {
			return nil, err
		}
	}
	list, err := c.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]emmUser{}
	byFold := map[string][]emmUser{}
	for _, u := range list {
		if u.Username == "" {
			continue
		}
		k := Identity(u.Username).Key
		byKey[k] = u
		byFold[strings.ToLower(k)] = append(byFold[strings.ToLower(k)], u)
	}
	out := make([]backends.Found, len(ids))
	for i, id := range ids {
		k := Identity(id).Key
		if u, ok := byKey[k]; ok {
			out[i] = backends.Found{Account: accountOf(u), Matches: 1}
			continue
		}
		switch same := byFold[strings.ToLower(k)]; len(same) {
		case 1:
			out[i] = backends.Found{Account: accountOf(same[0]), Matches: 1}
		default:
			out[i] = backends.Found{Matches: len(same)}
		}
	}
	return out, nil
}

// allUsers is EMM's user listing: every user (EMM 2.0 has no paging). It logs in
// first when it has no token yet, rather than be refused once.
func (c *Client) allUsers(ctx context.Context) ([]emmUser, error) {
	if c.accessToken() == "" {
		if err := c.Login(ctx); err != nil {
			return nil, err
		}
	}
	resp, err := c.api.CallRelogin(ctx, http.MethodGet, pathUsers, nil, "user list")
	if err != nil {
		return nil, err
	}
	return listUsers(resp, "user list")
}

// accountOf is a listed user's account: the name, the person, the mail address.
func accountOf(u emmUser) backends.Account {
	return backends.Account{ID: u.Username, Key: Identity(u.Username).Key,
		Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Detail: u.Email}
}
