// Package password generates the passwords resetdesk sets (crypto/rand, one Policy per
// system: length, classes, excluded characters; never one a spreadsheet reads as a
// formula) and checks typed ones against Active Directory's default complexity rules.
package password

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Character classes for policies.
const (
	LowerChars  = "abcdefghijkmnopqrstuvwxyz" // no l: confused with 1 and I when read aloud
	UpperChars  = "ABCDEFGHJKLMNPQRSTUVWXYZ"  // no I, O
	DigitChars  = "23456789"                  // no 0, 1
	SymbolChars = "!#$%*+-=?@^_~.,:;"
)

// formulaLead are the characters that make a spreadsheet read a cell as a formula.
const formulaLead = "=+-@"

// Policy says how to generate a password a system accepts. Every class that is
// enabled appears at least once.
type Policy struct {
	Length     int
	Lower      bool
	Upper      bool
	Digits     bool
	Symbols    string // the symbols allowed; "" = none
	DigitsOnly bool   // a numeric passcode (uses 0-9)
	Exclude    string // characters the system refuses
}

// DefaultPolicy is a strong password most systems accept.
var DefaultPolicy = Policy{Length: 16, Lower: true, Upper: true, Digits: true, Symbols: SymbolChars}

func (p Policy) classes() []string {
	drop := func(set string) string {
		if p.Exclude == "" {
			return set
		}
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(p.Exclude, r) {
				return -1
			}
			return r
		}, set)
	}
	if p.DigitsOnly {
		return []string{drop("0123456789")}
	}
	var cs []string
	if p.Lower {
		cs = append(cs, drop(LowerChars))
	}
	if p.Upper {
		cs = append(cs, drop(UpperChars))
	}
	if p.Digits {
		cs = append(cs, drop(DigitChars))
	}
	if p.Symbols != "" {
		cs = append(cs, drop(p.Symbols))
	}
	return cs
}

// Generate returns a new random password under the policy, from crypto/rand.
func (p Policy) Generate() (string, error) {
	classes := p.classes()
	all := strings.Join(classes, "")
	if len(all) == 0 {
		return "", errors.New("password policy allows no characters")
	}
	for _, c := range classes {
		if c == "" {
			return "", errors.New("password policy excludes every character of a required class")
		}
	}
	if p.Length < len(classes) || p.Length < 1 {
		return "", fmt.Errorf("password policy length %d is too short", p.Length)
	}
	out := make([]byte, p.Length)
	// One character from each class first, the rest from all, then shuffle so the
	// required characters are not always at the front.
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		c, err := pick(set)
		if err != nil {
			return "", err
		}
		out[i] = c
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := randInt(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	// A spreadsheet reads a CSV cell that starts with = + - @ as a formula: an exported
	// password would be mangled. Swap such a first character with a safe one.
	if strings.IndexByte(formulaLead, out[0]) >= 0 {
		for i := 1; i < len(out); i++ {
			if strings.IndexByte(formulaLead, out[i]) < 0 {
				out[0], out[i] = out[i], out[0]
				break
			}
		}
	}
	return string(out), nil
}

func pick(set string) (byte, error) {
	i, err := randInt(len(set))
	if err != nil {
		return 0, err
	}
	return set[i], nil
}

func randInt(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, fmt.Errorf("random source failed: %w", err)
	}
	return int(v.Int64()), nil
}
