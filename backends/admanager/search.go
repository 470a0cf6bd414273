package admanager

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// searchAnswer is SearchUser's answer. Its keys are read from a map because real servers
// send "count" where the documentation says "Count", and the column set is whatever the
// administrator configured.
type searchAnswer struct {
	raw   map[string]json.RawMessage
	users []map[string]any
}

// total is the answer's count (either spelling), when it has one.
func (a searchAnswer) total() (int, bool) {
	for _, k := range []string{"count", "Count"} {
		if v, ok := a.raw[k]; ok {
			var f flexString
			if json.Unmarshal(v, &f) == nil {
				if n, err := strconv.Atoi(string(f)); err == nil {
					return n, true
				}
			}
		}
	}
	return 0, false
}

func (a searchAnswer) str(key string) string {
	var s string
	if v, ok := a.raw[key]; ok {
		_ = json.Unmarshal(v, &s)
	}
	return s
}

// searchUsers runs SearchUser (with extra parameters: filter, select). A SEVERITY
// answer means the token was refused: BadLogin.
func (c *Client) searchUsers(ctx context.Context, text string, limit int, desc string, extra ...param) (searchAnswer, error) {
	if limit <= 0 {
		limit = 50
	}
	ps := []param{{"range", strconv.Itoa(limit)}, {"startIndex", "1"}}
	if text != "" {
		ps = append(ps, param{"searchText", text})
	}
	ps = append(ps, extra...)
	resp, err := c.call(ctx, http.MethodGet, PathSearchUser, ps, desc)
	if err != nil {
		return searchAnswer{}, err
	}
	if env, ok := severityOf(resp.Body); ok {
		return searchAnswer{}, &backends.Error{Kind: backends.BadLogin, Msg: "ADManager refused the AuthToken: " + c.http.Text(env.text())}
	}
	var ans searchAnswer
	if err := httpx.DecodeJSON(resp, &ans.raw, desc); err != nil {
		return searchAnswer{}, err
	}
	if st := ans.str("status"); st != "" && !strings.EqualFold(st, "SUCCESS") {
		msg := c.http.Text(strings.TrimSpace(ans.str("statusMessage")))
		if msg == "" {
			msg = "status " + st
		}
		return searchAnswer{}, fmt.Errorf("%s: ADManager answered: %s", desc, msg)
	}
	if list, ok := ans.raw["UsersList"]; ok && string(list) != "null" {
		if err := json.Unmarshal(list, &ans.users); err != nil {
			return searchAnswer{}, fmt.Errorf("%s: UsersList is not a list of users", desc)
		}
	}
	return ans, nil
}

// Search finds users by free text (ADManager matches names and logon names).
func (c *Client) Search(ctx context.Context, query string, limit int) ([]backends.User, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	ans, err := c.searchUsers(ctx, query, limit, "user search")
	if err != nil {
		return nil, err
	}
	out := make([]backends.User, 0, len(ans.users))
	for _, u := range ans.users {
		id := value(u, "SAM_ACCOUNT_NAME")
		if id == "" {
			id = value(u, "LOGON_NAME")
		}
		if id == "" {
			continue
		}
		name := displayName(u)
		var detail []string
		for _, k := range []string{"LOGON_NAME", "EMPLOYEE_ID", "DEPARTMENT", "EMAIL_ADDRESS"} {
			if v := value(u, k); v != "" && v != id {
				detail = append(detail, v)
			}
		}
		out = append(out, backends.User{ID: id, Name: name, Detail: strings.Join(detail, "  ")})
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// displayName is a SearchUser row's display name, else its first and last names.
func displayName(u map[string]any) string {
	if name := value(u, "DISPLAY_NAME"); name != "" {
		return name
	}
	return strings.TrimSpace(value(u, "FIRST_NAME") + " " + value(u, "LAST_NAME"))
}

// value reads one column as text; ADManager writes "-" or "<not set>" for an empty one.
func value(u map[string]any, key string) string {
	var s string
	switch v := u[key].(type) {
	case string:
		s = strings.TrimSpace(v)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		s = fmt.Sprint(v)
	}
	if s == "-" || strings.EqualFold(s, "<not set>") {
		return ""
	}
	return s
}
