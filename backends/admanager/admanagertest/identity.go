package admanagertest

import (
	"fmt"
	"slices"
	"strings"
)

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
