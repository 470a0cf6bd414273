package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// DefaultTimeout bounds one delivery (connect, TLS, login, send) when none is given.
const DefaultTimeout = 20 * time.Second

// MailConfig is where and how mail goes.
type MailConfig struct {
	// URL is the relay: smtp://host[:587] (STARTTLS required, except to a loopback
	// address, where plain is accepted when the relay offers no STARTTLS) or
	// smtps://host[:465] (TLS from the first byte).
	URL string
	// From is the sender, an address with an optional name: "Service Desk <sd@corp>".
	From string
	// Username and Password log in to the relay (SMTP AUTH); no Username, no login.
	Username, Password string
	// Timeout bounds one delivery; 0 is DefaultTimeout.
	Timeout time.Duration
	// CAFile adds a PEM file of certificates to the system roots (an internal CA).
	CAFile string

	// dial replaces the network dial (tests reach a relay on loopback under another name).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Mail sends mail through one relay.
type Mail struct {
	cfg      MailConfig
	host     string
	port     int
	implicit bool // smtps://
	loopback bool
	tls      *tls.Config
}

// CheckSMTPURL says what is wrong with a relay URL, or nil.
func CheckSMTPURL(raw string) error {
	_, _, _, err := parseSMTPURL(raw)
	return err
}

func parseSMTPURL(raw string) (host string, port int, implicit bool, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return "", 0, false, fmt.Errorf("%q is not a relay address: write smtp://host:587 (STARTTLS) or smtps://host:465", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = 587
	case "smtps":
		port, implicit = 465, true
	default:
		return "", 0, false, fmt.Errorf("%q: the scheme must be smtp:// (STARTTLS) or smtps:// (TLS)", raw)
	}
	if u.User != nil {
		return "", 0, false, fmt.Errorf("%q carries credentials: give smtp_username, and the password in RESETDESK_SECRET_SMTP or the secret store", u.Redacted())
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", 0, false, fmt.Errorf("%q: give only scheme://host:port", raw)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, false, fmt.Errorf("%q: port %s is not a port (1..65535)", raw, p)
		}
		port = n
	}
	return u.Hostname(), port, implicit, nil
}

// NewMail checks cfg and builds a sender; nothing is sent.
func NewMail(cfg MailConfig) (*Mail, error) {
	host, port, implicit, err := parseSMTPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, errors.New("no sender: set from = \"Service Desk <servicedesk@corp.example.com>\" in [verify]")
	}
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("from = %q is not a mail address (write \"Service Desk <servicedesk@corp.example.com>\")", cfg.From)
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, fmt.Errorf("smtp_username %q has no password: set RESETDESK_SECRET_SMTP or `resetdesk creds set smtp`", cfg.Username)
	}
	conf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("the relay's ca_file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		conf.RootCAs = pool
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Mail{cfg: cfg, host: host, port: port, implicit: implicit, loopback: IsLoopback(host), tls: conf}, nil
}

// Relay names the relay for messages: host:port.
func (m *Mail) Relay() string { return net.JoinHostPort(m.host, strconv.Itoa(m.port)) }

// Send delivers msg. It returns nil once the relay has accepted the message for
// delivery (250 after DATA); a refusal, no relay, no STARTTLS or a login refused is an
// error that says which.
func (m *Mail) Send(ctx context.Context, msg Message) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	c, err := mail.NewClient(m.host, m.options()...)
	if err != nil {
		return fmt.Errorf("mail relay %s: %s", m.Relay(), cleanText(err.Error(), msg, m.cfg.Password))
	}
	mm := mail.NewMsg()
	if err := mm.From(m.cfg.From); err != nil {
		return fmt.Errorf("from %q: %v", m.cfg.From, err)
	}
	if err := mm.To(msg.To); err != nil {
		return fmt.Errorf("the mail address on file (%s) is not one a relay takes", Mask(msg.To))
	}
	mm.Subject(msg.Subject)
	mm.SetDate()
	mm.SetMessageID()
	mm.SetBodyString(mail.TypeTextPlain, msg.Text)
	if err := c.DialAndSendWithContext(ctx, mm); err != nil {
		return m.explain(ctx, err, msg)
	}
	return nil
}

func (m *Mail) options() []mail.Option {
	opts := []mail.Option{mail.WithPort(m.port), mail.WithTimeout(m.cfg.Timeout), mail.WithTLSConfig(m.tls)}
	switch {
	case m.implicit:
		opts = append(opts, mail.WithSSL())
	case m.loopback:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	if dial := m.cfg.dial; dial != nil {
		// go-mail wraps only its own dialer in TLS for smtps://.
		opts = append(opts, mail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil || !m.implicit {
				return c, err
			}
			tc := tls.Client(c, m.tls)
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			return tc, nil
		}))
	}
	return opts
}

// explain turns a delivery error into a sentence that names the relay and what to do.
func (m *Mail) explain(ctx context.Context, err error, msg Message) error {
	relay := m.Relay()
	text := cleanText(err.Error(), msg, m.cfg.Password)
	var sendErr *mail.SendError
	var netErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &sendErr):
		what := "refused the message"
		if sendErr.Reason == mail.ErrSMTPRcptTo {
			what = "refused the recipient " + Mask(msg.To)
		}
		if sendErr.IsTemp() {
			return fmt.Errorf("mail relay %s %s for now (%s): try again in a moment", relay, what, text)
		}
		return fmt.Errorf("mail relay %s %s: %s", relay, what, text)
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		return fmt.Errorf("mail relay %s does not offer STARTTLS, and codes travel only encrypted: enable STARTTLS on the relay, or use smtps:// (port 465)", relay)
	case strings.HasPrefix(err.Error(), "SMTP AUTH failed"):
		return fmt.Errorf("mail relay %s refused the login of smtp_username %q: %s (check RESETDESK_SECRET_SMTP or the stored smtp password)", relay, m.cfg.Username, text)
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		return fmt.Errorf("mail relay %s: its certificate is not trusted (%s): give the relay's CA in ca_file, or fix its certificate", relay, text)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("mail relay %s did not answer within %s: the code was not sent; check [verify] smtp and the network", relay, m.cfg.Timeout)
	case errors.As(err, &netErr) && netErr.Op == "dial":
		return fmt.Errorf("cannot reach mail relay %s (%s): check [verify] smtp and that the relay is up", relay, text)
	}
	return fmt.Errorf("mail relay %s: %s", relay, text)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
