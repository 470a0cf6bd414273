package backends

import (
	"context"
	"errors"
)

// Contact is how the person behind an account can be reached, as the account's own
// record holds it: where a one-time code may go when a caller is verified. Empty fields
// are not on file.
type Contact struct {
	User   string // the account, as asked for
	Name   string // display name, when the record has one
	Mail   string
	Mobile string // a mobile number: text messages, and a callback
	Phone  string // a line to call back only (Odin's phoneNumber)
}

// CallbackNumber is the number to call the person back on: the line on file, else the
// mobile.
func (c Contact) CallbackNumber() string {
	if c.Phone != "" {
		return c.Phone
	}
	return c.Mobile
}

// ContactFinder is implemented by back ends whose system can read an account's mail
// and phone numbers (ADManager SearchUser, WebADM Get_User_Attrs, EMM and Odin users).
// An account the system does not know is an *Error of kind Refused; nothing changes.
type ContactFinder interface {
	Contact(ctx context.Context, user string) (Contact, error)
}

// ErrNoContact is returned by Contact for a system that keeps no contact details (PRM):
// such a profile names another one to look people up in (`directory`).
var ErrNoContact = errors.New("this system keeps no mail address or phone number for its accounts")

// Contact forwards to a back end that reads contact details, with the server's text
// redacted like every other string from it.
func (rb *redacted) Contact(ctx context.Context, user string) (Contact, error) {
	cf, ok := rb.b.(ContactFinder)
	if !ok {
		return Contact{}, ErrNoContact
	}
	c, err := cf.Contact(ctx, user)
	c.Name, c.Mail, c.Mobile, c.Phone = rb.r.String(c.Name), rb.r.String(c.Mail), rb.r.String(c.Mobile), rb.r.String(c.Phone)
	return c, rb.redactErr(err)
}
