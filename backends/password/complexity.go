package password

import (
	"errors"
	"unicode"
)

// CheckADComplexity refuses a password that Active Directory's default complexity rules
// would refuse: fewer than 8 characters, fewer than three of lower case, upper case,
// digits and other characters, or control characters (which no API form can carry);
// and more than 256 characters.
func CheckADComplexity(pw string) error {
	var n, lower, upper, digit, other int
	for _, r := range pw {
		n++
		switch {
		case unicode.IsControl(r):
			return errors.New("the password contains a control character")
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
	switch {
	case n < 8:
		return errors.New("the password must have at least 8 characters")
	case n > 256:
		return errors.New("the password must have at most 256 characters")
	case lower+upper+digit+other < 3:
		return errors.New("the password must mix three of: lower case, upper case, digits, symbols")
	}
	return nil
}
