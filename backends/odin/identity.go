package odin

import (
	"context"
	"strings"

	"resetdesk/backends"
)

// How Odin names an account: a BroadWorks user id (9871515001@odinapi.net), compared
// as written — the contract gives no other rule. A phone number or an extension names
// a user only through a lookup (GET /users?dn=… or ?extension=…, within the profile's
// group), made before anything is sent; user ids are never looked up, so a run of them
// sends no more requests than it resets.

// Identity reads an id as Odin names accounts.
func Identity(id string) backends.Identity {
	idn := backends.Identity{Key: id, Send: id, Names: []string{strings.ToLower(id)}}
	if local, _, ok := strings.Cut(idn.Names[0], "@"); ok && local != "" {
		idn.Names = append(idn.Names, local)
	}
	if isNumber(id) {
		idn.Key, idn.Lookup = "number:"+strings.TrimPrefix(id, "+"), true
	}
	return idn
}

// isNumber reports whether id is a phone number or an extension: digits, maybe after '+'.
func isNumber(id string) bool { return isDigits(strings.TrimPrefix(id, "+")) }

// FindAccounts looks each number up, at most lim.InFlight at once: a short one as an
// extension, then as a phone number; a long one as a phone number.
func (c *Client) FindAccounts(ctx context.Context, ids []string, lim backends.Limits) ([]backends.Found, error) {
	out := make([]backends.Found, len(ids))
	err := lim.Each(ctx, len(ids), func(ctx context.Context, i int) error {
		number := strings.TrimPrefix(ids[i], "+")
		fields := []string{"dn"}
		if len(number) <= 6 {
			fields = []string{"extension", "dn"}
		}
		for _, f := range fields {
			users, err := c.searchField(ctx, f, number, 2)
			if err != nil {
				return err
			}
			if len(users) == 1 {
				out[i] = backends.Found{Account: backends.Account{ID: users[0].ID, Key: users[0].ID, Name: users[0].Name, Detail: users[0].Detail}, Matches: 1}
				return nil
			}
			if len(users) > 1 {
				out[i] = backends.Found{Matches: len(users)}
				return nil
			}
		}
		return nil
	})
	return out, err
}
