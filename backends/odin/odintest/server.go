// Package odintest is a fake Odin API (Cisco BroadWorks) faithful to
// shared/contracts/odin.md: JWT login and refresh, password and passcode generators, the
// three reset calls, and user search. Knobs inject the faults a real deployment shows:
// latency, expiring tokens, short generator answers, error bodies, HTML pages where JSON
// was due, truncated JSON, dropped connections and hung requests. It is an ordinary
// package so that the demo can run it in-process.
package odintest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"resetdesk/backends/fakekit"
	"resetdesk/backends/fakeusers"
)

// Defaults of a new server.
const (
	Username        = "admin"
	Password        = "odin-pass"
	ServiceProvider = "ent.odin"
	Group           = "grp.odin"
	Domain          = "odinapi.net"
)

// User is one seeded BroadWorks user.
type User struct {
	ServiceProviderID string `json:"serviceProviderId"`
	GroupID           string `json:"groupId"`
	UserID            string `json:"userId"`
	LastName          string `json:"lastName"`
	FirstName         string `json:"firstName"`
	PhoneNumber       string `json:"phoneNumber"`
	Extension         string `json:"extension"`
	EmailAddress      string `json:"emailAddress"`
	Department        string `json:"department"`

	// what a reset changes
	sipPassword string
	passcode    string
	webPassword string
	noAuthSvc   bool // the Authentication service is not assigned
}

// Request is one request the server received, for contract assertions.
type Request struct {
	Method string
	Path   string
	Query  string
	Auth   string
	Body   string
}

// Faults the server can inject. Change them with Server.SetFaults while it runs.
type Faults struct {
	Latency time.Duration // added to every request
	// ExpireAfter expires every token after that many authenticated calls (0 = never).
	ExpireAfter int
	// ShortBy makes each generator answer that many items short (at least one is given).
	ShortBy int
	// FailPath answers requests whose path ends with it with Status and Body.
	FailPath   string
	FailStatus int
	FailBody   string // "" = the contract's JSON error; "html" = an HTML page; "truncated" = cut JSON
	RetryAfter int    // with FailStatus 429/503: the Retry-After seconds
	FailTimes  int    // fail this many times, then behave (0 = always)
	// HangPath: requests whose path ends with it never get an answer (until the client gives up).
	HangPath string
	// ResetPath: requests whose path ends with it see the connection dropped after the request
	// was read — after applying the change, as a server that crashed mid-answer would.
	ResetPath string
	// UnknownUsers answer 404 to a reset.
	UnknownUsers map[string]bool
}

// Server is a running fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	users    []*User
	byID     map[string]*User
	tokens   map[string]int // token -> calls made with it
	faults   Faults
	failed   fakekit.Budget // FailTimes; reset with the faults under mu
	requests fakekit.Log[Request]

	inFlight fakekit.InFlight
	resets   atomic.Int64
}

// New starts a fake with n seeded users in ServiceProvider/Group.
func New(n int) *Server {
	s := &Server{byID: map[string]*User{}, tokens: map[string]int{}}
	for _, p := range fakeusers.People(n) {
		u := &User{
			ServiceProviderID: ServiceProvider, GroupID: Group,
			UserID:   p.Phone + "@" + Domain,
			LastName: p.Last, FirstName: p.First, PhoneNumber: p.Phone, Extension: p.Extension,
			EmailAddress: p.Login + "@example.com", Department: p.Department,
		}
		s.users = append(s.users, u)
		s.byID[u.UserID] = u
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// BaseURL is the API base a profile points at (…/api/v2).
func (s *Server) BaseURL() string { return s.URL + "/api/v2" }

// Users returns the seeded user ids in order.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.users))
	for i, u := range s.users {
		ids[i] = u.UserID
	}
	return ids
}

// SetFaults replaces the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.failed.Reset()
}

// RemoveAuthService takes the Authentication service away from a user: SIP resets fail.
func (s *Server) RemoveAuthService(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byID[userID]; u != nil {
		u.noAuthSvc = true
	}
}

// SIPPassword, Passcode and WebPassword return what the server holds for a user.
func (s *Server) SIPPassword(userID string) string {
	return s.field(userID, func(u *User) string { return u.sipPassword })
}

// Passcode returns the voicemail/portal passcode the server holds.
func (s *Server) Passcode(userID string) string {
	return s.field(userID, func(u *User) string { return u.passcode })
}

// WebPassword returns the web login password the server holds.
func (s *Server) WebPassword(userID string) string {
	return s.field(userID, func(u *User) string { return u.webPassword })
}

func (s *Server) field(id string, f func(*User) string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byID[id]; u != nil {
		return f(u)
	}
	return ""
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request { return s.requests.All() }

// MaxInFlight is the most requests the server handled at once.
func (s *Server) MaxInFlight() int { return s.inFlight.Max() }

// Resets counts the reset (PUT /users/...) requests received.
func (s *Server) Resets() int { return int(s.resets.Load()) }

type apiError struct {
	Status  int    `json:"status"`
	Error   string `json:"error"`
	Details string `json:"details"`
}

func writeErr(w http.ResponseWriter, status int, details string) {
	fakekit.WriteJSON(w, status, apiError{Status: status, Error: http.StatusText(status), Details: details})
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "eyJ" + hex.EncodeToString(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Begin()
	defer s.inFlight.End()
	// Odin's fake reads the whole body, with no size limit (unlike the other fakes).
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v2")
	// The request is logged and the faults read under one lock, so that a test that saw
	// the request logged and then changes the faults knows which faults it got.
	s.mu.Lock()
	s.requests.Add(Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: string(body)})
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
	if r.Method == http.MethodGet && r.URL.Path == "/_fake/state" {
		// Not part of Odin: lets an end-to-end test ask the simulated server (running
		// inside the demo process) what it holds.
		s.state(w, r.URL.Query().Get("userId"))
		return
	}
	if r.Method == http.MethodPost && path == "/auth/token" {
		s.login(w, body)
		return
	}
	if !s.authorize(w, r, f) {
		return
	}
	switch {
	case r.Method == http.MethodPut && path == "/auth/token":
		fakekit.WriteJSON(w, 200, map[string]string{"token": s.issue()})
	case r.Method == http.MethodGet && path == "/password/generate":
		s.generate(w, r, f, "password", "passwords", false)
	case r.Method == http.MethodGet && path == "/passcode/generate":
		s.generate(w, r, f, "passcode", "passcodes", true)
	case r.Method == http.MethodPut && (path == "/users/authentication" || path == "/users/portal-passcode" || path == "/users/passwords"):
		s.resets.Add(1)
		s.reset(w, r, path, body, f)
	case r.Method == http.MethodGet && path == "/users":
		s.search(w, r)
	case r.Method == http.MethodGet && path == "/service-providers":
		fakekit.WriteJSON(w, 200, []map[string]string{{"serviceProviderId": ServiceProvider, "serviceProviderName": "Odin Enterprise"}})
	default:
		writeErr(w, 404, fmt.Sprintf("[Error 4000] No such endpoint: %s %s", r.Method, path))
	}
}

func (s *Server) state(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byID[id]
	if u == nil {
		writeErr(w, 404, "no such user")
		return
	}
	fakekit.WriteJSON(w, 200, map[string]string{"sip": u.sipPassword, "vm": u.passcode, "web": u.webPassword})
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
		fakekit.WriteHTML(w, f.FailStatus, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr>nginx</body></html>")
	case "truncated":
		fakekit.WriteTruncated(w, f.FailStatus, `{"status": 500, "error": "Internal Ser`)
	default:
		writeErr(w, f.FailStatus, "[Error 9999] injected failure")
	}
}

func (s *Server) login(w http.ResponseWriter, body []byte) {
	var c struct{ Username, Password string }
	if err := json.Unmarshal(body, &c); err != nil {
		writeErr(w, 400, "[Error 4001] Malformed JSON body")
		return
	}
	if c.Username != Username || c.Password != Password {
		writeErr(w, 401, "[Error 4003] Invalid username or password")
		return
	}
	fakekit.WriteJSON(w, 200, map[string]string{"token": s.issue()})
}

func (s *Server) issue() string {
	t := newToken()
	s.mu.Lock()
	s.tokens[t] = 0
	s.mu.Unlock()
	return t
}

// ExpireTokens makes every token issued so far invalid, as after 24 hours.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]int{}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, f Faults) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	calls, known := s.tokens[tok]
	if ok && known {
		calls++
		s.tokens[tok] = calls
		if f.ExpireAfter > 0 && calls > f.ExpireAfter {
			delete(s.tokens, tok)
			known = false
		}
	}
	s.mu.Unlock()
	if !ok || !known {
		writeErr(w, 401, "[Error 4002] Token expired or invalid")
		return false
	}
	return true
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, f Faults, one, many string, digits bool) {
	q := r.URL.Query()
	if digits || one == "password" && q.Has("groupId") {
		if q.Get("serviceProviderId") != ServiceProvider || q.Get("groupId") != Group {
			writeErr(w, 404, fmt.Sprintf("[Error 4008] Group not found: %s/%s", q.Get("serviceProviderId"), q.Get("groupId")))
			return
		}
	}
	gen := func() string {
		if digits {
			return digitString(8)
		}
		return sipPassword()
	}
	if !q.Has("limit") {
		fakekit.WriteJSON(w, 200, map[string]string{one: gen()})
		return
	}
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n < 1 || n > 1000 {
		writeErr(w, 400, "[Error 4010] limit must be 1..1000")
		return
	}
	if f.ShortBy > 0 {
		n = max(1, n-f.ShortBy)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = gen()
	}
	fakekit.WriteJSON(w, 200, map[string][]string{many: out})
}

const sipChars = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789[]{}:+-!#"

func sipPassword() string {
	for {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		for i := range b {
			b[i] = sipChars[int(b[i])%len(sipChars)]
		}
		p := string(b)
		if strings.ContainsAny(p, "ABCDEFGHJKLMNPQRSTUVWXYZ") && strings.ContainsAny(p, "abcdefghijkmnopqrstuvwxyz") {
			return p
		}
	}
}

func digitString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request, path string, body []byte, f Faults) {
	var req struct {
		UserID      string  `json:"userId"`
		NewPassword *string `json:"newPassword"`
		NewPasscode *string `json:"newPasscode"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeErr(w, 400, "[Error 4001] Malformed JSON body")
		return
	}
	s.mu.Lock()
	u := s.byID[req.UserID]
	if u == nil || f.UnknownUsers[req.UserID] {
		s.mu.Unlock()
		writeErr(w, 404, "[Error 4008] User not found: "+req.UserID)
		return
	}
	var answer any
	switch path {
	case "/users/authentication":
		pw := deref(req.NewPassword)
		local := strings.SplitN(u.UserID, "@", 2)[0]
		switch {
		case u.noAuthSvc:
			s.mu.Unlock()
			writeErr(w, 400, "[Error 4410] Authentication service not assigned to user "+u.UserID)
			return
		case len(pw) < 6 || len(pw) > 60 || !strings.ContainsAny(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.ContainsAny(pw, "abcdefghijklmnopqrstuvwxyz") || strings.Contains(pw, local):
			s.mu.Unlock()
			writeErr(w, 400, "[Error 4200] Invalid password: does not meet the system password rules")
			return
		}
		u.sipPassword = pw
		answer = map[string]string{"userId": u.UserID, "userName": local, "newPassword": ""}
	case "/users/portal-passcode":
		pc := deref(req.NewPasscode)
		if len(pc) < 4 || strings.Trim(pc, "0123456789") != "" {
			s.mu.Unlock()
			writeErr(w, 400, "[Error 4201] Invalid passcode: digits only, per the group's rules")
			return
		}
		u.passcode = pc
		answer = []any{}
	default:
		pw := deref(req.NewPassword)
		if len(pw) < 6 {
			s.mu.Unlock()
			writeErr(w, 400, "[Error 4200] Invalid password: too short")
			return
		}
		u.webPassword = pw
		answer = map[string]any{}
	}
	s.mu.Unlock()
	// The change is made; the answer is lost.
	if f.ResetPath != "" && strings.HasSuffix(path, f.ResetPath) && fakekit.DropConnection(w) {
		return
	}
	fakekit.WriteJSON(w, 200, answer)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var searchKeys = []string{"userId", "lastName", "firstName", "dn", "extension", "emailAddress", "macAddress"}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sp, grp := q.Get("serviceProviderId"), q.Get("groupId")
	limit := 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	key, pattern := "", ""
	for _, k := range searchKeys {
		if q.Has(k) {
			key, pattern = k, q.Get(k)
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == "userId" && !strings.Contains(pattern, "*") {
		u := s.byID[pattern]
		if u == nil {
			writeErr(w, 404, "[Error 4008] User not found: "+pattern)
			return
		}
		fakekit.WriteJSON(w, 200, u)
		return
	}
	if key == "" && (sp == "" || grp == "") {
		writeErr(w, 400, "[Error 4011] A search parameter or serviceProviderId and groupId are required")
		return
	}
	out := []*User{}
	for _, u := range s.users {
		if sp != "" && u.ServiceProviderID != sp || grp != "" && u.GroupID != grp {
			continue
		}
		if key != "" && !wildcardMatch(pattern, fieldOf(u, key)) {
			continue
		}
		out = append(out, u)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	fakekit.WriteJSON(w, 200, out)
}

func fieldOf(u *User, key string) string {
	switch key {
	case "userId":
		return u.UserID
	case "lastName":
		return u.LastName
	case "firstName":
		return u.FirstName
	case "dn":
		return u.PhoneNumber
	case "extension":
		return u.Extension
	case "emailAddress":
		return u.EmailAddress
	}
	return ""
}

// wildcardMatch matches a pattern where '*' is any run of characters, case-insensitively.
func wildcardMatch(pattern, s string) bool {
	pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
