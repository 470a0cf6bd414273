// Package emmtest is a fake WSO2 EMM 2.0.x server faithful to shared/contracts/emm.md:
// dynamic client registration, the OAuth password and refresh grants, the base64
// reset-password call with its user-store rules, and the user listing endpoints. Knobs
// inject the faults a real deployment shows: latency, expiring tokens, error bodies, HTML
// pages where JSON was due, truncated JSON, dropped connections and hung requests. It is
// an ordinary package so that the demo can run it in-process.
package emmtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"resetdesk/backends/fakekit"
	"resetdesk/backends/fakeusers"
)

// The admin account the server accepts.
const (
	Username = "admin"
	Password = "emm-admin-pass"
)

// storeRule is the user store's password regex (WSO2's default PasswordJavaRegEx).
var storeRule = regexp.MustCompile(`^\S{5,30}$`)

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

// Faults the server can inject. Change them with SetFaults while it runs.
type Faults struct {
	Latency time.Duration // added to every request
	// ExpireAfter expires every access token after that many authenticated calls (0 = never).
	ExpireAfter int
	// RefuseRefresh answers every refresh grant 400 invalid_grant.
	RefuseRefresh bool
	// FailPath answers requests whose path ends with it with FailStatus and FailBody.
	FailPath   string
	FailStatus int
	// FailBody: "" = {"statusCode":..,"messageFromServer":"injected failure"}; "html" = an
	// HTML page; "truncated" = cut JSON; "encoding" = the 500 errorMessage shape.
	FailBody   string
	RetryAfter int // with 429/503: the Retry-After seconds
	FailTimes  int // fail this many times, then behave (0 = always)
	// HangPath: requests whose path ends with it get no answer until the client gives up.
	HangPath string
	// ResetPath: requests whose path ends with it see the connection dropped after the
	// change was made, as a server that crashed mid-answer would.
	ResetPath string
	// ReadOnly makes the user store read-only: every reset is refused with 400.
	ReadOnly bool
}

// Server is a running fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	users    []*User
	byName   map[string]*User
	clients  map[string]string // client_id -> client_secret
	access   map[string]int    // access token -> calls made with it
	refresh  map[string]bool
	faults   Faults
	failed   fakekit.Budget // FailTimes; reset with the faults under mu
	requests fakekit.Log[Request]

	inFlight fakekit.InFlight
	resets   atomic.Int64
}

// New starts a fake with n seeded users (fakeusers logins as user names).
func New(n int) *Server {
	s := &Server{byName: map[string]*User{}, clients: map[string]string{}, access: map[string]int{}, refresh: map[string]bool{}}
	for _, p := range fakeusers.People(n) {
		s.addUser(&User{Username: p.Login, FirstName: p.First, LastName: p.Last, Email: p.Login + "@example.com"})
	}
	s.addUser(&User{Username: Username, FirstName: "EMM", LastName: "Administrator", Email: "admin@example.com", password: Password})
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) addUser(u *User) {
	s.users = append(s.users, u)
	s.byName[u.Username] = u
}

// AddUser adds a user, such as one with a user-store prefix ("PRIMARY/kim").
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
	if u := s.byName[user]; u != nil {
		return u.password
	}
	return ""
}

// SetFaults replaces the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.failed.Reset()
}

// ExpireTokens makes every access token issued so far invalid (refresh tokens stay good).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]int{}
}

// ForgetClients drops every registered OAuth client, as a server reinstall would.
func (s *Server) ForgetClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients = map[string]string{}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request { return s.requests.All() }

// MaxInFlight is the most requests the server handled at once.
func (s *Server) MaxInFlight() int { return s.inFlight.Max() }

// Resets counts the reset-password requests received.
func (s *Server) Resets() int { return int(s.resets.Load()) }

// answer is the mdm-admin answer shape; Gson leaves out empty fields.
type answer struct {
	StatusCode      int    `json:"statusCode"`
	Message         string `json:"messageFromServer,omitempty"`
	ResponseContent any    `json:"responseContent,omitempty"`
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Begin()
	defer s.inFlight.End()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := r.URL.Path
	// The request is logged and the faults read under one lock, so that a test that saw
	// the request logged and then changes the faults knows which faults it got.
	s.mu.Lock()
	s.requests.Add(Request{Method: r.Method, Path: path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"), Body: string(body)})
	f := s.faults
	s.mu.Unlock()

	if !fakekit.Sleep(r.Context(), f.Latency) {
		return
	}
	if f.HangPath != "" && strings.HasSuffix(path, f.HangPath) {
		fakekit.Hang(r)
		return
	}
	if f.FailPath != "" && strings.HasSuffix(path, f.FailPath) && s.takeFailure() {
		s.fail(w, f)
		return
	}
	switch {
	case r.Method == http.MethodPost && path == "/dynamic-client-web/register":
		s.register(w, body)
		return
	case r.Method == http.MethodPost && path == "/oauth2/token":
		s.token(w, r, body, f)
		return
	}
	if !strings.HasPrefix(path, "/mdm-admin/") {
		http.NotFound(w, r)
		return
	}
	if !s.authorize(r, f) {
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

// takeFailure spends one injected failure against FailTimes as set now (not the
// request's snapshot), under the same lock as SetFaults.
func (s *Server) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed.Take(s.faults.FailTimes)
}

func (s *Server) fail(w http.ResponseWriter, f Faults) {
	if f.RetryAfter > 0 || f.FailStatus == http.StatusTooManyRequests {
		fakekit.SetRetryAfter(w, f.RetryAfter)
	}
	switch f.FailBody {
	case "html":
		fakekit.WriteHTML(w, f.FailStatus, "<html><head><title>Error 502 - Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>WSO2 Carbon Server</p></body></html>")
	case "truncated":
		fakekit.WriteTruncated(w, f.FailStatus, `{"statusCode":201,"messageFromServer":"User password by us`)
	case "encoding":
		fakekit.WriteJSON(w, f.FailStatus, map[string]string{"errorMessage": "Could not change the password of the user: kim. The Character Encoding is not supported."})
	default:
		fakekit.WriteJSON(w, f.FailStatus, answer{StatusCode: f.FailStatus, Message: "injected failure"})
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
	id, secret := randHex(12), randHex(12)
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

func (s *Server) token(w http.ResponseWriter, r *http.Request, body []byte, f Faults) {
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
		u := s.byName[form.Get("username")]
		good := u != nil && u.Username == Username && u.password == form.Get("password") && form.Get("password") != ""
		s.mu.Unlock()
		if !good {
			oauthErr(w, 400, "invalid_grant", "Provided Authorization Grant is invalid")
			return
		}
	case "refresh_token":
		rt := form.Get("refresh_token")
		s.mu.Lock()
		good := s.refresh[rt] && !f.RefuseRefresh
		delete(s.refresh, rt) // refresh tokens are single-use
		s.mu.Unlock()
		if !good {
			oauthErr(w, 400, "invalid_grant", "Persisted access token data not found")
			return
		}
	default:
		oauthErr(w, 400, "unsupported_grant_type", "")
		return
	}
	access, refresh := randHex(16), randHex(16)
	s.mu.Lock()
	s.access[access] = 0
	s.refresh[refresh] = true
	s.mu.Unlock()
	fakekit.WriteJSON(w, 200, map[string]any{"access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600, "scope": "prod"})
}

func (s *Server) authorize(r *http.Request, f Faults) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	calls, known := s.access[tok]
	if !ok || !known {
		return false
	}
	calls++
	s.access[tok] = calls
	if f.ExpireAfter > 0 && calls > f.ExpireAfter {
		delete(s.access, tok)
		return false
	}
	return true
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
	u := s.byName[req.Username]
	if u == nil || f.ReadOnly || !storeRule.Match(pw) {
		s.mu.Unlock()
		fakekit.WriteJSON(w, 400, answer{StatusCode: 400, Message: "Could not change the password."})
		return
	}
	u.password = string(pw)
	s.mu.Unlock()
	// The change is made; the answer is lost.
	if f.ResetPath != "" && strings.HasSuffix(path, f.ResetPath) && fakekit.DropConnection(w) {
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
	u := s.byName[name]
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
