// Package webadmtest is a fake RCDevs WebADM Manager API (JSON-RPC 2.0 on POST /manag/,
// HTTP Basic auth) faithful to shared/contracts/webadm.md: Server_Status, Get_User_DN,
// Get_User_Attrs, Search_LDAP_Objects (with a real RFC 4515 filter parser),
// Set_User_Password and PwReset.Send_Request, with the contract's error codes. It
// honours every fakekit.Faults knob, with calls named by their JSON-RPC method
// ("PwReset.Send_Request"); Quirks adds what is WebADM's own. It is an ordinary package
// so that the demo can run it in-process.
package webadmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"resetdesk/backends/fakekit"
	"resetdesk/backends/fakeusers"
)

// Defaults of a new server.
const (
	Username = `CORP\administrator`
	Password = "webadm-pass"
	Domain   = "CORP"
	BaseDN   = "DC=corp,DC=example,DC=com"
	UsersOU  = "OU=Users," + BaseDN
	Version  = "2.3.24"
)

// User is one seeded LDAP user.
type User struct {
	DN     string
	Login  string // samAccountName (and uid)
	CN     string
	Mail   string // "" = none: MAIL delivery fails
	Mobile string // "" = none: SMS delivery fails
	UPN    string
	Dept   string // department; "" = none

	password   string
	mustChange bool
	link       Link
	links      int
}

// Link is the last reset link the server made for a user.
type Link struct {
	URL      string
	Method   string // the delivery used (the server's default when the request left it out)
	Expires  int    // hours; 0 = the server's default
	Comments string
}

// Request is one request the server received, for contract assertions. Params holds
// each JSON-RPC parameter as it was encoded.
type Request struct {
	HTTPMethod  string
	Path        string
	ContentType string
	AuthUser    string // the Basic auth user name, "" when none was sent
	AuthOK      bool   // the Basic auth credentials were the accepted ones
	JSONRPC     string
	RPCMethod   string
	ID          json.RawMessage
	Params      map[string]json.RawMessage
	Body        string
}

// Faults are the fault knobs every fake shares; change them with Server.SetFaults while
// it runs. A Fail answer with the contract's body is the JSON-RPC -32000 error (under
// FailStatus, 0 = 200); with Echo its data echoes the request's Authorization header.
// Refuse answers -32600, as for credentials the server no longer takes.
type Faults = fakekit.Faults

// Quirks are WebADM's own misbehaviours; change them with Server.SetQuirks. A *Method
// knob names a JSON-RPC method or "*" for every method.
type Quirks struct {
	// AuthStatus, when set (401, 403), answers bad credentials with that HTTP status
	// instead of the contract's HTTP 200 with -32600 (a proxy in front, an IP ACL).
	AuthStatus int
	// ErrorMethod answers such calls with the JSON-RPC error ErrorCode / ErrorData,
	// ErrorTimes times (0 = always).
	ErrorMethod string
	ErrorCode   int
	ErrorData   string
	ErrorTimes  int
	// FalseMethod answers such calls with the result false.
	FalseMethod string
}

// Option configures a new server.
type Option func(*Server)

// WithCredentials sets the accepted administrator and password.
func WithCredentials(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// WithFaults starts the server with faults already set (the demo's latency).
func WithFaults(f Faults) Option { return func(s *Server) { s.SetFaults(f) } }

// Server is a running fake.
type Server struct {
	*httptest.Server
	fakekit.Kit[Request, Quirks]

	user, pass string

	mu         sync.Mutex
	users      []*User
	byLogin    map[string]*User // lower-case samAccountName and UPN
	byDN       map[string]*User // lower-case DN
	errored    fakekit.Budget   // ErrorTimes
	pwResetOff bool
}

// New starts a fake seeded with n sample users.
func New(n int, opts ...Option) *Server {
	s := &Server{user: Username, pass: Password, byLogin: map[string]*User{}, byDN: map[string]*User{}}
	for _, o := range opts {
		o(s)
	}
	cns := map[string]bool{}
	for _, p := range fakeusers.People(n) {
		cn := p.First + " " + p.Last
		if cns[cn] {
			cn += " (" + p.Login + ")"
		}
		cns[cn] = true
		s.addLocked(&User{
			CN: cn, Login: p.Login,
			Mail:   p.Login + "@corp.example.com",
			Mobile: p.Mobile,
			Dept:   p.Department,
		})
	}
	s.Server = httptest.NewServer(s.Handler(s.serve))
	return s
}

// addLocked files u under its DN, login and UPN; s.mu is held or the server not started.
func (s *Server) addLocked(u *User) {
	u.DN = "CN=" + escapeRDN(u.CN) + "," + UsersOU
	u.UPN = u.Login + "@corp.example.com"
	s.users = append(s.users, u)
	s.byLogin[strings.ToLower(u.Login)] = u
	s.byLogin[strings.ToLower(u.UPN)] = u
	s.byDN[strings.ToLower(u.DN)] = u
}

// escapeRDN escapes a CN for a DN (RFC 4514), so that names with commas stay one RDN.
func escapeRDN(v string) string {
	var b strings.Builder
	for _, r := range v {
		if strings.ContainsRune(`,+"\<>;=`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// AddUser adds a user with the given login and common name (which may hold characters
// that a search filter must escape).
func (s *Server) AddUser(login, cn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(&User{CN: cn, Login: login, Mail: login + "@corp.example.com", Mobile: "+15550100"})
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

// User returns a copy of the user with that login.
func (s *Server) User(login string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byLogin[strings.ToLower(login)]
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// Password returns the password last set for a user ("" when none was).
func (s *Server) Password(login string) string {
	u, _ := s.User(login)
	return u.password
}

// MustChange reports whether the last password set must be changed at next logon.
func (s *Server) MustChange(login string) bool {
	u, _ := s.User(login)
	return u.mustChange
}

// Link returns the last reset link made for a user, and how many were made.
func (s *Server) Link(login string) (Link, int) {
	u, _ := s.User(login)
	return u.link, u.links
}

// RemoveMail and RemoveMobile take a user's mail address or mobile number away, so that
// a link delivered that way fails (the server answers false).
func (s *Server) RemoveMail(login string) { s.edit(login, func(u *User) { u.Mail = "" }) }

// RemoveMobile takes a user's mobile number away: SMS delivery fails.
func (s *Server) RemoveMobile(login string) { s.edit(login, func(u *User) { u.Mobile = "" }) }

func (s *Server) edit(login string, f func(*User)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.byLogin[strings.ToLower(login)]; u != nil {
		f(u)
	}
}

// SetPwReset enables or disables the PwReset web application (enabled at start): when
// disabled, Server_Status says so and PwReset.Send_Request answers false.
func (s *Server) SetPwReset(enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pwResetOff = !enabled
}

// SetQuirks replaces WebADM's own knobs and restarts their counters.
func (s *Server) SetQuirks(q Quirks) {
	s.Kit.SetQuirks(q)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errored.Reset()
}

// Calls returns the requests received for one JSON-RPC method.
func (s *Server) Calls(rpcMethod string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.RPCMethod == rpcMethod {
			out = append(out, r)
		}
	}
	return out
}

// rpcErr is a JSON-RPC error object; WebADM puts the human text in data.
type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

// codeMessage is JSON-RPC's message for an error code.
func codeMessage(code int) string {
	switch code {
	case -32700:
		return "Parse error"
	case -32600:
		return "Invalid Request"
	case -32601:
		return "Method not found"
	case -32602:
		return "Invalid params"
	case -32603:
		return "Internal error"
	case -32000:
		return "Server error"
	}
	return ""
}

func newErr(code int, format string, args ...any) *rpcErr {
	return &rpcErr{Code: code, Message: codeMessage(code), Data: fmt.Sprintf(format, args...)}
}

func matches(knob, method string) bool { return knob != "" && (knob == "*" || knob == method) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	user, pass, hasAuth := r.BasicAuth()
	var env struct {
		JSONRPC string                     `json:"jsonrpc"`
		Method  string                     `json:"method"`
		Params  map[string]json.RawMessage `json:"params"`
		ID      json.RawMessage            `json:"id"`
	}
	envErr := json.Unmarshal(body, &env)
	authOK := hasAuth && user == s.user && pass == s.pass
	rec := Request{
		HTTPMethod: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		AuthUser: user, AuthOK: authOK, JSONRPC: env.JSONRPC, RPCMethod: env.Method, ID: env.ID,
		Params: env.Params, Body: string(body),
	}
	f, ok := s.Admit(w, r, env.Method, rec, func(w http.ResponseWriter, f Faults) { fail(w, r, f, env.ID) })
	if !ok {
		return
	}
	if r.URL.Path != "/manag/" {
		fakekit.WriteHTML(w, http.StatusNotFound, "<html><head><title>404 Not Found</title></head><body>Not Found</body></html>")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	q := s.Quirks()
	if !authOK {
		if q.AuthStatus != 0 {
			w.Header().Set("WWW-Authenticate", `Basic realm="WebADM"`)
			http.Error(w, http.StatusText(q.AuthStatus), q.AuthStatus)
			return
		}
		writeRPC(w, env.ID, nil, newErr(-32600, "Invalid API credentials"))
		return
	}
	if s.Refuses(env.Method) {
		writeRPC(w, env.ID, nil, newErr(-32600, "Invalid API credentials"))
		return
	}
	if mt := strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]); mt != "application/json" {
		writeRPC(w, env.ID, nil, newErr(-32700, "Content-Type must be application/json, not %q", mt))
		return
	}
	if envErr != nil || env.JSONRPC != "2.0" || env.Method == "" || len(env.ID) == 0 {
		writeRPC(w, env.ID, nil, newErr(-32700, "Invalid JSON-RPC 2.0 request"))
		return
	}
	if matches(q.ErrorMethod, env.Method) && s.takeError() {
		writeRPC(w, env.ID, nil, &rpcErr{Code: q.ErrorCode, Message: codeMessage(q.ErrorCode), Data: q.ErrorData})
		return
	}
	if matches(q.FalseMethod, env.Method) {
		writeRPC(w, env.ID, false, nil)
		return
	}
	p := params(env.Params)
	var result any
	var rerr *rpcErr
	switch env.Method {
	case "Server_Status":
		result, rerr = s.status(p)
	case "Get_User_DN":
		result, rerr = s.userDN(p)
	case "Get_User_Attrs":
		result, rerr = s.userAttrs(p)
	case "Search_LDAP_Objects":
		result, rerr = s.search(p)
	case "Set_User_Password":
		result, rerr = s.setPassword(p)
	case "PwReset.Send_Request":
		result, rerr = s.sendRequest(p)
	default:
		rerr = newErr(-32601, "Method %s not found", env.Method)
	}
	// The call was carried out; the answer is lost.
	if rerr == nil && f.Spoils(w, env.Method) {
		return
	}
	writeRPC(w, env.ID, result, rerr)
}

// takeError spends one use of the ErrorMethod quirk against ErrorTimes.
func (s *Server) takeError() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errored.Take(s.Quirks().ErrorTimes)
}

// fail answers an injected failure; with Echo, the error's data carries the request's
// Authorization header.
func fail(w http.ResponseWriter, r *http.Request, f Faults, id json.RawMessage) {
	status := f.FailHead(w)
	switch f.FailBody {
	case fakekit.BodyHTML:
		fakekit.WriteHTML(w, status, "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><hr>Apache</body></html>")
	case fakekit.BodyTruncated:
		fakekit.WriteTruncated(w, status, `{"jsonrpc":"2.0","result":"https://webadm.corp.exa`)
	default:
		e := newErr(-32000, "Injected server failure")
		if f.Echo {
			e = newErr(-32000, "Request refused (Authorization: %s)", r.Header.Get("Authorization"))
		}
		fakekit.WriteJSON(w, status, map[string]any{"jsonrpc": "2.0", "error": e, "id": id})
	}
}

func writeRPC(w http.ResponseWriter, id json.RawMessage, result any, e *rpcErr) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	resp := map[string]any{"jsonrpc": "2.0", "id": id}
	if e != nil {
		resp["error"] = e
	} else {
		resp["result"] = result
	}
	fakekit.WriteJSON(w, http.StatusOK, resp)
}

// params reads JSON-RPC parameters with the server's type checks.
type params map[string]json.RawMessage

func (p params) allow(keys ...string) *rpcErr {
	for k := range p {
		ok := false
		for _, a := range keys {
			ok = ok || k == a
		}
		if !ok {
			return newErr(-32602, "Parameter %s not allowed", k)
		}
	}
	return nil
}

func (p params) str(key string, required bool) (string, *rpcErr) {
	raw, ok := p[key]
	if !ok {
		if required {
			return "", newErr(-32602, "Parameter %s missing", key)
		}
		return "", nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", newErr(-32602, "Parameter %s not String", key)
	}
	return v, nil
}

func (p params) integer(key string) (int, bool, *rpcErr) {
	raw, ok := p[key]
	if !ok {
		return 0, false, nil
	}
	var v int
	if bytes.ContainsAny(raw, `."eE`) || json.Unmarshal(raw, &v) != nil {
		return 0, false, newErr(-32602, "Parameter %s not Integer", key)
	}
	return v, true, nil
}

func (p params) boolean(key string) (bool, *rpcErr) {
	raw, ok := p[key]
	if !ok {
		return false, nil
	}
	var v bool
	if json.Unmarshal(raw, &v) != nil {
		return false, newErr(-32602, "Parameter %s not Boolean", key)
	}
	return v, nil
}

func (p params) strings(key string) ([]string, bool, *rpcErr) {
	raw, ok := p[key]
	if !ok {
		return nil, false, nil
	}
	var v []string
	if json.Unmarshal(raw, &v) != nil {
		return nil, false, newErr(-32602, "Parameter %s not Array", key)
	}
	return v, true, nil
}

func (s *Server) status(p params) (any, *rpcErr) {
	if e := p.allow("servers", "webapps", "websrvs"); e != nil {
		return nil, e
	}
	servers, e := p.boolean("servers")
	if e != nil {
		return nil, e
	}
	webapps, e := p.boolean("webapps")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	off := s.pwResetOff
	s.mu.Unlock()
	out := map[string]any{"status": true, "version": Version}
	if servers {
		out["servers"] = map[string]bool{"ldap": true, "sql": true, "session": true, "pki": true, "mail": true, "sms": true}
	}
	if webapps {
		pw := "Ok"
		if off {
			pw = "Disabled"
		}
		out["webapps"] = map[string]any{"PwReset": map[string]string{"status": pw}, "SelfDesk": map[string]string{"status": "Ok"}}
	}
	return out, nil
}

// lookup finds a user by login, UPN (and uid, the same as the login here) in domain.
func (s *Server) lookup(p params) (*User, *rpcErr) {
	username, e := p.str("username", true)
	if e != nil {
		return nil, e
	}
	domain, e := p.str("domain", false)
	if e != nil {
		return nil, e
	}
	if domain != "" && !strings.EqualFold(domain, Domain) {
		return nil, newErr(-32603, "Domain '%s' not existing", domain)
	}
	u := s.byLogin[strings.ToLower(username)]
	if u == nil {
		return nil, newErr(-32603, `User not found %s\%s`, Domain, username)
	}
	return u, nil
}

func (s *Server) userDN(p params) (any, *rpcErr) {
	if e := p.allow("username", "domain"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.lookup(p)
	if e != nil {
		return nil, e
	}
	return u.DN, nil
}

func (u *User) attrs() map[string][]string {
	m := map[string][]string{
		"objectclass":       {"top", "person", "organizationalPerson", "user"},
		"cn":                {u.CN},
		"samaccountname":    {u.Login},
		"uid":               {u.Login},
		"userprincipalname": {u.UPN},
		"distinguishedname": {u.DN},
	}
	if u.Dept != "" {
		m["department"] = []string{u.Dept}
	}
	if u.Mail != "" {
		m["mail"] = []string{u.Mail}
	}
	if u.Mobile != "" {
		m["mobile"] = []string{u.Mobile}
	}
	return m
}

func pick(all map[string][]string, attrs []string, given bool) map[string][]string {
	if !given {
		return all
	}
	out := map[string][]string{}
	for _, a := range attrs {
		if v, ok := all[strings.ToLower(a)]; ok {
			out[strings.ToLower(a)] = v
		}
	}
	return out
}

func (s *Server) userAttrs(p params) (any, *rpcErr) {
	if e := p.allow("dn", "attrs"); e != nil {
		return nil, e
	}
	dn, e := p.str("dn", true)
	if e != nil {
		return nil, e
	}
	attrs, given, e := p.strings("attrs")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byDN[strings.ToLower(dn)]
	if u == nil {
		return nil, newErr(-32603, "Object not found %s", dn)
	}
	return pick(u.attrs(), attrs, given), nil
}

func (s *Server) search(p params) (any, *rpcErr) {
	if e := p.allow("basedn", "filter", "scope", "attrs", "size", "time"); e != nil {
		return nil, e
	}
	base, e := p.str("basedn", true)
	if e != nil {
		return nil, e
	}
	text, e := p.str("filter", false)
	if e != nil {
		return nil, e
	}
	if text == "" {
		text = "(objectclass=*)"
	}
	scope, e := p.str("scope", false)
	if e != nil {
		return nil, e
	}
	attrs, given, e := p.strings("attrs")
	if e != nil {
		return nil, e
	}
	f, err := parseFilter(text)
	if err != nil {
		return nil, newErr(-32603, "LDAP search failed: Bad search filter (%v)", err)
	}
	base = strings.ToLower(base)
	if !strings.HasSuffix(strings.ToLower(UsersOU), base) {
		return nil, newErr(-32603, "LDAP search failed: No such object %s", base)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string][]string{}
	for _, u := range s.users {
		dn := strings.ToLower(u.DN)
		switch scope {
		case "", "sub":
			if !strings.HasSuffix(dn, ","+base) {
				continue
			}
		case "one":
			if dn[strings.Index(dn, ",")+1:] != base {
				continue
			}
		case "base":
			if dn != base {
				continue
			}
		default:
			return nil, newErr(-32602, "Parameter scope invalid")
		}
		all := u.attrs()
		if f.match(all) {
			out[u.DN] = pick(all, attrs, given)
		}
	}
	if len(out) == 0 {
		// PHP encodes an empty array as a JSON list.
		return []any{}, nil
	}
	return out, nil
}

// passwordOK is the fake's stand-in for the domain's password policy: Active
// Directory's complexity rules (8+ characters, three of four classes, not the login).
func passwordOK(pw, login string) bool {
	if len([]rune(pw)) < 8 || strings.Contains(strings.ToLower(pw), strings.ToLower(login)) {
		return false
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	return lower+upper+digit+other >= 3
}

func (s *Server) setPassword(p params) (any, *rpcErr) {
	if e := p.allow("dn", "password", "change"); e != nil {
		return nil, e
	}
	dn, e := p.str("dn", true)
	if e != nil {
		return nil, e
	}
	pw, e := p.str("password", true)
	if e != nil {
		return nil, e
	}
	change, e := p.boolean("change")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byDN[strings.ToLower(dn)]
	if u == nil {
		return nil, newErr(-32603, "Object not found %s", dn)
	}
	if !passwordOK(pw, u.Login) {
		return false, nil
	}
	u.password, u.mustChange = pw, change
	return true, nil
}

// methods are the link deliveries PwReset takes.
var methods = []string{"MAIL", "SMS", "MAILSMS", "NONE"}

func (s *Server) sendRequest(p params) (any, *rpcErr) {
	if e := p.allow("username", "domain", "method", "expires", "comments", "mfa"); e != nil {
		return nil, e
	}
	method, e := p.str("method", false)
	if e != nil {
		return nil, e
	}
	if _, given := p["method"]; given && !slices.Contains(methods, method) {
		return nil, newErr(-32602, "Parameter method invalid")
	}
	expires, given, e := p.integer("expires")
	if e != nil {
		return nil, e
	}
	if given && (expires < 1 || expires > 720) {
		return nil, newErr(-32602, "Parameter expires must be between 1 and 720")
	}
	comments, e := p.str("comments", false)
	if e != nil {
		return nil, e
	}
	if _, e := p.boolean("mfa"); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.lookup(p)
	if e != nil {
		return nil, e
	}
	if method == "" {
		method = "MAIL" // the fake's Link Delivery Mode setting
	}
	switch {
	case s.pwResetOff,
		strings.Contains(method, "MAIL") && u.Mail == "",
		strings.Contains(method, "SMS") && u.Mobile == "":
		return false, nil
	}
	u.link = Link{URL: s.URL + "/webapps/pwreset/?id=" + fakekit.RandomHex(16), Method: method, Expires: expires, Comments: comments}
	u.links++
	return u.link.URL, nil
}
