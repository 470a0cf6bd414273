// Package notify delivers short messages to people: mail over SMTP (github.com/
// wneessen/go-mail) and text messages through an HTTP gateway. It is plain network
// plumbing: it knows no session, no policy and no code. The desk's verification of
// callers composes the messages and decides who gets them.
//
// Every error is one sentence that says what failed and what to change, with the
// secrets removed (the relay's password, the gateway's token, and the ones a message
// names: the code it carries) and the recipient masked: an error is shown and may be
// recorded, and neither may hand a code, a password or a whole address around.
package notify

import (
	"context"
	"strings"

	"resetdesk/backends/redact"
	"resetdesk/sanitize"
)

// Message is one message to one person.
type Message struct {
	To      string // a mail address, or a phone number for a text message
	Subject string // mail only
	Text    string
	// Secrets are removed from every error text: the code the message carries, should a
	// server echo the message back.
	Secrets []string
}

// Sender delivers messages. Send returns nil only once the relay or gateway has taken
// the message; any error means it was not (or may not have been) delivered.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// cleanText is server text made safe to show: secrets and the recipient's address
// removed, control sequences stripped, on one line.
func cleanText(s string, m Message, secrets ...string) string {
	r := redact.New(append(append([]string{}, secrets...), m.Secrets...)...)
	s = r.String(s)
	if m.To != "" {
		s = strings.ReplaceAll(s, m.To, Mask(m.To))
	}
	return strings.TrimSpace(sanitize.Line(s))
}
