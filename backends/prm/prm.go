// Package prm is the client of the Active Directory Password Reset Module of the Bright
// Pattern contact center: one call, POST /api/users, makes the service generate a new
// password for a user under its own settings and return it. Auth is a shared token, sent
// as is or as a time-based SHA-1 hash of it. Contract: shared/contracts/prm.md.
package prm

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"resetdesk/backends"
	"resetdesk/backends/adname"
	"resetdesk/backends/httpx"
)

// ModeGenerate is the only mode: the service generates the password.
const ModeGenerate = "generate"

// Path is the service's one endpoint.
const Path = "/api/users"

// Window is the time-based token's period.
const Window = 300 * time.Second

// MessageFailed is what the technician sees for {"res":"failed"}: the service keeps its
// reason from callers on purpose, so any guess would mislead.
const MessageFailed = "refused by the service (reason in the server's event log)"

var modes = []backends.Mode{{
	Name:        ModeGenerate,
	Label:       "Generate a new password (by the service)",
	SecretLabel: "password",
	Source:      backends.FromServer,
}}

func init() {
	backends.Register(backends.Kind{
		Name:        "prm",
		Title:       "Password Reset Module (Bright Pattern, Active Directory)",
		Required:    nil,
		SecretLabel: "shared access token",
		Modes:       modes,
		NoSearch:    true,
		Identity:    Identity,
		New:         New,
	})
}

// TimeToken is the time-based token for a shared token at t: lowercase hex of
// SHA1(shared + decimal(floor(unix seconds / 300))), plain concatenation as the vendor
// specifies (not an HMAC).
func TimeToken(shared string, t time.Time) string {
	sum := sha1.Sum([]byte(shared + strconv.FormatInt(t.Unix()/int64(Window/time.Second), 10)))
	return hex.EncodeToString(sum[:])
}

// Client talks to one Password Reset Module.
type Client struct {
	base      string
	token     string
	timeBased bool
	http      httpx.Client
	// now is the clock for time-based tokens; tests replace it with SetClock.
	now func() time.Time
}

// New builds a client for a profile; the secret is the shared access token.
func New(p backends.Profile, secret string, c *http.Client) (backends.Backend, error) {
	if c == nil {
		return nil, errors.New("no HTTP client: build back ends with backends.Open")
	}
	return &Client{base: p.URL, token: secret, timeBased: p.TimeBasedToken, http: httpx.NewClient(p, c, secret), now: time.Now}, nil
}

// SetClock replaces the clock used for time-based tokens (for tests).
func (c *Client) SetClock(now func() time.Time) { c.now = now }

// Modes lists the one mode, generate.
func (c *Client) Modes() []backends.Mode { return modes }

// Login checks the token's shape: PRM has no login call, and the only call it has
// resets a password, so the token is proved by the first reset.
func (c *Client) Login(context.Context) error {
	switch {
	case c.token == "":
		return &backends.Error{Kind: backends.BadLogin, Msg: "no shared access token is stored for this profile (resetdesk creds set)"}
	case strings.IndexFunc(c.token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return &backends.Error{Kind: backends.BadLogin, Msg: "the stored access token contains spaces or control characters: store it again without them"}
	}
	return nil
}

// bearer is the Authorization value, computed right before each request so that a
// time-based token is of the current window.
func (c *Client) bearer() string {
	if c.timeBased {
		return "Bearer " + TimeToken(c.token, c.now().UTC())
	}
	return "Bearer " + c.token
}

// Check reports what can be known without resetting anyone: the token's shape and that
// the host answers. It sends no token: the service's only call with one is a reset.
func (c *Client) Check(ctx context.Context) (string, error) {
	if err := c.Login(ctx); err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodGet, httpx.JoinURL(c.base, Path), nil)
	if err != nil {
		return "", fmt.Errorf("check: %v", err)
	}
	resp, err := c.http.Do(ctx, req, "connection check")
	if err != nil {
		return "", err
	}
	mode := "static token"
	if c.timeBased {
		mode = "time-based token (the clocks of both machines must agree within 5 minutes)"
	}
	return fmt.Sprintf("the service answers (HTTP %d to a GET, which resets nobody); %s; the token is proved by the first reset", resp.Status, mode), nil
}

// Search is not offered: the service has no search or list call.
func (c *Client) Search(context.Context, string, int) ([]backends.User, error) {
	return nil, backends.ErrNoSearch
}

type request struct {
	Type    string        `json:"type"`
	Request requestAction `json:"request"`
}

type requestAction struct {
	Action string `json:"action"`
	User   string `json:"user"`
}

type response struct {
	Res      string `json:"res"`
	Type     string `json:"type"`
	Response *struct {
		Password string `json:"password"`
		Username string `json:"username"`
	} `json:"response"`
}

// Reset asks the service to generate a new password for t.User and returns it. Success
// is HTTP 2xx and res "ok" and a password; res "ok" without one is unknown; anything
// else is a failure with the status. A time-based token is as good as the shared one
// for minutes: it is one of the request's secrets, which no message may show.
func (c *Client) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	auth := c.bearer()
	if t.Mode != ModeGenerate {
		return backends.Result{}, backends.NewError(backends.NotSent, fmt.Sprintf("unknown mode %q", t.Mode))
	}
	body, err := json.Marshal(request{Type: "request", Request: requestAction{Action: "generate_password", User: t.User}})
	if err != nil {
		return backends.Result{}, err
	}
	req, err := http.NewRequest(http.MethodPost, httpx.JoinURL(c.base, Path), bytes.NewReader(body))
	if err != nil {
		return backends.Result{}, fmt.Errorf("password reset: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", auth)
	const desc = "password reset"
	resp, err := c.http.Do(ctx, req, desc, strings.TrimPrefix(auth, "Bearer "))
	if err != nil {
		return backends.Result{}, err
	}
	switch resp.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint := "check the shared access token"
		if c.timeBased {
			hint += ", that the service is set to time-based tokens, and the clocks of both machines"
		} else {
			hint += " (and whether the service expects time-based tokens: time_based_token = true)"
		}
		return backends.Result{}, &backends.Error{Kind: backends.BadLogin,
			Msg: fmt.Sprintf("the service refused the token (HTTP %d): %s", resp.Status, hint)}
	case http.StatusNotFound:
		return backends.Result{}, httpx.StatusError(resp, desc,
			"the service was not found at "+Path+": check the url and port, and the token (a time-based token from a wrong clock also gets 404)")
	case http.StatusBadRequest:
		return backends.Result{}, httpx.StatusError(resp, desc, "the service refused the request as malformed")
	}
	var ans response
	decErr := httpx.DecodeJSON(resp, &ans, desc)
	if resp.Status < 200 || resp.Status > 299 {
		// Never echo a JSON body here: it may hold a generated password.
		var detail string
		switch {
		case decErr == nil && ans.Res != "":
			detail = fmt.Sprintf("res %q", httpx.Text(resp, ans.Res))
		case decErr == nil || httpx.IsJSON(resp.Body):
			detail = "an answer without a result"
			if decErr != nil {
				detail = "a cut-off or malformed JSON answer"
			}
		default:
			detail = httpx.Snippet(resp)
		}
		return backends.Result{}, httpx.StatusError(resp, desc, detail)
	}
	if decErr != nil {
		// A 2xx whose body is cut or not JSON: the service may have set a password
		// that nobody will see.
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: decErr.Error()}
	}
	switch {
	case ans.Res == "failed":
		return backends.Result{}, backends.NewError(backends.Refused, MessageFailed)
	case ans.Res != "ok":
		return backends.Result{}, backends.NewError(backends.Unanswered, fmt.Sprintf("%s: HTTP %d with res %q, not \"ok\" or \"failed\"", desc, resp.Status, httpx.Text(resp, ans.Res)))
	case ans.Response == nil || ans.Response.Password == "":
		// The service says it did it but keeps the password from us: the account's
		// password has most likely changed, so this is unknown, never retried blindly
		// (the runner adds what to check).
		return backends.Result{}, backends.NewError(backends.Unanswered,
			fmt.Sprintf("%s: HTTP %d, res \"ok\" but no password in the answer", desc, resp.Status))
	}
	msg := "password generated"
	if ans.Response.Username != "" {
		msg += " for " + ans.Response.Username
	}
	return backends.Result{Secret: ans.Response.Password, Message: msg}, nil
}

// ValidateUser accepts the id forms the service takes (Jon.One, mydomain\Jon.One,
// Jon.One@mydomain.com, LDAP://CN=Jon.One,...) and refuses ones that are none of them.
func (c *Client) ValidateUser(id string) error {
	if n := adname.Parse(id); n.ADsPath {
		if !strings.Contains(n.DN, "=") {
			return fmt.Errorf("user %q: an ADsPath looks like LDAP://CN=Jon.One,CN=Users,DC=mydomain,DC=com", id)
		}
		return nil
	}
	if strings.IndexFunc(id, unicode.IsSpace) >= 0 {
		return fmt.Errorf("user %q contains a space; use the login (Jon.One), DOMAIN\\login, login@domain or an LDAP:// path", id)
	}
	if dom, name, ok := strings.Cut(id, `\`); ok && (dom == "" || name == "" || strings.Contains(name, `\`)) {
		return fmt.Errorf(`user %q: a full login looks like mydomain\Jon.One`, id)
	}
	if name, dom, ok := strings.Cut(id, "@"); ok && (name == "" || dom == "" || strings.Contains(dom, "@")) {
		return fmt.Errorf("user %q: a full user name looks like Jon.One@mydomain.com", id)
	}
	return nil
}
