package notify

import (
	"context"
	"net"
	"strings"
	"testing"

	"resetdesk/backends/notify/notifytest"
)

const testCode = "482913"

func codeMessage(to string) Message {
	return Message{To: to, Subject: "Your service desk verification code",
		Text: "Your code is " + testCode + ".\nIf you did not call the service desk, report this message.", Secrets: []string{testCode}}
}

// redirect dials addr whatever host the relay URL names: a relay reached under a name
// that is not loopback, so that the STARTTLS rules for a remote relay apply.
func redirect(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestMailDeliveredToMailpitOnLoopback(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	m, err := NewMail(MailConfig{Host: "127.0.0.1", Port: mp.Port(), Security: Plain, From: "Service Desk <servicedesk@corp.example.com>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), codeMessage("jdoe@corp.example.com")); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitMessages(t, 1)
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	g := got[0]
	if len(g.To) != 1 || g.To[0].Address != "jdoe@corp.example.com" || g.From.Address != "servicedesk@corp.example.com" || g.From.Name != "Service Desk" {
		t.Fatalf("envelope: from %+v to %+v", g.From, g.To)
	}
	if g.Subject != "Your service desk verification code" || !strings.Contains(g.Text, testCode) || g.HTML != "" {
		t.Fatalf("message: %q %q %q", g.Subject, g.Text, g.HTML)
	}
}

func TestMailRequiresSTARTTLS(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{}) // offers no STARTTLS
	for _, cfg := range []MailConfig{
		{Host: "relay.corp.test", Port: 587, Security: StartTLS, dial: redirect(mp.SMTPAddr)},
		{Host: "127.0.0.1", Port: mp.Port(), Security: StartTLS}, // on loopback too, unless plain is asked for
	} {
		cfg.From = "sd@corp.example.com"
		m, err := NewMail(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Send(context.Background(), codeMessage("jdoe@corp.example.com"))
		if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || !strings.Contains(err.Error(), "smtps://") {
			t.Fatalf("%s: err = %v", cfg.Host, err)
		}
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("%d messages went out in the clear", n)
	}
}

func TestMailSTARTTLSWithTheRelaysCA(t *testing.T) {
	cert, key := notifytest.SelfSigned(t, "relay.corp.test")
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{CertFile: cert, KeyFile: key})
	cfg := MailConfig{Host: "relay.corp.test", Port: 587, Security: StartTLS, From: "sd@corp.example.com", dial: redirect(mp.SMTPAddr),
		Username: "resetdesk", Password: "relay-pass-9c1e"}
	m, err := NewMail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Without the CA the certificate is refused, and nothing is sent.
	err = m.Send(context.Background(), codeMessage("jdoe@corp.example.com"))
	if err == nil || !strings.Contains(err.Error(), "certificate is not trusted") || strings.Contains(err.Error(), cfg.Password) {
		t.Fatalf("untrusted relay: %v", err)
	}
	cfg.CAFile = cert
	if m, err = NewMail(cfg); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), codeMessage("jdoe@corp.example.com")); err != nil {
		t.Fatal(err)
	}
	if got := mp.WaitMessages(t, 1); !strings.Contains(got[0].Text, testCode) || got[0].Username != "resetdesk" {
		t.Fatalf("text %q, login %q", got[0].Text, got[0].Username)
	}
}

func TestMailSMTPSImplicitTLS(t *testing.T) {
	cert, key := notifytest.SelfSigned(t, "relay.corp.test")
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{CertFile: cert, KeyFile: key, ImplicitTLS: true})
	m, err := NewMail(MailConfig{Host: "relay.corp.test", Port: 465, Security: ImplicitTLS, From: "sd@corp.example.com", dial: redirect(mp.SMTPAddr), CAFile: cert})
	if err != nil {
		t.Fatal(err)
	}
	if m.Relay() != "relay.corp.test:465" {
		t.Fatalf("relay %s", m.Relay())
	}
	if err := m.Send(context.Background(), codeMessage("jdoe@corp.example.com")); err != nil {
		t.Fatal(err)
	}
	mp.WaitMessages(t, 1)
}

func TestMailRefusedRecipientIsAClearErrorWithTheAddressMasked(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{AllowedRecipients: `@corp\.example\.com$`})
	m, err := NewMail(MailConfig{Host: "127.0.0.1", Port: mp.Port(), Security: Plain, From: "sd@corp.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), codeMessage("kim.lee@elsewhere.example"))
	if err == nil || !strings.Contains(err.Error(), "refused the recipient k•••@elsewhere.example") || strings.Contains(err.Error(), "kim.lee") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "55") { // the relay's own 5xx reply is shown
		t.Fatalf("no SMTP reply in %v", err)
	}
}

func TestMailRelayDownIsAClearError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close() // nothing listens there now
	m, err := NewMail(MailConfig{Host: "127.0.0.1", Port: addr.Port, Security: StartTLS, From: "sd@corp.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), codeMessage("jdoe@corp.example.com"))
	if err == nil || !strings.Contains(err.Error(), "cannot reach mail relay "+addr.String()) || strings.Contains(err.Error(), testCode) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewMailRefusesBadConfig(t *testing.T) {
	cases := []struct {
		cfg  MailConfig
		want string
	}{
		{MailConfig{Port: 587, Security: StartTLS, From: "a@b"}, "smtp://HOST:587"},
		{MailConfig{Host: "mail.corp", Port: 587, Security: Plain, From: "a@b"}, "plain SMTP only to this machine"},
		{MailConfig{Host: "mail.corp", Port: 587, Security: "ssl", From: "a@b"}, "unknown connection security"},
		{MailConfig{Host: "mail.corp", Port: 587, Security: StartTLS}, "no sender"},
		{MailConfig{Host: "mail.corp", Port: 587, Security: StartTLS, From: "not an address"}, "is not a mail address"},
		{MailConfig{Host: "mail.corp", Port: 587, Security: StartTLS, From: "a@b", Username: "u"}, "RESETDESK_SECRET_SMTP"},
	}
	for _, c := range cases {
		if _, err := NewMail(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"jdoe@corp.example.com": "j•••@corp.example.com",
		"@corp.example.com":     "•••@corp.example.com",
		"élodie@x.fr":           "é•••@x.fr",
		"+33612345603":          "+33 •• •• •• •• 03",
		"+33 6 12 34 56 03":     "+33 •• •• •• •• 03",
		"9871515001":            "•• •• •• •• 01",
		"12":                    "•••",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
