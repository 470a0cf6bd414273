// Package prmtest is a fake Password Reset Module (Bright Pattern, Active Directory)
// faithful to shared/contracts/prm.md: POST /api/users with a static or time-based
// token, the four user id forms, a generated password per success and a bare
// {"res":"failed"} for every refusal. It honours every fakekit.Faults knob, with the one
// call named by its path ("/api/users"); Quirks adds what is the module's own. It is an
// ordinary package so that the demo can run it in-process.
package prmtest

import (
	"crypto/rand"
	"crypto/sha1"
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
	Token   = "prm-shared-token"
	Domain  = "corp.example.com"
	NetBIOS = "CORP"
	BaseDN  = "CN=Users,DC=corp,DC=example,DC=com"
)

// BodyOK is a Fail body of the module's own: a success answer (with a password) under
// the Fail status.
const BodyOK = "ok"

// User is one seeded AD user.
type User struct {
	Login string // sAMAccountName, e.g. "jdoe"
	CN    string // "Jane Doe"

	password string
	refused  bool // in a disallowed group: every reset fails
}

// DN is the user's distinguished name, as the service returns it.
func (u *User) DN() string { return "CN=" + u.CN + "," + BaseDN }

// Request is one request the server received, for contract assertions.
type Request struct {
	Method      string
	Path        string
	Auth        string
	ContentType string
	Body        string
}

// Faults are the fault knobs every fake shares; change them with Server.SetFaults while
// it runs. FailBody may also be BodyOK. With Echo, a Fail answer is the plain-text error
// page of an unhandled exception that echoes the Authorization header. Refuse answers
// as a refused token.
type Faults = fakekit.Faults

// Quirks are the module's own misbehaviours; change them with Server.SetQuirks.
type Quirks struct {
	// OKWithoutPassword answers {"res":"ok"} with no password (the password is changed).
	OKWithoutPassword bool
	// BadTokenStatus is the status for a wrong token (default 401).
	BadTokenStatus int
}

// Option configures a new server.
type Option func(*Server)

// WithFaults starts the server with faults already set (the demo's latency).
func WithFaults(f Faults) Option { return func(s *Server) { s.SetFaults(f) } }

// WithTimeBased starts the server expecting time-based tokens.
func WithTimeBased() Option { return func(s *Server) { s.timeBased = true } }

// Server is a running fake.
type Server struct {
	*httptest.Server
	fakekit.Kit[Request, Quirks]

	mu        sync.Mutex
	users     []*User
	byKey     map[string]*User // lower-cased id forms -> user
	timeBased bool
	now       func() time.Time

	resets atomic.Int64
}

// New starts a fake with n seeded users that accepts the static Token.
func New(n int, opts ...Option) *Server {
	s := &Server{byKey: map[string]*User{}, now: time.Now}
	for _, p := range fakeusers.People(n) {
		s.addLocked(&User{Login: p.Login, CN: p.First + " " + p.Last})
	}
	for _, o := range opts {
		o(s)
	}
	s.Server = httptest.NewServer(s.Handler(s.serve))
	return s
}

// SetTimeBased switches the server between the static and the time-based token.
func (s *Server) SetTimeBased(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeBased = on
}

// SetClock replaces the server's clock (for time-based tokens).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Disallow puts a user in a disallowed group: its resets fail with {"res":"failed"}.
func (s *Server) Disallow(login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byKey[strings.ToLower(login)]; u != nil {
		u.refused = true
	}
}

// Users returns the seeded logins in order.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.users))
	for i, u := range s.users {
		out[i] = u.Login
	}
	return out
}

// DN returns the distinguished name of a user given in any id form ("" if unknown).
func (s *Server) DN(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byKey[strings.ToLower(id)]; u != nil {
		return u.DN()
	}
	return ""
}

// Password returns the password the directory holds for a user (any id form).
func (s *Server) Password(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byKey[strings.ToLower(id)]; u != nil {
		return u.password
	}
	return ""
}

// Resets counts the POST /api/users requests received.
func (s *Server) Resets() int { return int(s.resets.Load()) }

// timeToken is the vendor's scheme, written out independently of the client's.
func timeToken(shared string, window int64) string {
	sum := sha1.Sum([]byte(shared + strconv.FormatInt(window, 10)))
	return hex.EncodeToString(sum[:])
}

// tokenOK accepts the static token, or a time-based one of the current window ±1.
func (s *Server) tokenOK(auth string) bool {
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return false
	}
	s.mu.Lock()
	timeBased, now := s.timeBased, s.now
	s.mu.Unlock()
	if !timeBased {
		return tok == Token
	}
	w := now().Unix() / 300
	for _, d := range []int64{-1, 0, 1} {
		if tok == timeToken(Token, w+d) {
			return true
		}
	}
	return false
}

// failedBody is the module's one refusal, for every reason.
const failedBody = `{"res":"failed"}`

func writeFailed(w http.ResponseWriter, status int) {
	fakekit.WriteJSONAs(w, status, "application/json", json.RawMessage(failedBody))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if r.Method == http.MethodPost && r.URL.Path == "/api/users" {
		s.resets.Add(1)
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Body: string(body)}
	f, ok := s.Admit(w, r, r.URL.Path, rec, func(w http.ResponseWriter, f Faults) { fail(w, r, f) })
	if !ok {
		return
	}
	if r.URL.Path != "/api/users" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	q := s.Quirks()
	if !s.tokenOK(r.Header.Get("Authorization")) || s.Refuses(r.URL.Path) {
		status := q.BadTokenStatus
		if status == 0 {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		return
	}
	var req struct {
		Type    string `json:"type"`
		Request struct {
			Action string `json:"action"`
			User   string `json:"user"`
		} `json:"request"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Type != "request" || req.Request.Action == "" {
		http.Error(w, "Bad Request", http.StatusBadRequest)
		return
	}
	if req.Request.Action != "generate_password" {
		writeFailed(w, 200)
		return
	}
	pw := generate()
	s.mu.Lock()
	u := s.byKey[strings.ToLower(req.Request.User)]
	if u == nil || u.refused {
		s.mu.Unlock()
		writeFailed(w, 200)
		return
	}
	u.password = pw
	dn := u.DN()
	s.mu.Unlock()
	// The password is changed; the answer is lost.
	if f.Spoils(w, r.URL.Path) {
		return
	}
	if q.OKWithoutPassword {
		fakekit.WriteJSON(w, 200, map[string]any{"res": "ok", "type": "response", "response": map[string]string{"username": dn}})
		return
	}
	fakekit.WriteJSON(w, 200, okBody(pw, dn))
}

func okBody(pw, dn string) map[string]any {
	return map[string]any{"res": "ok", "type": "response", "response": map[string]string{"password": pw, "username": dn}}
}

// fail answers an injected failure; with Echo, an unhandled exception's plain-text page
// that names the request and its Authorization header.
func fail(w http.ResponseWriter, r *http.Request, f Faults) {
	status := f.FailHead(w)
	switch {
	case f.Echo:
		fakekit.WriteText(w, status, "text/plain", fmt.Sprintf("Unhandled exception in %s %s (Authorization: %s)", r.Method, r.URL.Path, r.Header.Get("Authorization")))
	case f.FailBody == fakekit.BodyHTML:
		fakekit.WriteHTML(w, status, "<html><head><title>Service Unavailable</title></head><body><h1>HTTP Error 503. The service is unavailable.</h1></body></html>")
	case f.FailBody == fakekit.BodyTruncated:
		fakekit.WriteTruncated(w, status, `{"res":"ok","type":"response","response":{"passw`)
	case f.FailBody == BodyOK:
		fakekit.WriteJSON(w, status, okBody("Leak3d+pw", "CN=Nobody,"+BaseDN))
	default:
		writeFailed(w, status)
	}
}

// generate makes a password like the service's settings would: 10 characters with
// upper, lower, a digit and a symbol.
func generate() string {
	const (
		upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower = "abcdefghijkmnopqrstuvwxyz"
		digit = "23456789"
		sym   = "+-!#$%"
	)
	all := upper + lower + digit + sym
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	out := make([]byte, len(b))
	for i, c := range b {
		set := all
		switch i {
		case 0:
			set = upper
		case 1:
			set = lower
		case 2:
			set = digit
		case 3:
			set = sym
		}
		out[i] = set[int(c)%len(set)]
	}
	return string(out)
}
