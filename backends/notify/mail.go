package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"resetdesk/backends"
)

// DefaultTimeout bounds one delivery (connect, TLS, login, send) when none is given.
const DefaultTimeout = 20 * time.Second

// Security is how the connection to the relay is protected.
type Security string

// The three ways to reach a relay.
const (
	// StartTLS: a plain connection made encrypted with STARTTLS before anything is
	// sent; a relay that does not offer it is refused, never used in the clear.
	StartTLS Security = "starttls"
	// ImplicitTLS: TLS from the first byte (smtps://, port 465).
	ImplicitTLS Security = "tls"
	// Plain: no TLS at all, to a loopback address only (a relay on this machine).
	Plain Security = "plain"
)

// MailConfig is where and how mail goes.
type MailConfig struct {
	Host     string
	Port     int
	Security Security
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
	cfg MailConfig
	tls *tls.Config
}

// NewMail checks cfg and builds a sender; nothing is sent.
func NewMail(cfg MailConfig) (*Mail, error) {
	if cfg.Host == "" || cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail relay %q port %d: give smtp = \"smtp://HOST:587\" in [verify]", cfg.Host, cfg.Port)
	}
	switch cfg.Security {
	case StartTLS, ImplicitTLS:
	case Plain:
		if !backends.IsLoopback(cfg.Host) {
			return nil, fmt.Errorf("mail relay %s: plain SMTP only to this machine (a loopback address): use STARTTLS (smtp://) or smtps://", cfg.Host)
		}
	default:
		return nil, fmt.Errorf("mail relay %s: unknown connection security %q", cfg.Host, cfg.Security)
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
	conf := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
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
	return &Mail{cfg: cfg, tls: conf}, nil
}

// Relay names the relay for messages: host:port.
func (m *Mail) Relay() string { return net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port)) }

// Send delivers msg. It returns nil once the relay has accepted the message for
// delivery (250 after DATA); a refusal, no relay, no STARTTLS or a login refused is an
// error that says which.
func (m *Mail) Send(ctx context.Context, msg Message) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	c, err := mail.NewClient(m.cfg.Host, m.options()...)
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
	opts := []mail.Option{mail.WithPort(m.cfg.Port), mail.WithTimeout(m.cfg.Timeout), mail.WithTLSConfig(m.tls)}
	switch m.cfg.Security {
	case ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case Plain:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		auth := mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover)
		if m.cfg.Security == Plain {
			// Only to this machine: a password in the clear never crosses a network, and
			// go-mail's discovery refuses PLAIN and LOGIN without TLS.
			auth = mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc)
		}
		opts = append(opts, auth, mail.WithUsername(m.cfg.Username), mail.WithPassword(m.cfg.Password))
	}
	if dial := m.cfg.dial; dial != nil {
		// go-mail wraps only its own dialer in TLS for smtps://.
		opts = append(opts, mail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil || m.cfg.Security != ImplicitTLS {
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
