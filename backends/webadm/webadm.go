// Package webadm is the client of the RCDevs WebADM Manager API (JSON-RPC 2.0 over
// HTTPS, Basic auth as a WebADM administrator), per shared/contracts/webadm.md. Two
// modes: link (PwReset.Send_Request: the user gets a self-service reset link by mail or
// SMS, or the technician gets it to hand over) and set (Set_User_Password on the DN that
// Get_User_DN gives, with a password resetdesk generates per user).
package webadm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
	"resetdesk/backends/password"
)

// Mode names.
const (
	ModeLink = "link"
	ModeSet  = "set"
)

// Link delivery methods PwReset.Send_Request takes.
const (
	MethodMail    = "MAIL"
	MethodSMS     = "SMS"
	MethodMailSMS = "MAILSMS"
	MethodNone    = "NONE"
)

// Bounds of a link's validity in hours, as PwReset checks them.
const (
	MinExpires = 1
	MaxExpires = 720
)

// passwordPolicy yields passwords that Active Directory's complexity rules (and
// WebADM's own default policy) accept: long, all four classes, and no characters that
// break when a technician reads them out or pastes them into a shell.
var passwordPolicy = password.Policy{
	Length: 16, Lower: true, Upper: true, Digits: true, Symbols: "!#%*+-=?@_.,:",
}

var modes = []backends.Mode{
	{
		Name:        ModeLink,
		Label:       "Send a self-service reset link",
		SecretLabel: "link",
		Source:      backends.FromServer,
		Options: []backends.OptionSpec{
			{Key: backends.OptMethod, Label: "Delivery (empty: the server's Link Delivery Mode)",
				Choices: []string{MethodMail, MethodSMS, MethodMailSMS, MethodNone}},
			{Key: backends.OptExpires, Label: "Link valid for (hours; empty: the server's default)",
				Min: MinExpires, Max: MaxExpires},
			{Key: backends.OptComments, Label: "Comments added to the message"},
		},
	},
	{
		Name:          ModeSet,
		Label:         "Set a new password",
		SecretLabel:   "password",
		Source:        backends.FromPolicy,
		Policy:        passwordPolicy,
		TypedPassword: true,
		CheckPassword: CheckPassword,
		Options: []backends.OptionSpec{
			{Key: backends.OptMustChange, Label: "User must change it at next logon"},
		},
	},
}

func init() {
	backends.Register(backends.Kind{
		Name:        "webadm",
		Title:       "RCDevs WebADM",
		Required:    []string{"username"},
		SecretLabel: "password",
		Modes:       modes,
		Identity:    Identity,
		LookupAll:   true,
		New:         New,
	})
}

// CheckPassword refuses a password that Active Directory's default complexity rules
// would refuse (password.CheckADComplexity).
func CheckPassword(pw string) error { return password.CheckADComplexity(pw) }

// Backend is a configured WebADM server.
type Backend struct {
	endpoint string // base URL + /manag/
	notFound string // what a 404 means for this profile's url
	username string // Basic auth user: DOMAIN\administrator or an admin DN
	secret   string
	domain   string // the WebADM domain users belong to; "" = the server's default
	baseDN   string // search base
	client   httpx.Client
	nextID   atomic.Int64
}

// New builds a client for profile p (backends.Open checks the URL and builds client).
func New(p backends.Profile, secret string, client *http.Client) (backends.Backend, error) {
	if strings.TrimSpace(p.Username) == "" {
		return nil, errors.New("username is required (DOMAIN\\administrator or an admin DN)")
	}
	if secret == "" {
		return nil, fmt.Errorf("no password stored; set it with `resetdesk creds set %s`", p.Name)
	}
	if client == nil {
		return nil, errors.New("no HTTP client: build back ends with backends.Open")
	}
	return &Backend{
		endpoint: httpx.JoinURL(p.URL, "/manag/"),
		notFound: notFoundHint(p.URL),
		username: p.Username,
		secret:   secret,
		domain:   strings.TrimSpace(p.Domain),
		baseDN:   strings.TrimSpace(p.BaseDN),
		client:   httpx.NewClient(p, client, secret, p.Username+":"+secret),
	}, nil
}

// Modes lists link and set.
func (b *Backend) Modes() []backends.Mode { return modes }

// SecretForms is the Basic credentials as they travel, "user:password": a server that
// echoes the Authorization header shows them base64-encoded.
func (b *Backend) SecretForms() []string { return []string{b.username + ":" + b.secret} }

// notFoundHint says what an HTTP 404 from the Manager API means for a profile's url: the
// client adds /manag/ itself, so a url that ends in it reaches /manag/manag/.
func notFoundHint(url string) string {
	base := strings.TrimRight(url, "/")
	if len(base) >= len("/manag") && strings.EqualFold(base[len(base)-len("/manag"):], "/manag") {
		return fmt.Sprintf("the profile's url ends in /manag/, which resetdesk adds itself: write url = %q", base[:len(base)-len("/manag")])
	}
	return "check that the profile's url is the WebADM server's address (https://host, without /manag/, which resetdesk adds)"
}

type statusResult struct {
	Status  bool   `json:"status"`
	Version string `json:"version"`
	Webapps map[string]struct {
		Status string `json:"status"`
	} `json:"webapps"`
}

func (b *Backend) status(ctx context.Context, desc string) (statusResult, error) {
	var st statusResult
	err := b.call(ctx, "Server_Status", map[string]bool{"servers": true, "webapps": true}, &st, desc)
	return st, err
}

// Login proves the credentials with Server_Status: WebADM has no session, every call
// carries Basic auth, so this is a check before anything is reset.
func (b *Backend) Login(ctx context.Context) error {
	_, err := b.status(ctx, "WebADM login")
	return err
}

// Check reports the server's version and whether the PwReset web app (needed by link
// mode) is enabled.
func (b *Backend) Check(ctx context.Context) (string, error) {
	st, err := b.status(ctx, "WebADM status")
	if err != nil {
		return "", err
	}
	var parts []string
	v := b.client.Text(st.Version)
	if v == "" {
		v = "(version not reported)"
	}
	parts = append(parts, "WebADM "+v)
	if !st.Status {
		parts = append(parts, "the server reports a problem with one of its services (status false)")
	}
	switch pw, ok := st.Webapps["PwReset"]; {
	case !ok:
		parts = append(parts, "PwReset web app not installed: link resets will fail (set still works)")
	case strings.EqualFold(pw.Status, "Ok"):
		parts = append(parts, "PwReset enabled")
	default:
		parts = append(parts, fmt.Sprintf("PwReset not enabled (%s): link resets will fail (set still works)", b.client.Text(pw.Status)))
	}
	return strings.Join(parts, "; "), nil
}

// Search finds users under the profile's base DN whose name, login or mail contains
// query, escaped per RFC 4515.
func (b *Backend) Search(ctx context.Context, query string, limit int) ([]backends.User, error) {
	if b.baseDN == "" {
		return nil, errors.New("search needs base_dn in the profile (like DC=corp,DC=example,DC=com)")
	}
	entries, err := b.searchEntries(ctx, searchFilter(strings.TrimSpace(query)), []string{"cn", "samaccountname", "uid", "mail"}, "WebADM search")
	if err != nil {
		return nil, err
	}
	users := make([]backends.User, 0, len(entries))
	for dn, attrs := range entries {
		id := first(attrs, "samaccountname", "uid")
		if id == "" {
			continue // not a user we could reset
		}
		name := first(attrs, "cn")
		if name == "" {
			name = dn
		}
		users = append(users, backends.User{ID: id, Name: name, Detail: first(attrs, "mail")})
	}
	sort.Slice(users, func(i, j int) bool {
		if users[i].Name != users[j].Name {
			return users[i].Name < users[j].Name
		}
		return users[i].ID < users[j].ID
	})
	if limit > 0 && len(users) > limit {
		users = users[:limit]
	}
	return users, nil
}

// searchEntries runs Search_LDAP_Objects under the profile's base DN and returns the
// entries found, by DN, with the attributes asked for (keys in lower case).
func (b *Backend) searchEntries(ctx context.Context, filter string, attrs []string, desc string) (map[string]map[string][]string, error) {
	params := map[string]any{"basedn": b.baseDN, "filter": filter, "scope": "sub", "attrs": attrs}
	var raw json.RawMessage
	if err := b.call(ctx, "Search_LDAP_Objects", params, &raw, desc); err != nil {
		return nil, err
	}
	// PHP encodes an empty result as [] rather than {}.
	var entries map[string]map[string][]string
	if t := strings.TrimSpace(string(raw)); t != "[]" && t != "false" {
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, fmt.Errorf("%s: unexpected result shape (want DN -> attributes)", desc)
		}
	}
	return entries, nil
}

// first returns the first value of the first attribute present (keys are lower-case).
func first(attrs map[string][]string, keys ...string) string {
	for _, k := range keys {
		for ak, v := range attrs {
			if strings.EqualFold(ak, k) && len(v) > 0 && v[0] != "" {
				return v[0]
			}
		}
	}
	return ""
}

// Reset sends a link or sets a password for one user.
func (b *Backend) Reset(ctx context.Context, t backends.Target) (backends.Result, error) {
	var res backends.Result
	var err error
	switch strings.ToLower(t.Mode) {
	case ModeLink:
		res, err = b.sendLink(ctx, t)
	case ModeSet:
		res, err = b.setPassword(ctx, t)
	default:
		return res, backends.NewError(backends.NotSent, fmt.Sprintf("unknown mode %q: WebADM offers link and set", t.Mode))
	}
	// With Basic auth there is no session to lose; credentials refused in the middle of a
	// run (a rotated password, a directory hiccup) were refused before anything was done,
	// so the runner may prove them again and retry once.
	var e *backends.Error
	if errors.As(err, &e) && e.Kind == backends.BadLogin {
		err = &backends.Error{Kind: backends.Expired, Msg: e.Msg}
	}
	return res, err
}

// CheckExpires refuses a link validity outside 1..720 hours (0 means the server's
// default and is not sent).
func CheckExpires(hours int) error {
	if hours != 0 && (hours < MinExpires || hours > MaxExpires) {
		return fmt.Errorf("expires must be %d..%d hours, not %d", MinExpires, MaxExpires, hours)
	}
	return nil
}

func (b *Backend) sendLink(ctx context.Context, t backends.Target) (backends.Result, error) {
	o := t.Options
	method := strings.ToUpper(strings.TrimSpace(o.Method))
	switch method {
	case "", MethodMail, MethodSMS, MethodMailSMS, MethodNone:
	default:
		return backends.Result{}, backends.NewError(backends.NotSent, fmt.Sprintf("link for %s not sent: method %q: choose MAIL, SMS, MAILSMS or NONE", t.User, o.Method))
	}
	if err := CheckExpires(o.Expires); err != nil {
		return backends.Result{}, backends.NewError(backends.NotSent, fmt.Sprintf("link for %s not sent: %v", t.User, err))
	}
	params := map[string]any{"username": t.User}
	if b.domain != "" {
		params["domain"] = b.domain
	}
	if method != "" {
		params["method"] = method
	}
	if o.Expires != 0 {
		params["expires"] = o.Expires
	}
	if o.Comments != "" {
		params["comments"] = o.Comments
	}
	desc := "link for " + t.User
	raw, err := b.change(ctx, "PwReset.Send_Request", params, desc)
	if err != nil {
		return backends.Result{}, err
	}
	if isFalse(raw) {
		return backends.Result{}, backends.NewError(backends.Refused, fmt.Sprintf(
			"%s: WebADM answered false (no link made): check that the user has a %s, and that the PwReset web app is enabled (resetdesk check)",
			desc, contactFor(method)))
	}
	// Anything but a link or false: a link may have been made and mailed all the same.
	link, ok := linkOf(raw)
	if !ok {
		return backends.Result{}, backends.NewError(backends.Unanswered, fmt.Sprintf("%s: unexpected result %s (want the link)%s", desc, b.client.Text(string(raw)), mayBeDone))
	}
	return backends.Result{Secret: link, Message: linkMessage(method, o.Expires)}, nil
}

// isFalse reports whether a result is the literal false, WebADM's "not done".
func isFalse(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "false" }

// linkOf reads a result as a reset link: a string holding an http(s) URL.
func linkOf(raw json.RawMessage) (string, bool) {
	var link string
	if json.Unmarshal(raw, &link) != nil {
		return "", false
	}
	link = strings.TrimSpace(link)
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return link, true
}

func contactFor(method string) string {
	switch method {
	case MethodMail:
		return "mail address"
	case MethodSMS:
		return "mobile number"
	case MethodMailSMS:
		return "mail address and a mobile number"
	}
	return "mail address or mobile number for the delivery"
}

func linkMessage(method string, expires int) string {
	var msg string
	switch method {
	case MethodMail, MethodSMS:
		msg = "link sent by " + method
	case MethodMailSMS:
		msg = "link sent by MAIL and SMS"
	case MethodNone:
		msg = "link created, not sent: hand it over"
	default:
		msg = "link created and delivered per the server's Link Delivery Mode"
	}
	if expires != 0 {
		msg += fmt.Sprintf("; valid %d hours", expires)
	}
	return msg
}

func (b *Backend) setPassword(ctx context.Context, t backends.Target) (backends.Result, error) {
	if t.Secret == "" {
		return backends.Result{}, backends.NewError(backends.NotSent, "password for "+t.User+" not sent: no password to set")
	}
	if err := CheckPassword(t.Secret); err != nil {
		return backends.Result{}, backends.NewError(backends.NotSent, "password for "+t.User+" not sent: "+err.Error())
	}
	dn, err := b.userDN(ctx, t.User)
	if err != nil {
		return backends.Result{}, err
	}
	desc := "password for " + t.User
	params := map[string]any{"dn": dn, "password": t.Secret, "change": t.Options.MustChange}
	raw, err := b.change(ctx, "Set_User_Password", params, desc, t.Secret)
	if err != nil {
		return backends.Result{}, err
	}
	switch {
	case isFalse(raw):
		return backends.Result{}, backends.NewError(backends.Refused, desc+": WebADM answered false (password not set): the directory's password policy probably refused it (length, complexity, history)")
	case strings.TrimSpace(string(raw)) != "true":
		// PHP may say 1 or "true" for done: the password may be in effect.
		return backends.Result{}, backends.NewError(backends.Unanswered, fmt.Sprintf("%s: unexpected result %s (want true or false)%s", desc, b.client.Text(string(raw), t.Secret), mayBeDone))
	}
	msg := "password set"
	if t.Options.MustChange {
		msg += "; must be changed at next logon"
	}
	return backends.Result{Message: msg}, nil
}

// userDN looks up a user's DN. A lookup changes nothing, so a lost answer here is a
// plain failure, not an unknown outcome.
func (b *Backend) userDN(ctx context.Context, user string) (string, error) {
	params := map[string]any{"username": user}
	if b.domain != "" {
		params["domain"] = b.domain
	}
	var raw json.RawMessage
	err := b.call(ctx, "Get_User_DN", params, &raw, "looking up "+user)
	var e *backends.Error
	if errors.As(err, &e) && e.Kind == backends.Unanswered {
		msg := strings.TrimSuffix(e.Msg, "; the change may have been made")
		return "", &backends.Error{Kind: backends.Refused, Msg: msg + "; only the lookup was lost: the password was not changed"}
	}
	if err != nil {
		return "", err
	}
	var dn string
	if json.Unmarshal(raw, &dn) != nil || strings.TrimSpace(dn) == "" {
		return "", backends.NewError(backends.Refused, "user not found: "+user)
	}
	return dn, nil
}
