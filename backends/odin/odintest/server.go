// Package odintest is a fake Odin API (Cisco BroadWorks) faithful to
// shared/contracts/odin.md: JWT login and refresh, password and passcode generators, the
// three reset calls, user search, and the service provider and group lists. It honours
// every fakekit.Faults knob, with calls named by their path below /api/v2
// ("/users/authentication"); Quirks adds what is Odin's own: tokens that expire after a
// number of calls and generator answers that come short. It is an ordinary package so
// that the demo can run it in-process.
package odintest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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

// Faults are the fault knobs every fake shares; change them with Server.SetFaults while
// it runs. A Fail answer with the contract's body echoes the request body in its
// details when Echo is set (the login body holds the password, a reset's the new one).
type Faults = fakekit.Faults

// Quirks are Odin's own misbehaviours; change them with Server.SetQuirks.
type Quirks struct {
	// ExpireAfter expires every token after that many authenticated calls (0 = never).
	ExpireAfter int
	// ShortBy makes each generator answer that many items short (at least one is given).
	ShortBy int
}

// Option configures a new server.
type Option func(*Server)

// WithFaults starts the server with faults already set (the demo's latency).
func WithFaults(f Faults) Option { return func(s *Server) { s.SetFaults(f) } }

// Server is a running fake.
type Server struct {
	*httptest.Server
	fakekit.Kit[Request, Quirks]

	mu        sync.Mutex
	users     []*User
	byID      map[string]*User
	generated []string // every secret the generators made, in order

	tokens fakekit.Tokens
	resets atomic.Int64
}

// New starts a fake with n seeded users in ServiceProvider/Group.
func New(n int, opts ...Option) *Server {
	s := &Server{byID: map[string]*User{}}
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
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(s.Handler(s.serve))
	return s
}

// ProfileTOML is a config table for a profile named name that points at this fake
// with its account, service provider and group: what tests write in a config file.
func (s *Server) ProfileTOML(name string) string {
	return fmt.Sprintf("[profiles.%s]\nkind = \"odin\"\nurl = %q\nusername = %q\nservice_provider = %q\ngroup = %q\n",
		name, s.BaseURL(), Username, ServiceProvider, Group)
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

// Generated returns every secret the generators made so far: what a client may have
// sent as a new password or passcode.
func (s *Server) Generated() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.generated...)
}

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

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Odin's fake reads the whole body, with no size limit (unlike the other fakes).
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v2")
	rec := Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: string(body)}
	f, ok := s.Admit(w, r, path, rec, func(w http.ResponseWriter, f Faults) { fail(w, f, body) })
	if !ok {
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
	if !s.authorize(w, r, path) {
		return
	}
	switch {
	case r.Method == http.MethodPut && path == "/auth/token":
		fakekit.WriteJSON(w, 200, map[string]string{"token": s.tokens.Issue("eyJ")})
	case r.Method == http.MethodGet && path == "/password/generate":
		s.generate(w, r, "password", "passwords", false)
	case r.Method == http.MethodGet && path == "/passcode/generate":
		s.generate(w, r, "passcode", "passcodes", true)
	case r.Method == http.MethodPut && (path == "/users/authentication" || path == "/users/portal-passcode" || path == "/users/passwords"):
		s.resets.Add(1)
		s.reset(w, path, body, f)
	case r.Method == http.MethodGet && path == "/users":
		s.search(w, r)
	case r.Method == http.MethodGet && path == "/service-providers":
		fakekit.WriteJSON(w, 200, []map[string]string{{"serviceProviderId": ServiceProvider, "serviceProviderName": "Odin Enterprise"}})
	case r.Method == http.MethodGet && path == "/groups":
		s.groups(w, r.URL.Query().Get("serviceProviderId"))
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

// fail answers an injected failure; with Echo, the details carry the request body.
func fail(w http.ResponseWriter, f Faults, body []byte) {
	status := f.FailHead(w)
	switch f.FailBody {
	case fakekit.BodyHTML:
		fakekit.WriteHTML(w, status, "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><hr>nginx</body></html>")
	case fakekit.BodyTruncated:
		fakekit.WriteTruncated(w, status, `{"status": 500, "error": "Internal Ser`)
	default:
		details := "[Error 9999] injected failure"
		if f.Echo {
			details = "[Error 4001] Could not process the request body: " + string(body)
		}
		writeErr(w, status, details)
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
	fakekit.WriteJSON(w, 200, map[string]string{"token": s.tokens.Issue("eyJ")})
}

// ExpireTokens makes every token issued so far invalid, as after 24 hours.
func (s *Server) ExpireTokens() { s.tokens.ExpireAll() }

// authorize answers 401 to a call without a good token, or one the Refuse knob aims at.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, path string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.tokens.Use(tok, s.Quirks().ExpireAfter) || s.Refuses(path) {
		writeErr(w, 401, "[Error 4002] Token expired or invalid")
		return false
	}
	return true
}

func (s *Server) groups(w http.ResponseWriter, sp string) {
	if sp != ServiceProvider {
		writeErr(w, 404, "[Error 4008] Service provider not found: "+sp)
		return
	}
	fakekit.WriteJSON(w, 200, []map[string]string{{"serviceProviderId": ServiceProvider, "groupId": Group, "groupName": "Odin Group"}})
}

func (s *Server) generate(w http.ResponseWriter, r *http.Request, one, many string, digits bool) {
	q := r.URL.Query()
	if digits || one == "password" && q.Has("groupId") {
		if q.Get("serviceProviderId") != ServiceProvider || q.Get("groupId") != Group {
			writeErr(w, 404, fmt.Sprintf("[Error 4008] Group not found: %s/%s", q.Get("serviceProviderId"), q.Get("groupId")))
			return
		}
	}
	n := 1
	if q.Has("limit") {
		var err error
		n, err = strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, 400, "[Error 4010] limit must be 1..1000")
			return
		}
		if short := s.Quirks().ShortBy; short > 0 {
			n = max(1, n-short)
		}
	}
	out := make([]string, n)
	for i := range out {
		if digits {
			out[i] = digitString(8)
		} else {
			out[i] = sipPassword()
		}
	}
	s.mu.Lock()
	s.generated = append(s.generated, out...)
	s.mu.Unlock()
	if !q.Has("limit") {
		fakekit.WriteJSON(w, 200, map[string]string{one: out[0]})
		return
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

func (s *Server) reset(w http.ResponseWriter, path string, body []byte, f Faults) {
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
	if u == nil {
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
	// The change is made; the answer is lost or spoiled.
	if f.Spoils(w, path) {
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
