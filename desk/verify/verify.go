// Package verify is how the desk verifies a caller before a reset: the ways an account
// can be reached (its methods, destinations masked), the one-time codes (made from
// crypto/rand, kept as keyed hashes, checked in constant time, counted down) and the
// messages that carry them. It sends nothing and records nothing: the desk does,
// through backends/notify and the history.
package verify

import (
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/notify"
	"resetdesk/sanitize"
)

// Option is one way to verify a caller: a code by mail or SMS, or a callback.
type Option struct {
	Method string
	// To is where the code goes (the mail address or mobile number), or the number to
	// call back. It is shown only for a callback: use Shown.
	To string
	// Shown is To as screens and the history show it: masked, but a callback's number,
	// which the technician must dial.
	Shown string
}

// Label is the option as a technician reads it: "mail to j•••@corp.example.com".
func (o Option) Label() string {
	switch o.Method {
	case backends.VerifyMail:
		return "mail to " + o.Shown
	case backends.VerifySMS:
		return "text message to " + o.Shown
	}
	return "call back " + o.Shown
}

// Channels says which deliveries this host can make (the [verify] table's smtp and
// sms_url, or the demo's outbox).
type Channels struct {
	Mail, SMS bool
}

// Options lists the ways the person behind c can be reached: the methods allowed (nil
// or empty: every method) that the account has a destination for and the host can
// deliver, in the order mail, sms, callback.
func Options(c backends.Contact, allowed []string, ch Channels) []Option {
	ok := func(m string) bool {
		if len(allowed) == 0 {
			return true
		}
		for _, a := range allowed {
			if a == m {
				return true
			}
		}
		return false
	}
	var out []Option
	if mail := strings.TrimSpace(c.Mail); mail != "" && ch.Mail && ok(backends.VerifyMail) {
		out = append(out, Option{Method: backends.VerifyMail, To: mail, Shown: notify.Mask(mail)})
	}
	if mobile := strings.TrimSpace(c.Mobile); mobile != "" && ch.SMS && ok(backends.VerifySMS) {
		out = append(out, Option{Method: backends.VerifySMS, To: mobile, Shown: notify.Mask(mobile)})
	}
	if number := strings.TrimSpace(c.CallbackNumber()); number != "" && ok(backends.VerifyCallback) {
		out = append(out, Option{Method: backends.VerifyCallback, To: number, Shown: sanitize.Line(number)})
	}
	return out
}

// Pick is the option for method ("" = the first offered), and whether there is one.
func Pick(opts []Option, method string) (Option, bool) {
	for _, o := range opts {
		if method == "" || o.Method == method {
			return o, true
		}
	}
	return Option{}, false
}
