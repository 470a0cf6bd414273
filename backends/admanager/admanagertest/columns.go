package admanagertest

import "strings"

// columnOf maps an LDAP attribute SearchUser's `select` may name to the column name its
// answer uses (upper case); the contract names EMAIL_ADDRESS and MOBILE. (A switch, not
// a map: the package does no work at initialisation.)
func columnOf(attr string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(attr)) {
	case "samaccountname":
		return "SAM_ACCOUNT_NAME", true
	case "displayname":
		return "DISPLAY_NAME", true
	case "givenname":
		return "FIRST_NAME", true
	case "sn":
		return "LAST_NAME", true
	case "employeeid":
		return "EMPLOYEE_ID", true
	case "userprincipalname":
		return "LOGON_NAME", true
	case "mail":
		return "EMAIL_ADDRESS", true
	case "mobile":
		return "MOBILE", true
	case "department":
		return "DEPARTMENT", true
	case "distinguishedname":
		return "DISTINGUISHED_NAME", true
	}
	return "", false
}

// columns is one SearchUser row: the default column set, plus the columns `select`
// names (a comma-separated list of LDAP attributes; unknown ones are left out, as the
// server leaves out what its column settings do not offer).
func (u *User) columns(sel string) map[string]string {
	all := map[string]string{"SAM_ACCOUNT_NAME": u.SAM, "DISPLAY_NAME": u.Display, "FIRST_NAME": u.First,
		"LAST_NAME": u.Last, "EMPLOYEE_ID": u.EmployeeID, "LOGON_NAME": u.UPN,
		"EMAIL_ADDRESS": u.Mail, "MOBILE": u.Mobile, "DEPARTMENT": u.Department, "DISTINGUISHED_NAME": u.DN}
	row := map[string]string{}
	for _, k := range []string{"SAM_ACCOUNT_NAME", "DISPLAY_NAME", "FIRST_NAME", "LAST_NAME", "EMPLOYEE_ID", "LOGON_NAME"} {
		row[k] = all[k]
	}
	for _, attr := range strings.Split(sel, ",") {
		if col, ok := columnOf(attr); ok {
			row[col] = all[col]
		}
	}
	return row
}

// matches applies a SearchUser filter of the form (attribute:equal:value), the one form
// resetdesk sends, case-insensitively as AD compares; "" matches every user. A filter
// of another form matches nobody, so that a client relying on one is noticed.
func (u *User) matches(filter string) bool {
	if filter == "" {
		return true
	}
	body, open := strings.CutPrefix(filter, "(")
	body, closed := strings.CutSuffix(body, ")")
	if !open || !closed {
		return false
	}
	attr, rest, ok := strings.Cut(body, ":")
	if !ok {
		return false
	}
	op, value, ok := strings.Cut(rest, ":")
	if !ok || !strings.EqualFold(op, "equal") {
		return false
	}
	var have string
	switch strings.ToLower(attr) {
	case "samaccountname":
		have = u.SAM
	case "userprincipalname":
		have = u.UPN
	case "mail":
		have = u.Mail
	case "employeeid":
		have = u.EmployeeID
	case "distinguishedname":
		have = u.DN
	case "department":
		have = u.Department
	default:
		return false
	}
	return strings.EqualFold(have, value)
}
