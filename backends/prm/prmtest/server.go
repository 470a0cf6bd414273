// Package prmtest is a fake Password Reset Module (Bright Pattern, Active Directory)
// faithful to shared/contracts/prm.md: POST /api/users with a static or time-based
// token, the four user id forms, a generated password per success and a bare
// {"res":"failed"} for every refusal. Knobs inject the faults a real deployment shows:
// latency, error statuses, HTML pages where JSON was due, truncated JSON, dropped
// connections and hung requests. It is an ordinary package so that the demo can run it
// in-process.
package prmtest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
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

// Faults the server can inject. Change them with SetFaults while it runs.
type Faults struct {
	Latency time.Duration // added to every request
	// FailStatus answers resets with that status and FailBody.
	FailStatus int
	// FailBody: "" = {"res":"failed"}; "html" = an HTML page; "truncated" = cut JSON;
	// "ok" = a success body (with a password) under FailStatus.
	FailBody   string
	RetryAfter int // with 429/503: the Retry-After seconds
	FailTimes  int // fail this many times, then behave (0 = always)
	// OKWithoutPassword answers {"res":"ok"} with no password (the password is changed).
	OKWithoutPassword bool
	// Hang: resets get no answer until the client gives up.
	Hang bool
	// Drop: the connection is closed after the password was changed.
	Drop bool
	// BadTokenStatus is the status for a wrong token (default 401).
	BadTokenStatus int
}

// Server is a running fake.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	users     []*User
	byKey     map[string]*User // lower-cased id forms -> user
	timeBased bool
	now       func() time.Time
	faults    Faults
	failed    fakekit.Budget // FailTimes; reset with the faults under mu
	requests  fakekit.Log[Request]

	inFlight fakekit.InFlight
	resets   atomic.Int64
}

// New starts a fake with n seeded users that accepts the static Token.
func New(n int) *Server {
	s := &Server{byKey: map[string]*User{}, now: time.Now}
	for _, p := range fakeusers.People(n) {
		u := &User{Login: p.Login, CN: p.First + " " + p.Last}
		s.users = append(s.users, u)
		for _, k := range []string{u.Login, NetBIOS + `\` + u.Login, u.Login + "@" + Domain, "LDAP://" + u.DN()} {
			s.byKey[strings.ToLower(k)] = u
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
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

// SetFaults replaces the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.failed.Reset()
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

// Requests returns the requests received so far.
func (s *Server) Requests() []Request { return s.requests.All() }

// MaxInFlight is the most requests the server handled at once.
func (s *Server) MaxInFlight() int { return s.inFlight.Max() }

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

var failedBody = map[string]string{"res": "failed"}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Begin()
	defer s.inFlight.End()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	// The request is logged and the faults read under one lock, so that a test that saw
	// the request logged and then changes the faults knows which faults it got.
	s.mu.Lock()
	s.requests.Add(Request{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Body: string(body)})
	f := s.faults
	s.mu.Unlock()

	if !fakekit.Sleep(r.Context(), f.Latency) {
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
	s.resets.Add(1)
	if f.Hang {
		fakekit.Hang(r)
		return
	}
	if !s.tokenOK(r.Header.Get("Authorization")) {
		status := f.BadTokenStatus
		if status == 0 {
			status = http.StatusUnauthorized
		}
		w.WriteHeader(status)
		return
	}
	if f.FailStatus != 0 && s.takeFailure() {
		s.fail(w, f)
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
		fakekit.WriteJSON(w, 200, failedBody)
		return
	}
	pw := generate()
	s.mu.Lock()
	u := s.byKey[strings.ToLower(req.Request.User)]
	if u == nil || u.refused {
		s.mu.Unlock()
		fakekit.WriteJSON(w, 200, failedBody)
		return
	}
	u.password = pw
	dn := u.DN()
	s.mu.Unlock()
	// The password is changed; the answer is lost.
	if f.Drop && fakekit.DropConnection(w) {
		return
	}
	if f.OKWithoutPassword {
		fakekit.WriteJSON(w, 200, map[string]any{"res": "ok", "type": "response", "response": map[string]string{"username": dn}})
		return
	}
	fakekit.WriteJSON(w, 200, okBody(pw, dn))
}

func okBody(pw, dn string) map[string]any {
	return map[string]any{"res": "ok", "type": "response", "response": map[string]string{"password": pw, "username": dn}}
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
		fakekit.WriteHTML(w, f.FailStatus, "<html><head><title>Service Unavailable</title></head><body><h1>HTTP Error 503. The service is unavailable.</h1></body></html>")
	case "truncated":
		fakekit.WriteTruncated(w, f.FailStatus, `{"res":"ok","type":"response","response":{"passw`)
	case "ok":
		fakekit.WriteJSON(w, f.FailStatus, okBody("Leak3d+pw", "CN=Nobody,"+BaseDN))
	default:
		fakekit.WriteJSON(w, f.FailStatus, failedBody)
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
