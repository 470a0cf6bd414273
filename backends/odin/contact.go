package odin

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// Contact reads a user's mail (emailAddress) and line (phoneNumber, for a callback)
// from Odin: GET /users?userId= with the exact id answers one object (or, as some
// servers do, a list); an unknown id answers 404.
func (c *Client) Contact(ctx context.Context, user string) (backends.Contact, error) {
	desc := "looking up " + user
	q := url.Values{"userId": {user}}
	resp, err := c.api.CallRelogin(ctx, http.MethodGet, "/users?"+q.Encode(), nil, desc)
	if err != nil {
		return backends.Contact{}, err
	}
	list, err := decodeUsers(resp, desc)
	if err != nil {
		return backends.Contact{}, err
	}
	for _, u := range list {
		if u.UserID == user {
			return backends.Contact{User: user, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
				Mail: u.EmailAddress, Phone: u.PhoneNumber}, nil
		}
	}
	return backends.Contact{}, backends.NewError(backends.Refused, fmt.Sprintf("%s: Odin answered without that user", desc))
}

// decodeUsers reads a /users answer: a list, or the one object an exact userId gets.
func decodeUsers(resp *httpx.Response, desc string) ([]listUser, error) {
	if b := bytes.TrimSpace(resp.Body); len(b) > 0 && b[0] == '{' {
		var one listUser
		if err := httpx.DecodeJSON(resp, &one, desc); err != nil {
			return nil, err
		}
		return []listUser{one}, nil
	}
	var list []listUser
	if err := httpx.DecodeJSON(resp, &list, desc); err != nil {
		return nil, err
	}
	return list, nil
}
