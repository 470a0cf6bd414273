package backends_test

import (
	"strings"
	"testing"

	"resetdesk/backends"
)

// Free text that reaches a server (WebADM's comments go into a user's mail or SMS) and a
// screen (the ticket) carries no control sequence and no line break.
func TestOptionsRefuseControlCharacters(t *testing.T) {
	link := backends.Mode{Name: "link", Options: []backends.OptionSpec{{Key: backends.OptComments}}}
	for _, text := range []string{"hi\x1b[2J", "a\nb", "\x1b]52;c;aGk=\x07", "tab\there", "rtl\u202eevil", "zero\u200bwidth", strings.Repeat("x", backends.MaxComments+1)} {
		if err := backends.ValidateOptions(link, backends.Options{Comments: text}); err == nil {
			t.Errorf("comments %q accepted", text)
		}
		if err := backends.ValidateOptions(link, backends.Options{Ticket: text}); err == nil {
			t.Errorf("ticket %q accepted", text)
		}
	}
	if err := backends.ValidateOptions(link, backends.Options{Comments: "Ihr neues Passwort — bitte ändern", Ticket: "INC-4711"}); err != nil {
		t.Fatal(err)
	}
}
