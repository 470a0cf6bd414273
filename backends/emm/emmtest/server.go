// Package emmtest is a fake WSO2 EMM 2.0.x server faithful to shared/contracts/emm.md:
// dynamic client registration, the OAuth password and refresh grants, the base64
// reset-password call with its user-store rules, and the user listing endpoints. It
// honours every fakekit.Faults knob, with calls named by their path
// ("/mdm-admin/users/reset-password"); Quirks adds what is EMM's own: access tokens that
// expire after a number of calls, refused refresh grants and a read-only user store. It
// is an ordinary package so that the demo can run it in-process.
package emmtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"resetdesk/backends/fakekit"
	"resetdesk/backends/fakeusers"
)

// The admin account the server accepts.
const (
	Username = "admin"
	Password = "emm-admin-pass"
)

// BodyEncoding is a Fail body of EMM's own: the 500 errorMessage of a password whose
// encoding the user store does not take.
const BodyEncoding = "encoding"

// User is one seeded user.
type User struct {
	Username  string `json:"username"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"emailAddress"`

	password string // decoded, as the user store keeps it
}

// Request is one request the server received, for contract assertions.
type Request struct {
	Method      string
	Path        string
	Query       string
	Auth        string
	ContentType string
	Body        string
}

// Faults are the fault knobs every fake shares; change them with Server.SetFaults while
// it runs. FailBody may also be BodyEncoding. A Fail answer with the contract's body
// echoes the request body in messageFromServer when Echo is set (the token form holds
// the admin's password, a reset the base64 of the new one).
type Faults = fakekit.Faults

// Quirks are EMM's own misbehaviours; change them with Server.SetQuirks.
type Quirks struct {
	// ExpireAfter expires every access token after that many authenticated calls (0 = never).
	ExpireAfter int
	// RefuseRefresh answers every refresh grant 400 invalid_grant.
	RefuseRefresh bool
	// ReadOnly makes the user store read-only: every reset is refused with 400.
	ReadOnly bool
}

// Option configures a new server.
type Option func(*Server)

// WithFaults starts the server with faults already set (the demo's latency).
func WithFaults(f Faults) Option { return func(s *Server) { s.SetFaults(f) } }

// Server is a running fake.
type Server struct {
	*httptest.Server
	fakekit.Kit[Request, Quirks]

	mu      sync.Mutex
	users   []*User
	byName  map[string]*User
	clients map[string]string // client_id -> client_secret

	access  fakekit.Tokens
	refresh fakekit.Tokens
	resets  atomic.Int64
}

// New starts a fake with n seeded users (fakeusers logins as user names) and the admin.
func New(n int, opts ...Option) *Server {
	s := &Server{byName: map[string]*User{}, clients: map[string]string{}}
	for _, p := range fakeusers.People(n) {
		s.addUser(&User{Username: p.Login, FirstName: p.First, LastName: p.Last, Email: p.Login + "@example.com"})
	}
	s.addUser(&User{Username: Username, FirstName: "EMM", LastName: "Administrator", Email: "admin@example.com", password: Password})
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(s.Handler(s.serve))
	return s
}

func (s *Server) addUser(u *User) {
	u.Username = userName(u.Username)
	s.users = append(s.users, u)
	s.byName[u.Username] = u
}

// userName is a user name as the user store keeps it: the primary store's users without
// its PRIMARY/ prefix (any case), a secondary store's with theirs (SECONDARY/kim).
func userName(name string) string {
	if store, rest, ok := strings.Cut(name, "/"); ok && strings.EqualFold(store, "PRIMARY") {
		return rest
	}
	return name
}

// AddUser adds a user; a user-store prefix names a secondary store ("SECONDARY/kim"),
// while PRIMARY/kim is kim of the primary store.
func (s *Server) AddUser(name, first, last string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(&User{Username: name, FirstName: first, LastName: last, Email: strings.ReplaceAll(name, "/", ".") + "@example.com"})
}

// Users returns the seeded user names in order, the admin left out.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.users {
		if u.Username != Username {
			out = append(out, u.Username)
		}
	}
	return out
}

// Password returns the password the user store holds for a user (decoded from base64,
// as EMM does), "" when none was set.
func (s *Server) Password(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byName[userName(user)]; u != nil {
		return u.password
	}
	return ""
}

// ExpireTokens makes every access token issued so far invalid (refresh tokens stay good).
func (s *Server) ExpireTokens() { s.access.ExpireAll() }

// ForgetClients drops every registered OAuth client, as a server reinstall would.
func (s *Server) ForgetClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients = map[string]string{}
}

// Resets counts the reset-password requests received.
func (s *Server) Resets() int { return int(s.resets.Load()) }

// answer is the mdm-admin answer shape; Gson leaves out empty fields.
type answer struct {
	StatusCode      int    `json:"statusCode"`
	Message         string `json:"messageFromServer,omitempty"`
	ResponseContent any    `json:"responseContent,omitempty"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := r.URL.Path
	rec := Request{Method: r.Method, Path: path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: string(body)}
	f, ok := s.Admit(w, r, path, rec, func(w http.ResponseWriter, f Faults) { fail(w, f, body) })
	if !ok {
		return
	}
	switch {
	case r.Method == http.MethodPost && path == "/dynamic-client-web/register":
		s.register(w, body)
		return
	case r.Method == http.MethodPost && path == "/oauth2/token":
		s.token(w, r, body)
		return
	}
	if !strings.HasPrefix(path, "/mdm-admin/") {
		http.NotFound(w, r)
		return
	}
	if !s.authorize(r, path) {
		// EMM 2.0's authenticator answers in plain text, not JSON.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, "Failed to authorize incoming request")
		return
	}
	switch {
	case r.Method == http.MethodPost && path == "/mdm-admin/users/reset-password":
		s.resets.Add(1)
		s.reset(w, body, path, f)
	case r.Method == http.MethodGet && path == "/mdm-admin/users":
		s.list(w, "")
	case r.Method == http.MethodGet && path == "/mdm-admin/users/view-users":
		s.list(w, r.URL.Query().Get("username"))
	case r.Method == http.MethodGet && path == "/mdm-admin/users/view":
		s.view(w, r.URL.Query().Get("username"))
	default:
		fakekit.WriteJSON(w, 404, answer{StatusCode: 404, Message: "No such resource: " + r.Method + " " + path})
	}
}

// fail answers an injected failure; with Echo, the answer carries the request body.
func fail(w http.ResponseWriter, f Faults, body []byte) {
	status := f.FailHead(w)
	switch f.FailBody {
	case fakekit.BodyHTML:
		fakekit.WriteHTML(w, status, "<html><head><title>Error 502 - Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>WSO2 Carbon Server</p></body></html>")
	case fakekit.BodyTruncated:
		fakekit.WriteTruncated(w, status, `{"statusCode":201,"messageFromServer":"User password by us`)
	case BodyEncoding:
		fakekit.WriteJSON(w, status, map[string]string{"errorMessage": "Could not change the password of the user: kim. The Character Encoding is not supported."})
	default:
		msg := "injected failure"
		if f.Echo {
			msg = "Could not process the request: " + string(body)
		}
		if strings.HasPrefix(string(body), "grant_type=") {
			// The token endpoint answers in OAuth's shape.
			oauthErr(w, status, "invalid_request", msg)
			return
		}
		fakekit.WriteJSON(w, status, answer{StatusCode: status, Message: msg})
	}
}

func (s *Server) register(w http.ResponseWriter, body []byte) {
	var req struct {
		Owner      string `json:"owner"`
		ClientName string `json:"clientName"`
		GrantType  string `json:"grantType"`
		TokenScope string `json:"tokenScope"`
		SaasApp    *bool  `json:"saasApp"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Owner == "" || req.ClientName == "" || req.SaasApp == nil ||
		!strings.Contains(" "+req.GrantType+" ", " password ") {
		fakekit.WriteJSON(w, 400, map[string]string{"error": "invalid_client_metadata", "error_description": "owner, clientName, grantType (with password) and saasApp are required"})
		return
	}
	id, secret := fakekit.RandomHex(12), fakekit.RandomHex(12)
	s.mu.Lock()
	s.clients[id] = secret
	s.mu.Unlock()
	fakekit.WriteJSON(w, 201, map[string]any{"client_id": id, "client_secret": secret, "client_name": req.Owner + "_" + req.ClientName,
		"callback_url": "", "grant_types": req.GrantType})
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	v := map[string]string{"error": code}
	if desc != "" {
		v["error_description"] = desc
	}
	fakekit.WriteJSON(w, status, v)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, body []byte) {
	id, secret, ok := r.BasicAuth()
	s.mu.Lock()
	known := ok && s.clients[id] == secret && secret != ""
	s.mu.Unlock()
	if !known {
		oauthErr(w, 401, "invalid_client", "Client Authentication failed.")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthErr(w, 400, "invalid_request", "the body must be form-encoded")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthErr(w, 400, "invalid_request", "malformed form body")
		return
	}
	switch form.Get("grant_type") {
	case "password":
		s.mu.Lock()
		u := s.byName[userName(form.Get("username"))]
		good := u != nil && u.Username == Username && u.password == form.Get("password") && form.Get("password") != ""
		s.mu.Unlock()
		if !good {
			oauthErr(w, 400, "invalid_grant", "Provided Authorization Grant is invalid")
			return
		}
	case "refresh_token":
		// Refresh tokens are single-use.
		if !s.refresh.Spend(form.Get("refresh_token")) || s.Quirks().RefuseRefresh {
			oauthErr(w, 400, "invalid_grant", "Persisted access token data not found")
			return
		}
	default:
		oauthErr(w, 400, "unsupported_grant_type", "")
		return
	}
	fakekit.WriteJSON(w, 200, map[string]any{"access_token": s.access.Issue(""), "refresh_token": s.refresh.Issue(""),
		"token_type": "Bearer", "expires_in": 3600, "scope": "prod"})
}

// authorize reports whether a call carries a good access token the Refuse knob spares.
func (s *Server) authorize(r *http.Request, path string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.access.Use(tok, s.Quirks().ExpireAfter) && !s.Refuses(path)
}

// storeRule is the user store's password rule, WSO2's default PasswordJavaRegEx
// ^\S{5,30}$: 5 to 30 characters, none of Java's white space [ \t\n\x0B\f\r].
func storeRule(pw []byte) bool {
	n := utf8.RuneCount(pw)
	return n >= 5 && n <= 30 && !strings.ContainsAny(string(pw), " \t\n\v\f\r")
}

// lenientDecode decodes base64 as EMM does: characters outside the alphabet are
// skipped, so a password sent unencoded becomes garbage rather than an error.
func lenientDecode(s string) []byte {
	clean := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' {
			return r
		}
		return -1
	}, s)
	if len(clean)%4 == 1 { // a lone trailing character carries no whole byte
		clean = clean[:len(clean)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(clean)
	return out
}

func (s *Server) reset(w http.ResponseWriter, body []byte, path string, f Faults) {
	var req struct {
		Username    string `json:"username"`
		OldPassword string `json:"oldPassword"`
		NewPassword string `json:"newPassword"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fakekit.WriteJSON(w, 400, answer{StatusCode: 400, Message: "Could not change the password."})
		return
	}
	pw := lenientDecode(req.NewPassword)
	if !utf8.Valid(pw) {
		fakekit.WriteJSON(w, 500, map[string]string{"errorMessage": "Could not change the password of the user: " + req.Username + ". The Character Encoding is not supported."})
		return
	}
	s.mu.Lock()
	u := s.byName[userName(req.Username)]
	if u == nil || s.Quirks().ReadOnly || !storeRule(pw) {
		s.mu.Unlock()
		fakekit.WriteJSON(w, 400, answer{StatusCode: 400, Message: "Could not change the password."})
		return
	}
	u.password = string(pw)
	s.mu.Unlock()
	// The change is made; the answer is lost or spoiled.
	if f.Spoils(w, path) {
		return
	}
	fakekit.WriteJSON(w, 201, answer{StatusCode: 201, Message: "User password by username: " + req.Username + " was successfully changed."})
}

func (s *Server) list(w http.ResponseWriter, contains string) {
	s.mu.Lock()
	out := []User{}
	for _, u := range s.users {
		if strings.Contains(strings.ToLower(u.Username), strings.ToLower(contains)) {
			out = append(out, *u)
		}
	}
	s.mu.Unlock()
	msg := "All users were successfully retrieved."
	if contains != "" {
		msg = "All users by username were successfully retrieved."
	}
	fakekit.WriteJSON(w, 200, answer{StatusCode: 200, Message: msg, ResponseContent: out})
}

func (s *Server) view(w http.ResponseWriter, name string) {
	s.mu.Lock()
	u := s.byName[userName(name)]
	var cp User
	if u != nil {
		cp = *u
	}
	s.mu.Unlock()
	if u == nil {
		// The real server answers HTTP 404 with statusCode 400 in the body.
		fakekit.WriteJSON(w, 404, answer{StatusCode: 400, Message: "User by username: " + name + " does not exist."})
		return
	}
	fakekit.WriteJSON(w, 200, answer{StatusCode: 200, Message: "User information was retrieved successfully.", ResponseContent: cp})
}
