package admanagertest

import (
	"fmt"
	"slices"
	"strings"
)

// SearchUser's filter and select, as the contract gives them: filter
// (attribute:equal:value) keeps the users whose LDAP attribute equals value
// (case-insensitively, as AD compares); select names LDAP attributes, whose columns the
// answer then carries under their upper-case column names.

// attribute is a user's value of an LDAP attribute a filter or select may name, and
// whether the fake knows the attribute.
func (u *User) attribute(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "samaccountname":
		return u.SAM, true
	case "userprincipalname":
		return u.UPN, true
	case "distinguishedname":
		return u.DN, true
	case "mail":
		return u.Mail, true
	case "employeeid":
		return u.EmployeeID, true
	case "department":
		return u.Department, true
	case "displayname":
		return u.Display, true
	case "givenname":
		return u.First, true
	case "sn":
		return u.Last, true
	}
	return "", false
}

// column is the answer's column name of an LDAP attribute select may name ("" for one
// the fake does not know). A switch, not a map: the demo links this package, and a
// package-level map would be built at every start.
func column(attr string) string {
	switch strings.ToLower(attr) {
	case "samaccountname":
		return "SAM_ACCOUNT_NAME"
	case "userprincipalname":
		return "LOGON_NAME"
	case "displayname":
		return "DISPLAY_NAME"
	case "givenname":
		return "FIRST_NAME"
	case "sn":
		return "LAST_NAME"
	case "employeeid":
		return "EMPLOYEE_ID"
	case "mail":
		return "EMAIL_ADDRESS"
	case "department":
		return "DEPARTMENT"
	case "distinguishedname":
		return "DISTINGUISHED_NAME"
	}
	return ""
}

// parseFilter reads a filter parameter into a predicate ("" keeps every user), or the
// statusMessage the server refuses it with.
func parseFilter(f string) (func(*User) bool, string) {
	f = strings.TrimSpace(f)
	if f == "" {
		return func(*User) bool { return true }, ""
	}
	inner, ok := strings.CutPrefix(f, "(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	attr, rest, ok2 := strings.Cut(inner, ":")
	op, want, ok3 := strings.Cut(rest, ":")
	if !ok || !ok2 || !ok3 || !strings.EqualFold(op, "equal") {
		return nil, "Invalid filter: " + f
	}
	if _, known := (&User{}).attribute(attr); !known {
		return nil, "Invalid filter attribute: " + attr
	}
	return func(u *User) bool {
		v, _ := u.attribute(attr)
		return v != "-" && strings.EqualFold(v, want)
	}, ""
}

// addSelected adds to a SearchUser row the columns of the attributes sel names (comma
// separated) that it lacks; an empty attribute reads "-", as ADManager shows it.
func addSelected(row map[string]string, u *User, sel string) {
	for _, a := range strings.Split(sel, ",") {
		a = strings.TrimSpace(a)
		col := column(a)
		if col == "" {
			continue
		}
		if _, has := row[col]; has {
			continue
		}
		v, _ := u.attribute(a)
		if v == "" {
			v = "-"
		}
		row[col] = v
	}
}

// AddUser adds an account (its SID and GUID made up when empty); tests give accounts
// whose userPrincipalName or mail is not their login.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.users)
	if u.SID == "" {
		u.SID = fmt.Sprintf("S-1-5-21-2996321955-1937665885-1535019402-%d", 9000+n)
	}
	if u.GUID == "" {
		u.GUID = fmt.Sprintf("{C6EBC9F3-703E-43F4-BAF9-%012X}", n)
	}
	if u.Display == "" {
		u.Display = strings.TrimSpace(u.First + " " + u.Last)
	}
	if u.EmployeeID == "" {
		u.EmployeeID = "-"
	}
	s.addLocked(&u)
}

// accountLocked finds the account an inputFormat object names and the answer element
// that starts with its identity attributes; with no account (an attribute the contract
// does not allow, nobody of that name) the element is the failure, the object echoed.
func (s *Server) accountLocked(a map[string]string) (*User, map[string]string) {
	var u *User
	echo := map[string]string{}
	for k, v := range a {
		echo[k] = v
		if !slices.Contains(allowedKeys, k) {
			echo["status"], echo["statusMessage"] = "0", "Invalid attribute: "+k
			return nil, echo
		}
		if u == nil {
			u = s.byKey[k+":"+strings.ToLower(v)]
		}
	}
	if u == nil {
		echo["status"], echo["statusMessage"] = "0", MsgNotFound
		return nil, echo
	}
	return u, map[string]string{"userPrincipalName": u.UPN, "sAMAccountName": u.SAM, "objectSID": u.SID,
		"objectGUID": u.GUID, "distinguishedName": u.DN}
}
