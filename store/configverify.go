package store

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"resetdesk/backends"
)

// Verify is the [verify] table: how a one-time code reaches a caller (mail through an
// SMTP relay, SMS through an HTTP gateway) and how long codes and verifications last.
type Verify struct {
	// SMTP is the relay as written: smtp://HOST[:PORT] (STARTTLS required, default port
	// 587), smtps://HOST[:PORT] (TLS from the start, 465), or smtp+plain://HOST[:PORT]
	// (no TLS, 25), which only a loopback address may use. "" = no mail.
	SMTP string `toml:"smtp"`
	// SMTPHost, SMTPPort and SMTPSecurity are SMTP taken apart.
	SMTPHost     string       `toml:"-"`
	SMTPPort     int          `toml:"-"`
	SMTPSecurity SMTPSecurity `toml:"-"`
	// From is the sender of the code mails ("Service Desk <servicedesk@example.com>").
	From string `toml:"from"`
	// SMTPUsername logs in to the relay; its password is the secret of SMTPAccount
	// (RESETDESK_SECRET_SMTP or the secret store). "" = no login.
	SMTPUsername string `toml:"smtp_username"`
	// SMSURL is the SMS gateway (https, or http to a loopback address): POST JSON
	// {"to","text"} with the bearer secret of SMSAccount. "" = no SMS.
	SMSURL string `toml:"sms_url"`
	// CodeTTL is how long a code may be read back (default 10m).
	CodeTTL time.Duration `toml:"code_ttl"`
	// ValidFor is how long a verification lets that user's resets happen (default 15m).
	ValidFor time.Duration `toml:"valid_for"`
	// Attempts is how many wrong codes end a verification (default 3).
	Attempts int `toml:"attempts"`
}

// SMTPSecurity is how the connection to the mail relay is protected.
type SMTPSecurity string

// The SMTP URL schemes and what they mean.
const (
	SMTPStartTLS SMTPSecurity = "starttls" // smtp://: STARTTLS required, never a fallback to plain
	SMTPTLS      SMTPSecurity = "tls"      // smtps://: TLS from the first byte
	SMTPPlain    SMTPSecurity = "plain"    // smtp+plain://: no TLS, to a loopback address only
)

// The secret-store accounts of the [verify] table's secrets (RESETDESK_SECRET_SMTP,
// RESETDESK_SECRET_SMS). No profile may read as them, nor as the journal key.
const (
	SMTPAccount = "smtp"
	SMSAccount  = "sms"
)

var reservedAccounts = []string{JournalKeyAccount, SMTPAccount, SMSAccount}

// Defaults and bounds of the [verify] table.
const (
	DefaultCodeTTL  = 10 * time.Minute
	DefaultValidFor = 15 * time.Minute
	DefaultAttempts = 3
	maxVerifyTTL    = 24 * time.Hour
	maxAttempts     = 10
)

// DefaultVerify is the [verify] table of a config that has none: no mail, no SMS, the
// default lifetimes.
func DefaultVerify() Verify {
	return Verify{CodeTTL: DefaultCodeTTL, ValidFor: DefaultValidFor, Attempts: DefaultAttempts}
}

func (p *parser) verify() {
	tbl, err := table(p.root, "verify", "want a table ([verify])")
	if err != nil {
		p.bad("key \"verify\"", err)
		return
	}
	v := &p.cfg.Verify
	k, errs := p.fill(tbl, []string{"verify"}, v)
	errs = append(errs, checkVerify(v, k)...)
	for _, e := range errs {
		p.bad("verify", e)
	}
}

// checkMethods refuses a method a profile lists by name that the [verify] table gives
// no way to deliver (mail without smtp, sms without sms_url): it would fail at the first
// caller instead of here.
func (p *parser) checkMethods() {
	v := p.cfg.Verify
	for _, prof := range p.cfg.Profiles {
		if prof.Verify == backends.VerifyOff {
			continue
		}
		for _, m := range prof.VerifyMethods {
			switch {
			case m == backends.VerifyMail && v.SMTP == "":
				p.bad(label("profile", prof.Name), errors.New("key \"verify_methods\": \"mail\" needs the relay: set smtp and from in the [verify] table"))
			case m == backends.VerifySMS && v.SMSURL == "":
				p.bad(label("profile", prof.Name), errors.New("key \"verify_methods\": \"sms\" needs the gateway: set sms_url in the [verify] table"))
			}
		}
	}
}

// checkVerify checks the [verify] table and takes its smtp URL apart.
func checkVerify(v *Verify, k keys) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if k.set("smtp") {
		host, port, sec, err := ParseSMTPURL(v.SMTP)
		if err != nil {
			bad("key \"smtp\": %v", err)
		}
		v.SMTPHost, v.SMTPPort, v.SMTPSecurity = host, port, sec
		if k.missing("from") {
			bad("key \"from\" is missing: the sender of the code mails, like \"Service Desk <servicedesk@example.com>\"")
		}
	}
	if k.set("from") {
		if _, err := mail.ParseAddress(v.From); err != nil {
			bad("key \"from\": %q is not a mail address like \"Service Desk <servicedesk@example.com>\"", v.From)
		}
	}
	if k.set("sms_url") {
		if err := checkSMSURL(v.SMSURL); err != nil {
			bad("key \"sms_url\": %v", err)
		}
	}
	for _, d := range []struct {
		key string
		val time.Duration
	}{{"code_ttl", v.CodeTTL}, {"valid_for", v.ValidFor}} {
		if k.set(d.key) && (d.val <= 0 || d.val > maxVerifyTTL) {
			bad("key %q: %v is outside 1s..24h", d.key, d.val)
		}
	}
	if k.set("attempts") && (v.Attempts < 1 || v.Attempts > maxAttempts) {
		bad("key \"attempts\": %d is outside 1..%d", v.Attempts, maxAttempts)
	}
	return errs
}

// ParseSMTPURL takes a relay URL apart: smtp://HOST[:PORT] (STARTTLS, 587),
// smtps://HOST[:PORT] (TLS, 465) or smtp+plain://HOST[:PORT] (plain, 25, loopback only).
func ParseSMTPURL(raw string) (host string, port int, sec SMTPSecurity, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", 0, "", fmt.Errorf("%q is not a relay URL like \"smtp://mail.example.com:587\"", raw)
	}
	defPort := 0
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		sec, defPort = SMTPStartTLS, 587
	case "smtps":
		sec, defPort = SMTPTLS, 465
	case "smtp+plain":
		sec, defPort = SMTPPlain, 25
	default:
		return "", 0, "", fmt.Errorf("%q: use smtp://HOST:587 (STARTTLS), smtps://HOST:465 (TLS), or smtp+plain://127.0.0.1:PORT (no TLS, this machine only)", raw)
	}
	if u.User != nil {
		return "", 0, "", errors.New("the URL must not carry a user or password: set smtp_username, and the password with `resetdesk creds set smtp` or RESETDESK_SECRET_SMTP")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", 0, "", fmt.Errorf("%q: give scheme://HOST:PORT only, with no path or query", raw)
	}
	host, port = u.Hostname(), defPort
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", 0, "", fmt.Errorf("%q: port %s is not a port (1..65535)", raw, p)
		}
	}
	if sec == SMTPPlain && !backends.IsLoopback(host) {
		return "", 0, "", fmt.Errorf("%q: plain SMTP would send the codes unencrypted over the network: only a loopback address (127.0.0.1, ::1, localhost) may use smtp+plain://; use smtp:// (STARTTLS) or smtps://", raw)
	}
	return host, port, sec, nil
}

// checkSMSURL accepts an https gateway, or http to this machine.
func checkSMSURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL like \"https://sms.example.com/send\"", raw)
	}
	if u.User != nil {
		return errors.New("the URL must not carry a user or password: the gateway's bearer token is RESETDESK_SECRET_SMS or `resetdesk creds set sms`")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !backends.IsLoopback(u.Hostname()) {
			return fmt.Errorf("%q: plain http would send the codes and the gateway's token unencrypted: use https:// (http only to 127.0.0.1, ::1 or localhost)", raw)
		}
	default:
		return fmt.Errorf("%q must start with https://", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %s is not a port (1..65535)", raw, p)
		}
	}
	return nil
}
