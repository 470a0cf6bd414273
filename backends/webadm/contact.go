package webadm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"resetdesk/backends"
)

// Contact reads an account's mail and mobile from its LDAP entry: Get_User_DN finds
// the entry in the profile's domain, Get_User_Attrs reads cn, mail and mobile from it.
// An entry without one of them has it empty: not on file.
func (b *Backend) Contact(ctx context.Context, user string) (backends.Contact, error) {
	dn, err := b.userDN(ctx, user)
	if err != nil {
		return backends.Contact{}, err
	}
	desc := "reading the contact details of " + user
	var raw json.RawMessage
	params := map[string]any{"dn": dn, "attrs": []string{"cn", "mail", "mobile"}}
	if err := b.call(ctx, "Get_User_Attrs", params, &raw, desc); err != nil {
		return backends.Contact{}, err
	}
	var attrs map[string][]string
	// PHP encodes an empty map as []: an entry with none of the attributes.
	if t := strings.TrimSpace(string(raw)); t != "[]" {
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return backends.Contact{}, backends.NewError(backends.Refused, fmt.Sprintf("%s: unexpected result shape (want attribute -> values)", desc))
		}
	}
	return backends.Contact{User: user, Name: first(attrs, "cn"), Mail: first(attrs, "mail"), Mobile: first(attrs, "mobile")}, nil
}
