package backends

import (
	"fmt"
	"strings"
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
	}
	if o.MustChange {
		if _, ok := offered[OptMustChange]; !ok {
			return fmt.Errorf("mode %s cannot require a change at next logon", m.Name)
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
