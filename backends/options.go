package backends

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"resetdesk/sanitize"
)

// ValidateOptions checks opts against what the mode offers.
func ValidateOptions(m Mode, o Options) error {
	offered := map[string]OptionSpec{}
	for _, s := range m.Options {
		offered[s.Key] = s
	}
	if o.Method != "" {
		s, ok := offered[OptMethod]
		if !ok {
			return fmt.Errorf("mode %s has no delivery method", m.Name)
		}
		if !containsFold(s.Choices, o.Method) {
			return fmt.Errorf("method %q: choose one of %s", o.Method, strings.Join(s.Choices, ", "))
		}
	}
	if o.Expires != 0 {
		s, ok := offered[OptExpires]
		if !ok {
			return fmt.Errorf("mode %s has no expiry", m.Name)
		}
		if (s.Min != 0 || s.Max != 0) && (o.Expires < s.Min || o.Expires > s.Max) {
			return fmt.Errorf("expires %d: must be between %d and %d hours", o.Expires, s.Min, s.Max)
		}
	}
	if o.Comments != "" {
		if _, ok := offered[OptComments]; !ok {
			return fmt.Errorf("mode %s takes no comments", m.Name)
		}
		// The comments reach the user's mail or SMS: no terminal control sequence, no
		// line break a template could be split at, and a size a message can carry.
		if err := checkText("comments", o.Comments, MaxComments); err != nil {
			return err
		}
	}
	if err := checkText("ticket", o.Ticket, MaxTicket); err != nil {
		return err
	}
	if o.MustChange {
		if _, ok := offered[OptMustChange]; !ok {
			return fmt.Errorf("mode %s cannot require a change at next logon", m.Name)
		}
	}
	if o.Unlock {
		if _, ok := offered[OptUnlock]; !ok {
			return fmt.Errorf("mode %s cannot unlock the account too", m.Name)
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Bounds of the free-text options.
const (
	MaxComments = 500
	MaxTicket   = 100
)

// checkText refuses text longer than max characters, or holding what a screen does not
// draw as itself (sanitize.Unseen: ESC, newlines, tabs, C1, bidi overrides, zero-width
// characters), as ids and the config refuse it: options reach a server and a screen.
func checkText(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8 text", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long: at most %d", what, n, max)
	}
	if r, ok := sanitize.Unseen(s); ok {
		return fmt.Errorf("%s contains %s: write it on one line, as plain text", what, sanitize.Describe(r))
	}
	return nil
}
