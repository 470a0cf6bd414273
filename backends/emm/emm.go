// Package emm is the client of the WSO2 EMM 2.0.x mdm-admin API: it registers an OAuth
// client, gets a token with the admin's password (renewing it with the refresh token),
// sets new passwords (sent base64-encoded, as the API wants) and searches the user store.
// Contract: shared/contracts/emm.md.
package emm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
	"resetdesk/backends/password"
)

// ModeSet is the only mode: set a password resetdesk generates (or the technician types).
const ModeSet = "set"

// API paths, appended to the profile's base URL.
const (
	pathRegister = "/dynamic-client-web/register"
	pathToken    = "/oauth2/token"
	pathReset    = "/mdm-admin/users/reset-password"
	pathUsers    = "/mdm-admin/users"
	pathSearch   = "/mdm-admin/users/view-users"
)

// CheckPassword applies the EMM admin console's own rule, ^\S{5,30}$, before anything
// is sent (the API itself only has the user store's). The console evaluates it in
// JavaScript, where \s covers Unicode spaces too, so Go's ASCII-only \S would be too lax.
func CheckPassword(pw string) error {
	if strings.IndexFunc(pw, isJSSpace) >= 0 {
		return fmt.Errorf("EMM refuses passwords with spaces or other whitespace")
	}
	if n := utf8.RuneCountInString(pw); n < 5 || n > 30 {
		return fmt.Errorf("EMM passwords must be 5 to 30 characters long (this one has %d)", n)
	}
	return nil
}

// isJSSpace is JavaScript's \s: Unicode white space plus the byte-order mark.
func isJSSpace(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

// policy stays inside the console rule (no whitespace, at most 30) and uses only symbols
// that need no escaping anywhere a technician may paste them.
var policy = password.Policy{Length: 16, Lower: true, Upper: true, Digits: true, Symbols: "!#%*+-=?@_.:"}

var modes = []backends.Mode{{
	Name:          ModeSet,
	Label:         "Set a new password",
	SecretLabel:   "password",
	Source:        backends.FromPolicy,
	Policy:        policy,
	TypedPassword: true,
	CheckPassword: CheckPassword,
}}

func init() {
	backends.Register(backends.Kind{
		Name:        "emm",
		Title:       "WSO2 EMM 2.0 (mobile device management)",
		Required:    []string{"username"},
		SecretLabel: "password",
		Modes:       modes,
		Identity:    Identity,
		LookupAll:   true,
		New:         New,
	})
}

// Client talks to one EMM server.
type Client struct {
	base     string
	username string
	password string
	http     httpx.Client
	api      *httpx.Bearer // calls with the bearer token: 401 = Expired, other non-2xx by status

	mu           sync.Mutex
	clientID     string
	clientSecret string
	access       string
	refresh      string
}

// New builds a client for a profile; the secret is the EMM admin's password.
func New(p backends.Profile, secret string, c *http.Client) (backends.Backend, error) {
	if strings.TrimSpace(p.Username) == "" {
		return nil, errors.New("username is required (the EMM admin account)")
	}
	if c == nil {
		return nil, errors.New("no HTTP client: build back ends with backends.Open")
	}
	hc := httpx.NewClient(p, c, secret)
	cl := &Client{base: p.URL, username: p.Username, password: secret, http: hc}
	cl.api = &httpx.Bearer{
		Base: p.URL, Client: hc, Token: cl.accessToken, ErrorText: apiText, Login: cl.Login,
		// EMM's 401 is plain text.
		ExpiredText: func(r *httpx.Response, desc string) string {
			return desc + ": the EMM session expired: " + httpx.Snippet(r)
		},
	}
	return cl, nil
}

// Modes lists the one mode, set.
func (c *Client) Modes() []backends.Mode { return modes }

// oauthError is the WSO2 token endpoint's error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// apiAnswer is the mdm-admin answer shape; errorMessage comes with a 500.
type apiAnswer struct {
	StatusCode      int             `json:"statusCode"`
	Message         string          `json:"messageFromServer"`
	ErrorMessage    string          `json:"errorMessage"`
	ResponseContent json.RawMessage `json:"responseContent"`
}

// apiText is the server's own explanation in an mdm-admin answer, else a summary of
// whatever came (a plain-text 401, an HTML page from a proxy).
func apiText(r *httpx.Response) string {
	var a apiAnswer
	if json.Unmarshal(r.Body, &a) == nil {
		if a.Message != "" {
			return a.Message
		}
		if a.ErrorMessage != "" {
			return a.ErrorMessage
		}
	}
	return httpx.Snippet(r)
}

// Login gets a token. With a refresh token from an earlier login it renews with it;
// when there is none or the renewal is refused, it uses the password grant, registering
// an OAuth client first when it has none.
func (c *Client) Login(ctx context.Context) error {
	c.mu.Lock()
	refresh := c.refresh
	c.mu.Unlock()
	if refresh != "" {
		err := c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, "token refresh")
		if err == nil {
			return nil
		}
		// Only a refused refresh falls back to the password: a server that did not
		// answer would not answer the password grant either.
		if k := backends.KindOf(err); k == backends.NotSent || k == backends.Unanswered {
			return err
		}
		c.setTokens("", "")
	}
	return c.passwordGrant(ctx, true)
}

// passwordGrant logs in with the admin's password. retry allows one new client
// registration when the server no longer knows the client (401 invalid_client).
func (c *Client) passwordGrant(ctx context.Context, retry bool) error {
	c.mu.Lock()
	registered := c.clientID != ""
	c.mu.Unlock()
	if !registered {
		if err := c.register(ctx); err != nil {
			return err
		}
	}
	form := url.Values{"grant_type": {"password"}, "username": {c.username}, "password": {c.password}, "scope": {"prod"}}
	err := c.token(ctx, form, "login")
	var e *backends.Error
	if retry && errors.As(err, &e) && e.Kind == backends.BadLogin && strings.Contains(e.Msg, "invalid_client") {
		c.mu.Lock()
		c.clientID, c.clientSecret = "", ""
		c.mu.Unlock()
		return c.passwordGrant(ctx, false)
	}
	return err
}

// register creates the OAuth client (dynamic client registration needs no auth on 2.0.x).
func (c *Client) register(ctx context.Context) error {
	body, _ := json.Marshal(map[string]any{
		"owner": c.username, "clientName": "resetdesk", "grantType": "password refresh_token",
		"tokenScope": "prod", "saasApp": true,
	})
	req, err := http.NewRequest(http.MethodPost, httpx.JoinURL(c.base, pathRegister), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("client registration: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(ctx, req, "client registration")
	if err != nil {
		return err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return httpx.StatusError(resp, "client registration", apiText(resp))
	}
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := httpx.DecodeJSON(resp, &reg, "client registration"); err != nil {
		return err
	}
	if reg.ClientID == "" || reg.ClientSecret == "" {
		return fmt.Errorf("client registration: the answer holds no client_id/client_secret (HTTP %d)", resp.Status)
	}
	c.mu.Lock()
	c.clientID, c.clientSecret = reg.ClientID, reg.ClientSecret
	c.mu.Unlock()
	c.http.Secrets.Add(reg.ClientSecret)
	return nil
}

// token posts a grant to the token endpoint and keeps the tokens it returns.
func (c *Client) token(ctx context.Context, form url.Values, desc string) error {
	c.mu.Lock()
	id, secret := c.clientID, c.clientSecret
	c.mu.Unlock()
	req, err := http.NewRequest(http.MethodPost, httpx.JoinURL(c.base, pathToken), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%s: %v", desc, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(id, secret)
	resp, err := c.http.Do(ctx, req, desc)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusBadRequest || resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		var oe oauthError
		if json.Unmarshal(resp.Body, &oe) == nil && oe.Error != "" {
			why := oe.Error
			if oe.Description != "" {
				why += ": " + oe.Description
			}
			if form.Get("grant_type") == "password" {
				return &backends.Error{Kind: backends.BadLogin, Msg: fmt.Sprintf("EMM refused the login of %q (%s)", c.username, httpx.Text(resp, why))}
			}
			return &backends.Error{Kind: backends.BadLogin, Msg: fmt.Sprintf("%s refused (%s)", desc, httpx.Text(resp, why))}
		}
	}
	if resp.Status < 200 || resp.Status > 299 {
		return httpx.StatusError(resp, desc, "")
	}
	var tok struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := httpx.DecodeJSON(resp, &tok, desc); err != nil {
		return err
	}
	if tok.Access == "" {
		return fmt.Errorf("%s: the answer holds no access_token (HTTP %d)", desc, resp.Status)
	}
	c.setTokens(tok.Access, tok.Refresh)
	return nil
}

func (c *Client) setTokens(access, refresh string) {
	c.mu.Lock()
	c.access, c.refresh = access, refresh
	c.mu.Unlock()
	// Either token is as good as the password while it lasts: no echo of it is shown.
	c.http.Secrets.Add(access, refresh)
}

// accessToken is the OAuth access token the API calls carry ("" before Login).
func (c *Client) accessToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access
}

// Reset sets t.Secret as the user's password, base64-encoded as the API requires (the
// server decodes leniently: a plain password would silently become garbage).
func (c *Client) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	if t.Mode != ModeSet {
		return backends.Result{}, backends.NewError(backends.NotSent, fmt.Sprintf("unknown mode %q", t.Mode))
	}
	if err := CheckPassword(t.Secret); err != nil {
		return backends.Result{}, backends.NewError(backends.NotSent, "not sent: "+err.Error())
	}
	body := map[string]string{
		"username":    t.User,
		"oldPassword": "",
		"newPassword": base64.StdEncoding.EncodeToString([]byte(t.Secret)),
	}
	const desc = "password reset"
	resp, err := c.api.Call(ctx, http.MethodPost, pathReset, body, desc, t.Secret)
	if err != nil {
		var e *backends.Error
		if errors.As(err, &e) && e.Kind == backends.Refused && strings.Contains(e.Msg, "Could not change the password.") {
			e.Msg += " (unknown user, a password the user store refuses, or a read-only user store)"
		}
		return backends.Result{}, err
	}
	var a apiAnswer
	if err := httpx.DecodeJSON(resp, &a, desc); err != nil {
		// The server said 2xx, so the password was most likely set; the answer is lost.
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: err.Error()}
	}
	msg := httpx.Text(resp, a.Message)
	if msg == "" {
		msg = "password changed"
	}
	return backends.Result{Message: msg}, nil
}

// ValidateUser refuses ids EMM cannot hold: user names have no whitespace; a user-store
// prefix ("PRIMARY/kim") needs a name after it.
func (c *Client) ValidateUser(id string) error {
	if strings.IndexFunc(id, unicode.IsSpace) >= 0 {
		return fmt.Errorf("user name %q contains a space; EMM user names have none", id)
	}
	if i := strings.LastIndex(id, "/"); i >= 0 && (i == 0 || i == len(id)-1) {
		return fmt.Errorf("user name %q: a user-store prefix looks like PRIMARY/kim", id)
	}
	return nil
}

type emmUser struct {
	Username  string `json:"username"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"emailAddress"`
}

// listUsers reads an answer whose responseContent is a user list.
func listUsers(resp *httpx.Response, desc string) ([]emmUser, error) {
	var a apiAnswer
	if err := httpx.DecodeJSON(resp, &a, desc); err != nil {
		return nil, err
	}
	var list []emmUser
	if len(a.ResponseContent) == 0 || string(a.ResponseContent) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(a.ResponseContent, &list); err != nil {
		return nil, fmt.Errorf("%s: responseContent is not a list of users (HTTP %d)", desc, resp.Status)
	}
	return list, nil
}

// Search lists the users whose name contains query (view-users?username=); "*" lists
// every user (EMM 2.0 has no paging: the client keeps the first limit).
func (c *Client) Search(ctx context.Context, query string, limit int) ([]backends.User, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	path := pathUsers
	if query != "*" {
		path = pathSearch + "?" + url.Values{"username": {query}}.Encode()
	}
	resp, err := c.api.CallRelogin(ctx, http.MethodGet, path, nil, "user search")
	if err != nil {
		return nil, err
	}
	list, err := listUsers(resp, "user search")
	if err != nil {
		return nil, err
	}
	var out []backends.User
	for _, u := range list {
		if u.Username == "" {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		out = append(out, backends.User{ID: u.Username, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Detail: u.Email})
	}
	return out, nil
}

// Check logs in and counts the users the admin sees.
func (c *Client) Check(ctx context.Context) (string, error) {
	if err := c.Login(ctx); err != nil {
		return "", err
	}
	resp, err := c.api.CallRelogin(ctx, http.MethodGet, pathUsers, nil, "user list")
	if err != nil {
		return "", err
	}
	list, err := listUsers(resp, "user list")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("logged in as %s; %d user(s) in the user store", c.username, len(list)), nil
}
