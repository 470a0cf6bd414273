package emm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// pathView is one user's record (GET ?username=): unknown users answer HTTP 404.
const pathView = "/mdm-admin/users/view"

// Contact reads an account's mail from its EMM user record; EMM keeps no phone number.
func (c *Client) Contact(ctx context.Context, user string) (backends.Contact, error) {
	desc := "looking up " + user
	resp, err := c.api.CallRelogin(ctx, http.MethodGet, pathView+"?"+url.Values{"username": {user}}.Encode(), nil, desc)
	if err != nil {
		return backends.Contact{}, err
	}
	var a apiAnswer
	if err := httpx.DecodeJSON(resp, &a, desc); err != nil {
		return backends.Contact{}, err
	}
	var u emmUser
	if err := json.Unmarshal(a.ResponseContent, &u); err != nil || u.Username == "" {
		return backends.Contact{}, backends.NewError(backends.Refused, fmt.Sprintf("%s: responseContent is not a user record (HTTP %d)", desc, resp.Status))
	}
	return backends.Contact{User: user, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Mail: u.Email}, nil
}
