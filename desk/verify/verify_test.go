package verify

import (
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

func TestOptionsFollowTheAccountThePolicyAndTheHost(t *testing.T) {
	full := backends.Contact{Mail: "jdoe@corp.example.com", Mobile: "+33612345603"}
	all := Channels{Mail: true, SMS: true}
	methods := func(opts []Option) string {
		var m []string
		for _, o := range opts {
			m = append(m, o.Method+"="+o.Shown)
		}
		return strings.Join(m, " ")
	}
	cases := []struct {
		c       backends.Contact
		allowed []string
		ch      Channels
		want    string
	}{
		{full, nil, all, "mail=j•••@corp.example.com sms=+33 •• •• •• •• 03 callback=+33612345603"},
		{full, []string{"sms", "callback"}, all, "sms=+33 •• •• •• •• 03 callback=+33612345603"},
		{full, nil, Channels{SMS: true}, "sms=+33 •• •• •• •• 03 callback=+33612345603"}, // no relay: no mail
		{backends.Contact{Mail: "kim@example.com"}, nil, all, "mail=k•••@example.com"},
		{backends.Contact{Mail: "a@b", Phone: "9871515001"}, []string{"callback"}, all, "callback=9871515001"},
		{backends.Contact{Phone: "98\x1b]52;c;x\a71"}, nil, all, "callback=9871"},
		{backends.Contact{}, nil, all, ""},
	}
	for _, c := range cases {
		if got := methods(Options(c.c, c.allowed, c.ch)); got != c.want {
			t.Errorf("%+v %v %+v: %q, want %q", c.c, c.allowed, c.ch, got, c.want)
		}
	}
	opts := Options(full, nil, all)
	if o, ok := Pick(opts, ""); !ok || o.Method != backends.VerifyMail {
		t.Fatalf("first: %+v", o)
	}
	if o, ok := Pick(opts, backends.VerifySMS); !ok || o.To != "+33612345603" {
		t.Fatalf("sms: %+v", o)
	}
	if _, ok := Pick(Options(backends.Contact{Mail: "a@b"}, nil, all), backends.VerifySMS); ok {
		t.Fatal("picked sms with no mobile")
	}
}

func TestMessagesSayWhoAskedAndWhatForWithNoLink(t *testing.T) {
	r := Request{Technician: "Alice Martin", Ticket: "INC-4711", Code: "482913", TTL: 10 * time.Minute}
	mail := Message(Option{Method: backends.VerifyMail, To: "jdoe@corp.example.com"}, r)
	sms := Message(Option{Method: backends.VerifySMS, To: "+33612345603"}, r)
	for name, m := range map[string]struct{ to, text string }{"mail": {mail.To, mail.Text}, "sms": {sms.To, sms.Text}} {
		for _, want := range []string{"Alice Martin", "about to reset your password", "482913", "If you did not call the service desk, report this message", "10 min"} {
			if !strings.Contains(m.text, want) {
				t.Errorf("%s: no %q in %q", name, want, m.text)
			}
		}
		for _, never := range []string{"http", "://", "www."} {
			if strings.Contains(m.text, never) {
				t.Errorf("%s: a link in %q", name, m.text)
			}
		}
	}
	if mail.Subject != Subject || !strings.Contains(mail.Text, "INC-4711") || len(mail.Secrets) != 1 || mail.Secrets[0] != "482913" {
		t.Fatalf("mail %+v", mail)
	}
	if len(sms.Text) > 320 { // two SMS at most
		t.Fatalf("sms of %d characters", len(sms.Text))
	}
}
