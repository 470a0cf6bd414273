package notify

import "strings"

// Dots is what masking puts in place of hidden characters.
const Dots = "•••"

// Mask shows a destination without giving it away, as every screen, message and record
// shows it: a mail address keeps the first character of its local part and its domain
// (j•••@corp.example.com); a phone number keeps a leading + and two digits (about the
// country code) and its last two digits, the rest in pairs of dots (+33 •• •• •• •• 03).
// The callback number is the one destination never masked: the technician dials it.
func Mask(dest string) string {
	dest = strings.TrimSpace(dest)
	if local, domain, ok := strings.Cut(dest, "@"); ok {
		first := ""
		for _, r := range local {
			first = string(r)
			break
		}
		return first + Dots + "@" + domain
	}
	return maskPhone(dest)
}

func maskPhone(number string) string {
	var digits []byte
	for i := 0; i < len(number); i++ {
		if c := number[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	if len(digits) < 4 {
		return Dots
	}
	var b strings.Builder
	if strings.HasPrefix(number, "+") && len(digits) > 6 {
		b.WriteString("+" + string(digits[:2]) + " ")
		digits = digits[2:]
	}
	hidden := len(digits) - 2
	for i := 0; i < (hidden+1)/2; i++ {
		b.WriteString("•• ")
	}
	b.WriteString(string(digits[len(digits)-2:]))
	return b.String()
}
