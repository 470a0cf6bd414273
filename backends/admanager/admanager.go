// Package admanager is the client of the ManageEngine ADManager Plus REST API
// (/RestAPI/*), per shared/contracts/admanager.md: Active Directory password resets
// through ResetPwd, user search through SearchUser, authenticated by an AuthToken that
// an administrator created in the web console (the profile's secret). Every parameter
// travels percent-encoded in the query string of an empty POST, as the vendor's own
// clients send them; that request line must fit Tomcat's 8 KB header limit.
//
// Two modes. set: resetdesk generates a password per user (or the technician types one
// for a single user) and sends it with passwordType=password, one request per account,
// since pwd applies to every account of a request. generate: ADManager's own policy
// picks the password (passwordType=generate, no pwd) and ADManager delivers it by its
// notification settings; no field of the answer carries it, so there is none to hand
// over. A generate request may carry many accounts: the resets that arrive while one is
// in flight go together in the next (see genQueue).
package admanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
	"resetdesk/backends/password"
)

// Mode names.
const (
	ModeGenerate = "generate"
	ModeSet      = "set"
	ModeUnlock   = "unlock"
)

// DefaultProductName is sent as PRODUCT_NAME (ADManager's audit) when the profile sets none.
const DefaultProductName = "resetdesk"

// API paths, appended to the profile's base URL.
const (
	PathResetPwd   = "/RestAPI/ResetPwd"
	PathSearchUser = "/RestAPI/SearchUser"
)

// passwordPolicy yields passwords that Active Directory's default complexity rules
// accept (all four classes, well over the minimum length). Its symbols include several
// that the query string must percent-encode ('%', '+', '#', '~', '?', '=', ':', ';').
var passwordPolicy = password.Policy{
	Length: 16, Lower: true, Upper: true, Digits: true, Symbols: password.SymbolChars,
}

var mustChange = backends.OptionSpec{Key: backends.OptMustChange, Label: "User must change the password at next logon", Flag: true}

// MessageGenerated is the outcome of a generate reset: the technician has nothing to
// hand over and must not look for a password.
const MessageGenerated = "password set by ADManager's policy and delivered by ADManager's notifications: no password to hand over"

var modes = []backends.Mode{
	{
		Name:        ModeGenerate,
		Label:       "Let ADManager generate the password (its policy; it notifies the user)",
		SecretLabel: "password",
		Source:      backends.FromServer,
		Options:     []backends.OptionSpec{mustChange, unlockToo},
	},
	{
		Name:          ModeSet,
		Label:         "Set a new password (typed for one user, else generated per user)",
		SecretLabel:   "password",
		Source:        backends.FromPolicy,
		Policy:        passwordPolicy,
		TypedPassword: true,
		CheckPassword: CheckPassword,
		Options:       []backends.OptionSpec{mustChange, unlockToo},
	},
	unlockMode,
}

func init() {
	backends.Register(backends.Kind{
		Name:        "admanager",
		Title:       "ManageEngine ADManager Plus",
		Required:    []string{"domain"},
		SecretLabel: "AuthToken",
		Modes:       modes,
		Identity:    Identity,
		New: func(p backends.Profile, secret string, client *http.Client) (backends.Backend, error) {
			c, err := New(p, secret, client)
			if err != nil {
				return nil, err // not a nil *Client inside a non-nil interface
			}
			return c, nil
		},
	})
}

// Client talks to one ADManager Plus server.
type Client struct {
	base    string
	token   string
	domain  string
	product string
	quota   int // the profile's daily_quota (0 = not limited), which Check reports
	http    httpx.Client

	mu         sync.Mutex
	quotaSpent string // the day ("2006-01-02") the server said its quota was spent
	quotaMsg   string

	gen genQueue // the generate resets waiting to be sent together
}

// New builds a client for a profile; the secret is the AuthToken.
func New(p backends.Profile, secret string, c *http.Client) (*Client, error) {
	if strings.TrimSpace(p.Domain) == "" {
		return nil, errors.New("domain is required (the AD domain, like corp.example.com)")
	}
	if secret == "" {
		return nil, fmt.Errorf("no AuthToken; store it with `resetdesk creds set %s`", p.Name)
	}
	if c == nil {
		return nil, errors.New("no HTTP client: build back ends with backends.Open")
	}
	product := p.ProductName
	if product == "" {
		product = DefaultProductName
	}
	return &Client{base: p.URL, token: secret, domain: p.Domain, product: product, quota: p.DailyQuota, http: httpx.NewClient(p, c, secret)}, nil
}

// Modes lists generate and set.
func (c *Client) Modes() []backends.Mode { return modes }

// SecretForms is the AuthToken as it travels, percent-encoded by escape, for a server
// that echoes the request target.
func (c *Client) SecretForms() []string { return []string{escape(c.token)} }

// CheckPassword refuses what Active Directory's default complexity rules would refuse
// (password.CheckADComplexity).
func CheckPassword(pw string) error { return password.CheckADComplexity(pw) }

// Login proves the AuthToken: ADManager has no login call for a token, so it runs the
// cheapest authenticated call (a one-row SearchUser, which the quota does not count).
func (c *Client) Login(ctx context.Context) error {
	_, err := c.searchUsers(ctx, "", 1, "token check")
	return err
}

// Check proves the token and says what it found.
func (c *Client) Check(ctx context.Context) (string, error) {
	ans, err := c.searchUsers(ctx, "", 1, "token check")
	if err != nil {
		return "", err
	}
	msg := fmt.Sprintf("AuthToken accepted; domain %s", c.domain)
	if n, ok := ans.total(); ok {
		msg += fmt.Sprintf(", %d user(s) visible", n)
	}
	if c.quota > 0 {
		msg += fmt.Sprintf("; daily quota %d successful resets", c.quota)
	}
	return msg, nil
}

// Reset resets one account, or unlocks it (unlock mode, and the unlock-too option after
// a reset: see unlock.go).
func (c *Client) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	if t.Mode == ModeUnlock {
		return c.unlock(ctx, t.User)
	}
	res, err := c.reset(ctx, t)
	if err == nil && t.Options.Unlock {
		res.Message = c.unlockToo(ctx, t.User, res.Message)
	}
	return res, err
}

// reset resets one account: set sends t.Secret in a request of its own; generate joins
// the next request of the accounts waiting for ADManager to pick their passwords.
func (c *Client) reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	switch t.Mode {
	case ModeSet:
	case ModeGenerate:
		if msg := c.spentToday(); msg != "" {
			return backends.Result{}, backends.NewError(backends.NotSent, "not sent: "+msg)
		}
		// What the accounts may take of the query once the parameters every request
		// carries are in.
		room := maxQuery - len(encodeQuery(c.withAuth(generateParams("[]", t.Options.MustChange))))
		return c.gen.reset(ctx, t.User, t.Options.MustChange, room, c.resetGenerated)
	default:
		return backends.Result{}, backends.NewError(backends.NotSent, fmt.Sprintf("unknown mode %q", t.Mode))
	}
	if t.Secret == "" {
		return backends.Result{}, backends.NewError(backends.NotSent, "no password to set")
	}
	if msg := c.spentToday(); msg != "" {
		return backends.Result{}, backends.NewError(backends.NotSent, "not sent: "+msg)
	}
	ps := []param{{"inputFormat", inputFormat([]string{t.User})}, {"passwordType", "password"}, {"pwd", t.Secret}}
	if t.Options.MustChange {
		ps = append(ps, param{"mustChangePassword", "true"})
	}
	desc := "password reset of " + t.User
	list, err := c.resetPwd(ctx, ps, desc, t.Secret)
	if err != nil {
		return backends.Result{}, err
	}
	a, ok := pick(list, t.User, true)
	if !ok {
		return backends.Result{}, notListed(desc, list, t.User)
	}
	text, err := c.accountOutcome(a, t.Secret)
	if err != nil {
		return backends.Result{}, err
	}
	if text == "" {
		text = "Password reset successful."
	}
	return backends.Result{Message: text}, nil
}

// resetPwd sends one ResetPwd call and reads its answer as the list of accounts; a
// request-level failure (a SEVERITY envelope, a broken answer) is the error.
func (c *Client) resetPwd(ctx context.Context, ps []param, desc string, passwords ...string) ([]account, error) {
	// POST, so that no transport replays a reset on its own; parameters in the query
	// string with an empty body, as the vendor's own clients send them.
	resp, err := c.call(ctx, http.MethodPost, PathResetPwd, ps, desc, passwords...)
	if err != nil {
		return nil, err
	}
	if env, ok := severityOf(resp.Body); ok {
		return nil, c.requestFailure(env, desc, passwords...)
	}
	var list []account
	if err := httpx.DecodeJSON(resp, &list, desc); err != nil {
		// Not the contract's answer (cut off, an HTML page, garbage, nothing): the server
		// got the request and answered after it, so the reset may be done.
		return nil, &backends.Error{Kind: backends.Unanswered, Msg: err.Error()}
	}
	return list, nil
}

// accountOutcome reads one account's element of the answer: its message when reset,
// else the refusal (the spent quota is Exhausted: the run sends no more, nor does this
// client today).
func (c *Client) accountOutcome(a account, passwords ...string) (string, error) {
	text := c.http.Text(strings.TrimSpace(a.Message), passwords...)
	if a.Status == "1" {
		return text, nil
	}
	if isQuota(text) {
		c.markSpent(text)
		return "", backends.NewError(backends.Exhausted, "ADManager's daily quota is spent: "+text)
	}
	if text == "" {
		text = fmt.Sprintf("refused (status %q, no reason given)", string(a.Status))
	}
	return "", backends.NewError(backends.Refused, text)
}

// notListed is the error of an answer that does not name an account that was sent.
func notListed(desc string, list []account, user string) error {
	return &backends.Error{Kind: backends.Unanswered,
		Msg: fmt.Sprintf("%s: the answer lists %d account(s) but not %s; the change may have been made", desc, len(list), user)}
}

// inputFormat is the JSON array naming users, one object each.
func inputFormat(users []string) string {
	accounts := make([]map[string]string, len(users))
	for i, u := range users {
		accounts[i] = map[string]string{accountKey(u): u}
	}
	b, _ := json.Marshal(accounts) // maps of strings always encode
	return string(b)
}

// account is one element of ResetPwd's answer.
type account struct {
	SAM     string     `json:"sAMAccountName"`
	UPN     string     `json:"userPrincipalName"`
	DN      string     `json:"distinguishedName"`
	Status  flexString `json:"status"`
	Message string     `json:"statusMessage"`
}

// pick finds the answer for user: the one whose sAMAccountName or UPN is the user, or
// the only element of the answer to a request for that account alone.
func pick(list []account, user string, alone bool) (account, bool) {
	if alone && len(list) == 1 {
		return list[0], true
	}
	for _, a := range list {
		if strings.EqualFold(a.SAM, user) || strings.EqualFold(a.UPN, user) || a.DN != "" && strings.EqualFold(a.DN, user) {
			return a, true
		}
	}
	return account{}, false
}

// severity is the request-level failure envelope (a bad or expired token, a product
// authorisation failure, and possibly the spent quota).
type severity struct {
	Severity string     `json:"SEVERITY"`
	Message  string     `json:"STATUS_MESSAGE"`
	Code     flexString `json:"ERROR_CODE"`
}

func severityOf(body []byte) (severity, bool) {
	var env severity
	b := strings.TrimSpace(string(body))
	if !strings.HasPrefix(b, "{") || json.Unmarshal([]byte(b), &env) != nil {
		return env, false
	}
	return env, env.Severity != "" || env.Code != ""
}

func (e severity) text() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = "no reason given"
	}
	if e.Code != "" {
		msg += " (ERROR_CODE " + string(e.Code) + ")"
	}
	return msg
}

// tokenCodes are the ERROR_CODEs of a refused AuthToken.
var tokenCodes = map[string]bool{"00000003": true}

// requestFailure classifies a SEVERITY envelope answered to a reset: the spent quota is
// Exhausted (the run sends no more, nor does this client today), a refused token is Expired so that the
// runner proves the token once more (a revoked token then fails the login clearly),
// anything else is a refusal with the server's words.
func (c *Client) requestFailure(env severity, desc string, passwords ...string) error {
	text := c.http.Text(env.text(), passwords...)
	// A server that echoes the request target names the AuthToken parameter without
	// saying that the token was refused.
	lower := strings.ReplaceAll(strings.ToLower(env.Message), "authtoken=", "")
	switch {
	case isQuota(env.Message):
		c.markSpent(text)
		return backends.NewError(backends.Exhausted, "ADManager's daily quota is spent: "+text)
	case tokenCodes[string(env.Code)] || strings.Contains(lower, "token") || strings.Contains(lower, "authenticat"):
		return backends.NewError(backends.Expired, "ADManager refused the AuthToken: "+text)
	}
	return backends.NewError(backends.Refused, desc+": ADManager refused the request: "+text)
}

// isQuota recognises the spent daily quota in a server message; its shape is not
// documented, so both envelopes are read for the words the product uses.
func isQuota(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "quota") || strings.Contains(m, "limit") && (strings.Contains(m, "day") || strings.Contains(m, "api"))
}

func today() string { return time.Now().Format(time.DateOnly) }

// markSpent remembers that the server's quota is spent for today: later resets are not
// sent, since each would only be refused again.
func (c *Client) markSpent(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.quotaSpent, c.quotaMsg = today(), msg
}

func (c *Client) spentToday() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.quotaSpent != "" && c.quotaSpent == today() {
		return "ADManager's daily quota is spent: " + c.quotaMsg
	}
	return ""
}

// flexString reads a JSON string or number as a string: the documentation shows
// strings ("1", "00000003") but admin-configured servers are not always consistent.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("not a string or number: %s", b)
	}
	*f = flexString(n.String())
	return nil
}
