package admanager

import (
	"context"
	"fmt"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/adname"
)

// How ADManager names an account: Active Directory's forms, compared case-insensitively
// (adname). A login or CORP\login settles the account (the domain is the profile's); a
// userPrincipalName, a mail address or a DN is looked up with SearchUser before anything
// is sent, one filtered call per id (the quota does not count searches).

// Identity reads an id as ADManager names accounts: a login, CORP\login, a
// userPrincipalName or mail (looked up), a DN or an LDAP:// ADsPath (looked up).
func Identity(id string) backends.Identity { return adname.Identity(id, true) }

// samForbidden are the characters Active Directory refuses in a sAMAccountName.
const samForbidden = `"/\[]:;|=,+*?<>`

// ValidateUser refuses ids that can name no AD account: a sAMAccountName (at most 20
// characters, none of "/\[]:;|=,+*?<>), the same after the profile's domain (CORP\jdoe),
// a userPrincipalName (name@suffix, no spaces), a DN or an ADsPath.
func (c *Client) ValidateUser(id string) error {
	n := adname.Parse(id)
	switch n.Form {
	case adname.DN:
		if n.CN == "" && !strings.Contains(n.DN, "=") {
			return fmt.Errorf("user %q: a DN looks like CN=Jane Doe,OU=Users,DC=corp,DC=example,DC=com", id)
		}
		return nil
	case adname.Principal:
		local, suffix, _ := strings.Cut(id, "@")
		if local == "" || suffix == "" || strings.ContainsAny(id, " \t") || strings.Count(id, "@") != 1 {
			return fmt.Errorf("user %q is not a userPrincipalName like jdoe@corp.example.com", id)
		}
		return nil
	case adname.DomainLogin:
		if err := adname.CheckDomain(id, c.domain); err != nil {
			return err
		}
	}
	if i := strings.IndexAny(n.Login, samForbidden); i >= 0 {
		return fmt.Errorf("user %q: a sAMAccountName cannot contain %q", id, n.Login[i])
	}
	if k := len([]rune(n.Login)); k > 20 {
		return fmt.Errorf("user %q: a sAMAccountName has at most 20 characters (this has %d); use the userPrincipalName", id, k)
	}
	return nil
}

// accountKey is the inputFormat key that names the account: the DN of a DN, the UPN
// when the id has an '@', else the sAMAccountName.
func accountKey(id string) string {
	switch adname.Parse(id).Form {
	case adname.DN:
		return "distinguishedName"
	case adname.Principal:
		return "userPrincipalName"
	}
	return "sAMAccountName"
}

// lookupColumns are the attributes a lookup asks SearchUser for (select): who the account
// is, and what a technician or a caller check recognises them by.
var lookupColumns = []string{"sAMAccountName", "userPrincipalName", "displayName", "department", "mail", "mobile", "employeeID"}

// FindAccounts looks each id up with SearchUser, at most lim.InFlight at once: a
// userPrincipalName (else a mail address), a DN, or a login.
func (c *Client) FindAccounts(ctx context.Context, ids []string, lim backends.Limits) ([]backends.Found, error) {
	out := make([]backends.Found, len(ids))
	err := lim.Each(ctx, len(ids), func(ctx context.Context, i int) error {
		f, err := c.findAccount(ctx, ids[i])
		out[i] = f
		return err
	})
	return out, err
}

// findAccount looks one id up by the attributes its form may name.
func (c *Client) findAccount(ctx context.Context, id string) (backends.Found, error) {
	n := adname.Parse(id)
	value, attrs := n.Login, []string{"sAMAccountName"}
	switch n.Form {
	case adname.Principal:
		value, attrs = id, []string{"userPrincipalName", "mail"}
	case adname.DN:
		value, attrs = n.DN, []string{"distinguishedName"}
	}
	for _, attr := range attrs {
		rows, total, err := c.LookupUsers(ctx, attr, value)
		if err != nil {
			return backends.Found{}, err
		}
		if total == 1 && len(rows) == 1 {
			return backends.Found{Account: accountOf(rows[0]), Matches: 1}, nil
		}
		if total > 1 {
			return backends.Found{Matches: total}, nil
		}
	}
	return backends.Found{}, nil
}

// filterColumns are the answer's columns of the attributes a lookup filters on, by
// which a row is checked to be the one asked for.
var filterColumns = map[string]string{"sAMAccountName": "SAM_ACCOUNT_NAME", "userPrincipalName": "LOGON_NAME",
	"mail": "EMAIL_ADDRESS", "distinguishedName": "DISTINGUISHED_NAME"}

// LookupUsers finds the accounts whose attr equals want (SearchUser's filter
// (attr:equal:want)), with the lookupColumns: at most two rows, and how many matched.
// A row whose column of attr says another value is dropped (a server that ignored the
// filter answers its first users, and its count says there are many).
func (c *Client) LookupUsers(ctx context.Context, attr, want string) ([]map[string]any, int, error) {
	ans, err := c.searchUsers(ctx, "", 2, "looking up "+want,
		param{"filter", "(" + attr + ":equal:" + want + ")"}, param{"select", strings.Join(lookupColumns, ",")})
	if err != nil {
		return nil, 0, err
	}
	// A row without a login is no account a reset can name.
	var rows []map[string]any
	for _, u := range ans.users {
		got := value(u, filterColumns[attr])
		if value(u, "SAM_ACCOUNT_NAME") != "" && (got == "" || strings.EqualFold(got, want)) {
			rows = append(rows, u)
		}
	}
	total := len(rows)
	if n, ok := ans.total(); ok && n > total {
		total = n
	}
	return rows, total, nil
}

// accountOf is the account of a SearchUser row: its login, display name, and its
// department (else its mail, else its UPN) for a technician to recognise.
func accountOf(u map[string]any) backends.Account {
	a := backends.Account{ID: value(u, "SAM_ACCOUNT_NAME"), Name: displayName(u)}
	a.Key = strings.ToLower(a.ID)
	for _, col := range []string{"DEPARTMENT", "EMAIL_ADDRESS", "LOGON_NAME"} {
		if v := value(u, col); v != "" {
			a.Detail = v
			break
		}
	}
	return a
}
