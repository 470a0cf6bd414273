package ui

import "unicode"

// strength gives a short hint about a typed password for the console: "weak",
// "fair" or "strong", with the reason when it is not strong.
func strength(pw string) string {
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
	n := len([]rune(pw))
	switch {
	case n < 8:
		return "weak: shorter than 8 characters"
	case classes < 3:
		return "weak: use three of lower, upper, digits, symbols"
	case n < 12:
		return "fair: 12 or more characters is better"
	}
	return "strong"
}
