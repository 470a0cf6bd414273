package ui

import (
	"fmt"
	"strings"
	"unicode"

	"resetdesk/backends"
)

// minNameInPassword is the shortest account name that a password may not hold: Active
// Directory refuses a password holding the account name when the name is longer than
// two characters.
const minNameInPassword = 3

// refusedPassword says why the system would refuse typed password pw for user ("" when
// it would not, as far as the console can tell): the mode's own rules (the profile's
// system), and the user's name inside it.
func refusedPassword(pw string, mode backends.Mode, user string) string {
	if mode.CheckPassword != nil {
		if err := mode.CheckPassword(pw); err != nil {
			return err.Error()
		}
	}
	name := strings.ToLower(accountName(user))
	if len([]rune(name)) >= minNameInPassword && strings.Contains(strings.ToLower(pw), name) {
		return fmt.Sprintf("the password holds the user's name (%s)", clean(name))
	}
	return ""
}

// accountName is the login inside an id: "bdoe" of CORP\bdoe, bdoe@corp.example.com.
func accountName(id string) string {
	if i := strings.LastIndexAny(id, `\/`); i >= 0 {
		id = id[i+1:]
	}
	if i := strings.IndexByte(id, '@'); i > 0 {
		id = id[:i]
	}
	return id
}

// strength gives a short hint about a typed password for user in mode: "refused" with
// the reason when the system would refuse it, else "weak", "fair" or "strong", with the
// reason when it is not strong. Strong is as long as the passwords the mode generates.
func strength(pw string, mode backends.Mode, user string) string {
	if why := refusedPassword(pw, mode, user); why != "" {
		return "refused: " + why
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	strong := max(mode.Policy.Length, 12)
	n := len([]rune(pw))
	switch {
	case n < 8:
		return "weak: shorter than 8 characters"
	case classes < 3:
		return "weak: use three of lower, upper, digits, symbols"
	case n < strong:
		return fmt.Sprintf("fair: %d or more characters is better", strong)
	}
	return "strong"
}
