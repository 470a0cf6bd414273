package verify

import (
	"fmt"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/notify"
	"resetdesk/sanitize"
)

// Request is what a code message says: who asked, for what, and the code.
type Request struct {
	Technician string // the name the person may hear on the phone
	Ticket     string
	Code       string
	TTL        time.Duration
}

// Subject of the code mails.
const Subject = "Your service desk verification code"

// Message is the code message for option o. It says who asked and what for, and what
// to do if the person did not call; it holds no password and no link.
func Message(o Option, r Request) notify.Message {
	who := sanitize.Line(r.Technician)
	if who == "" {
		who = "a technician"
	}
	mins := int(r.TTL.Round(time.Minute) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	if o.Method == backends.VerifySMS {
		text := fmt.Sprintf("Service desk: %s is about to reset your password and asks you to read back this code: %s (valid %d min). "+
			"If you did not call the service desk, report this message.", who, r.Code, mins)
		return notify.Message{To: o.To, Text: text, Secrets: []string{r.Code}}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\n%s at the service desk is about to reset your password and needs to know "+
		"that you are the person on the phone.\n\n", who)
	fmt.Fprintf(&b, "Your verification code is: %s\n\nRead it to the technician. It is valid for %d minutes.", r.Code, mins)
	if t := sanitize.Line(r.Ticket); t != "" {
		fmt.Fprintf(&b, " (Ticket: %s)", t)
	}
	b.WriteString("\n\nIf you did not call the service desk, report this message to your security team.\n" +
		"Nobody from the service desk will ask you for your password.\n")
	return notify.Message{To: o.To, Subject: Subject, Text: b.String(), Secrets: []string{r.Code}}
}
