// Package admanagertest is a fake ManageEngine ADManager Plus REST API faithful to
// shared/contracts/admanager.md: /RestAPI/ResetPwd (inputFormat as a JSON array string
// of one or many accounts, passwordType password or generate, isEncoded,
// mustChangePassword), /RestAPI/SearchUser (with filter (attr:equal:value) and select),
// /RestAPI/UnlockUser (accounts seeded locked out), an AuthToken checked on every call,
// failures as HTTP 200 with a SEVERITY envelope or a per-account status "0", and a daily
// quota of successful resets. It decodes the query string the way the strict production
// server does ('+' stays a '+') and, like Tomcat, refuses a request target with raw
// unsafe characters or a request line longer than Tomcat's 8 KB header limit. It honours
// every fakekit.Faults knob, with calls named by their path ("ResetPwd" matches
// /RestAPI/ResetPwd); Quirks adds what is ADManager's own. It is an ordinary package so
// that the demo can run it in-process.
package admanagertest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"resetdesk/backends/fakekit"
	"resetdesk/backends/fakeusers"
)

// Defaults of a new server.
const (
	Token  = "a70d9e6c-4167-4de4-a6a1-3b3aff50c82e"
	Domain = "corp.example.com"
	BaseDN = "DC=corp,DC=example,DC=com"
)

// Paths the fake serves.
const (
	PathResetPwd   = "/RestAPI/ResetPwd"
	PathSearchUser = "/RestAPI/SearchUser"
	PathUnlockUser = "/RestAPI/UnlockUser"
)

// MaxHeaderSize is Tomcat's default maxHttpHeaderSize: the request line and the headers
// together may not be longer.
const MaxHeaderSize = 8192

// Messages the fake answers with.
const (
	MsgSuccess      = "Password reset successful."
	MsgBadToken     = "Authentication failed. Invalid AuthToken."
	MsgNotFound     = "User not found in the domain."
	MsgPolicy       = "The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements."
	MsgQuota        = "The daily limit of API calls for the licensed help desk technicians has been reached."
	CodeBadToken    = "00000003"
	CodeQuota       = "00000015"
	CodeBadDomain   = "00000007"
	CodeBadArgument = "00000004"
)

// QuotaForm is how the fake answers once its daily quota is spent; the contract leaves
// the shape open and allows either.
type QuotaForm int

const (
	// QuotaPerAccount answers each account with status "0" and MsgQuota.
	QuotaPerAccount QuotaForm = iota
	// QuotaSeverity answers the whole request with a SEVERITY envelope.
	QuotaSeverity
)

// User is one seeded AD account.
type User struct {
	SAM         string
	UPN         string
	DN          string
	First, Last string
	Display     string // "<not set>" for some, as ADManager shows an empty attribute
	EmployeeID  string // "-" for some
	Mail        string
	Department  string
	Mobile      string // "<not set>" for some
	SID         string
	GUID        string
	Locked      bool // locked out: UnlockUser clears it

	password   string
	mustChange bool
	resets     int
	unlocks    int
}

// Request is one request the server received, for contract assertions. Params holds
// every parameter as this server decoded it.
type Request struct {
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	Body        string
	Params      map[string]string
}

// Faults are the fault knobs every fake shares; change them with Server.SetFaults while
// it runs. A Fail answer with the contract's body is Tomcat's HTML error page (under
// FailStatus, 0 = 200). With Echo, it is instead a SEVERITY envelope whose
// STATUS_MESSAGE echoes the request target, AuthToken and pwd included. Refuse answers
// with the SEVERITY envelope of a refused token.
type Faults = fakekit.Faults

// Quirks are ADManager's own misbehaviours; change them with Server.SetQuirks.
type Quirks struct {
	// RevokeAfter accepts that many calls made with the right token, then refuses every
	// later one (the token revoked mid-run).
	RevokeAfter int
	// CapitalCount spells SearchUser's count "Count", as the documentation does
	// (real servers send "count").
	CapitalCount bool
	// UnlockNoStatus answers UnlockUser without the status field (the contract leaves
	// it assumed): only statusMessage says what happened.
	UnlockNoStatus bool
}

// Option configures a new server.
type Option func(*Server)

// WithToken sets the accepted AuthToken.
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithQuota limits successful resets per day to n (0 = unlimited), answered in form
// once spent.
func WithQuota(n int, form QuotaForm) Option {
	return func(s *Server) { s.quota, s.quotaForm = n, form }
}

// WithFaults starts the server with faults already set (the demo's latency).
func WithFaults(f Faults) Option { return func(s *Server) { s.SetFaults(f) } }

// Server is a running fake.
type Server struct {
	*httptest.Server
	fakekit.Kit[Request, Quirks]

	mu        sync.Mutex
	token     string
	users     []*User
	byKey     map[string]*User // "attr:lower-case value"
	quota     int
	quotaForm QuotaForm
	used      int
	accepted  int // calls accepted, for RevokeAfter
}

// New starts a fake seeded with n sample users.
func New(n int, opts ...Option) *Server {
	s := &Server{token: Token, byKey: map[string]*User{}}
	for _, o := range opts {
		o(s)
	}
	for i, p := range fakeusers.People(n) {
		u := &User{
			SAM: p.Login, UPN: p.Login + "@" + Domain,
			DN:    "CN=" + p.First + " " + p.Last + " (" + p.Login + "),OU=" + p.Department + "," + BaseDN,
			First: p.First, Last: p.Last, Display: p.First + " " + p.Last,
			EmployeeID: fmt.Sprintf("E%05d", 1000+i), Mail: p.Login + "@" + Domain, Mobile: p.Mobile, Department: p.Department,
			Locked: i%9 == 4,
			SID:    fmt.Sprintf("S-1-5-21-2996321955-1937665885-1535019402-%d", 3000+i),
			GUID:   fmt.Sprintf("{B6EBC9F3-703E-43F4-BAF9-%012X}", 0xFC785E340000+i),
		}
		// Attributes left empty, as ADManager shows them.
		if i%3 == 1 {
			u.EmployeeID = "-"
		}
		if i%7 == 3 {
			u.Display = "<not set>"
		}
		if i%5 == 4 {
			u.Mobile = "<not set>"
		}
		s.addLocked(u)
	}
	s.Server = httptest.NewServer(s.Handler(s.serve))
	return s
}

func (s *Server) addLocked(u *User) {
	s.users = append(s.users, u)
	for k, v := range map[string]string{
		"sAMAccountName": u.SAM, "userPrincipalName": u.UPN, "distinguishedName": u.DN,
		"mail": u.Mail, "employeeID": u.EmployeeID, "objectGUID": u.GUID, "objectSID": u.SID,
	} {
		if v != "-" {
			s.byKey[k+":"+strings.ToLower(v)] = u
		}
	}
}

// Users returns the seeded sAMAccountNames in order.
func (s *Server) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.users))
	for i, u := range s.users {
		out[i] = u.SAM
	}
	return out
}

// SetQuirks replaces ADManager's own knobs and restarts RevokeAfter's count.
func (s *Server) SetQuirks(q Quirks) {
	s.Kit.SetQuirks(q)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted = 0
}

// SetToken changes the accepted AuthToken (the old one is revoked).
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// SetQuota sets the daily limit of successful resets (0 = unlimited) and how many are
// already used today.
func (s *Server) SetQuota(limit, used int, form QuotaForm) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota, s.used, s.quotaForm = limit, used, form
}

// QuotaUsed is how many successful resets counted against the quota today.
func (s *Server) QuotaUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

func (s *Server) user(id string) *User {
	for _, k := range []string{"sAMAccountName", "userPrincipalName"} {
		if u := s.byKey[k+":"+strings.ToLower(id)]; u != nil {
			return u
		}
	}
	return nil
}

// Password returns the password the server holds for a user ("" = never reset).
func (s *Server) Password(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		return u.password
	}
	return ""
}

// MustChange reports whether the user must change the password at next logon.
func (s *Server) MustChange(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		return u.mustChange
	}
	return false
}

// ResetCount is how many times a user's password was reset.
func (s *Server) ResetCount(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		return u.resets
	}
	return 0
}

// Calls returns the requests whose path is path.
func (s *Server) Calls(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// tomcatUnsafe are the characters Tomcat refuses raw in a request target.
const tomcatUnsafe = "\"<>[\\]^`{|} "

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	params, perr := parseQuery(r.URL.RawQuery)
	ct := r.Header.Get("Content-Type")
	if r.Method == http.MethodPost && strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		// [assumed] by the contract: the servlet container also reads a form body.
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k := range form {
				params[k] = form.Get(k)
			}
		}
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentType: ct, Body: string(body), Params: params}
	f, ok := s.Admit(w, r, r.URL.Path, rec, func(w http.ResponseWriter, f Faults) { fail(w, r, f) })
	if !ok {
		return
	}
	if len(r.Method)+len(r.RequestURI)+len(" HTTP/1.1") > MaxHeaderSize {
		writeHTML(w, http.StatusBadRequest, "HTTP Status 400 – Bad Request", "Request header is too large")
		return
	}
	if perr != nil || strings.ContainsAny(r.URL.RawQuery, tomcatUnsafe) {
		writeHTML(w, http.StatusBadRequest, "HTTP Status 400 – Bad Request",
			"Invalid character found in the request target. The valid characters are defined in RFC 7230 and RFC 3986")
		return
	}
	if r.URL.Path != PathResetPwd && r.URL.Path != PathSearchUser && r.URL.Path != PathUnlockUser {
		writeHTML(w, http.StatusNotFound, "HTTP Status 404 – Not Found", "The requested resource is not available.")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeHTML(w, http.StatusMethodNotAllowed, "HTTP Status 405 – Method Not Allowed", "")
		return
	}
	if env := s.checkRequest(r.URL.Path, params); env != nil {
		writeJSON(w, env)
		return
	}
	switch r.URL.Path {
	case PathResetPwd:
		s.resetPwd(w, params, f.Spoils, r.URL.Path)
	case PathSearchUser:
		s.searchUser(w, params)
	case PathUnlockUser:
		s.unlockUser(w, params, f.Spoils, r.URL.Path)
	}
}

// parseQuery decodes a query string as the strict server does: percent escapes only,
// so a '+' stays a '+'.
func parseQuery(raw string) (map[string]string, error) {
	out := map[string]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.PathUnescape(k)
		if err != nil {
			return nil, err
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		out[key] = val
	}
	return out, nil
}

type envelope struct {
	Severity string `json:"SEVERITY"`
	Message  string `json:"STATUS_MESSAGE"`
	Code     string `json:"ERROR_CODE"`
}

// checkRequest applies the checks every call shares; a non-nil envelope is the answer.
func (s *Server) checkRequest(path string, p map[string]string) *envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case p["AuthToken"] == "" || p["AuthToken"] != s.token:
		return &envelope{"SEVERE", MsgBadToken, CodeBadToken}
	case s.Refuses(path):
		return &envelope{"SEVERE", MsgBadToken, CodeBadToken}
	case s.Quirks().RevokeAfter > 0 && s.accepted >= s.Quirks().RevokeAfter:
		return &envelope{"SEVERE", MsgBadToken, CodeBadToken}
	case p["PRODUCT_NAME"] == "":
		return &envelope{"SEVERE", "PRODUCT_NAME is mandatory.", CodeBadArgument}
	case !strings.EqualFold(p["domainName"], Domain):
		return &envelope{"SEVERE", "Invalid domain name: " + p["domainName"], CodeBadDomain}
	}
	s.accepted++
	return nil
}

// fail answers an injected failure: Tomcat's error page, a cut-off answer, or with Echo
// a SEVERITY envelope echoing the request target.
func fail(w http.ResponseWriter, r *http.Request, f Faults) {
	status := f.FailHead(w)
	switch {
	case f.Echo:
		fakekit.WriteJSONAs(w, status, jsonType, envelope{"SEVERE", "Invalid request: " + r.Method + " " + r.RequestURI, CodeBadArgument})
	case f.FailBody == fakekit.BodyTruncated:
		fakekit.WriteTruncatedAs(w, status, jsonType, `[{"sAMAccountName":"x","status":"1","statusMess`)
	default:
		title := fmt.Sprintf("HTTP Status %d – %s", status, http.StatusText(status))
		if status == http.StatusOK {
			title = "ADManager Plus"
		}
		writeHTML(w, status, title, "The server encountered an unexpected condition.")
	}
}

// The Content-Types ADManager's Tomcat sends.
const (
	jsonType = "application/json;charset=UTF-8"
	htmlType = "text/html;charset=utf-8"
)

// writeHTML answers status with a Tomcat error page.
func writeHTML(w http.ResponseWriter, status int, title, text string) {
	fakekit.WriteHTMLAs(w, status, htmlType, fmt.Sprintf("<!doctype html><html lang=\"en\"><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>", title, title, text))
}

func writeJSON(w http.ResponseWriter, v any) {
	fakekit.WriteJSONAs(w, http.StatusOK, jsonType, v) // ADManager answers failures with 200 too
}

// allowedKeys are the attributes an inputFormat object may name an account by.
var allowedKeys = []string{"sAMAccountName", "userPrincipalName", "distinguishedName", "mail", "employeeID", "objectGUID", "objectSID"}

func (s *Server) resetPwd(w http.ResponseWriter, p map[string]string, spoils func(http.ResponseWriter, string) bool, call string) {
	input, pwd := p["inputFormat"], p["pwd"]
	if p["isEncoded"] == "true" {
		in, err1 := base64.StdEncoding.DecodeString(input)
		pw, err2 := base64.StdEncoding.DecodeString(pwd)
		if err1 != nil || err2 != nil {
			writeJSON(w, envelope{"SEVERE", "isEncoded is true but inputFormat or pwd is not base64.", CodeBadArgument})
			return
		}
		input, pwd = string(in), string(pw)
	}
	var accounts []map[string]string
	if err := json.Unmarshal([]byte(input), &accounts); err != nil || len(accounts) == 0 {
		writeJSON(w, envelope{"SEVERE", "inputFormat must be a JSON array of account objects.", CodeBadArgument})
		return
	}
	ptype := p["passwordType"]
	switch ptype {
	case "", "password":
		if pwd == "" {
			writeJSON(w, envelope{"SEVERE", "pwd is mandatory when passwordType is password.", CodeBadArgument})
			return
		}
	case "generate":
	default:
		writeJSON(w, envelope{"SEVERE", "Invalid passwordType: " + ptype, CodeBadArgument})
		return
	}

	s.mu.Lock()
	if s.quota > 0 && s.used >= s.quota && s.quotaForm == QuotaSeverity {
		s.mu.Unlock()
		writeJSON(w, envelope{"SEVERE", MsgQuota, CodeQuota})
		return
	}
	out := make([]map[string]string, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, s.resetOneLocked(a, ptype, pwd, p["mustChangePassword"] == "true"))
	}
	s.mu.Unlock()

	// The change is made; the answer is lost or spoiled.
	if spoils(w, call) {
		return
	}
	writeJSON(w, out)
}

func (s *Server) resetOneLocked(a map[string]string, ptype, pwd string, mustChange bool) map[string]string {
	u, res := s.accountLocked(a)
	if u == nil {
		return res
	}
	if s.quota > 0 && s.used >= s.quota {
		res["status"], res["statusMessage"] = "0", MsgQuota
		return res
	}
	if ptype == "generate" {
		pwd = generated()
	} else if !meetsPolicy(pwd, u.SAM) {
		res["status"], res["statusMessage"] = "0", MsgPolicy
		return res
	}
	u.password, u.mustChange = pwd, mustChange
	u.resets++
	s.used++
	res["status"], res["statusMessage"], res["reset"] = "1", MsgSuccess, "yes"
	return res
}

// meetsPolicy applies Active Directory's default complexity: 8 characters or more,
// three of the four classes, and not the account name.
func meetsPolicy(pw, sam string) bool {
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if len([]rune(pw)) < 8 || lower+upper+digit+other < 3 {
		return false
	}
	return len(sam) < 3 || !strings.Contains(strings.ToLower(pw), strings.ToLower(sam))
}

// generated is what passwordType=generate sets: the server's own random password, which
// no answer field carries.
func generated() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Gn1!" + base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) searchUser(w http.ResponseWriter, p map[string]string) {
	size, err := strconv.Atoi(p["range"])
	if err != nil || size < 1 {
		size = 10
	}
	start, err := strconv.Atoi(p["startIndex"])
	if err != nil || start < 1 {
		start = 1
	}
	text := strings.ToLower(p["searchText"])
	s.mu.Lock()
	var hits []*User
	for _, u := range s.users {
		if (text == "" || strings.Contains(strings.ToLower(u.SAM+" "+u.First+" "+u.Last+" "+u.UPN), text)) && u.matches(p["filter"]) {
			hits = append(hits, u)
		}
	}
	list := []map[string]string{}
	for i := start - 1; i >= 0 && i < len(hits) && len(list) < size; i++ {
		u := hits[i]
		list = append(list, u.columns(p["select"]))
	}
	capital := s.Quirks().CapitalCount
	s.mu.Unlock()
	countKey := "count"
	if capital {
		countKey = "Count"
	}
	writeJSON(w, map[string]any{"UsersList": list, countKey: len(hits), "status": "SUCCESS", "statusMessage": ""})
}
