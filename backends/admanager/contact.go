package admanager

import (
	"context"
	"fmt"
	"strings"

	"resetdesk/backends"
)

// contactColumns are the LDAP attributes Contact asks SearchUser for (`select`); the
// answer names them by ADManager's column names (EMAIL_ADDRESS, MOBILE).
const contactColumns = "sAMAccountName,userPrincipalName,displayName,mail,mobile"

// Contact reads an account's mail and mobile from Active Directory through SearchUser:
// filtered on the account (sAMAccountName, or userPrincipalName for an id with '@') and
// searched by its text too, so that a server that ignores the filter still answers
// about that account — and only a row that names it exactly is taken.
func (c *Client) Contact(ctx context.Context, user string) (backends.Contact, error) {
	attr := "sAMAccountName"
	if strings.Contains(user, "@") {
		attr = "userPrincipalName"
	}
	desc := "looking up " + user
	ans, err := c.searchUsers(ctx, user, 50, desc,
		param{"filter", "(" + attr + ":equal:" + user + ")"}, param{"select", contactColumns})
	if err != nil {
		return backends.Contact{}, err
	}
	for _, u := range ans.users {
		if !strings.EqualFold(value(u, "SAM_ACCOUNT_NAME"), user) && !strings.EqualFold(value(u, "LOGON_NAME"), user) {
			continue
		}
		return backends.Contact{User: user, Name: displayName(u),
			Mail: firstSet(value(u, "EMAIL_ADDRESS"), value(u, "MAIL")), Mobile: firstSet(value(u, "MOBILE"), value(u, "MOBILE_NUMBER"))}, nil
	}
	return backends.Contact{}, backends.NewError(backends.Refused, fmt.Sprintf("%s: no such account in ADManager (domain %s)", desc, c.domain))
}

// firstSet is the first non-empty value.
func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
