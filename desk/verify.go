package desk

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/notify"
	"resetdesk/desk/verify"
	"resetdesk/sanitize"
	"resetdesk/store"
	"resetdesk/store/history"
)

// CodesPerHour is the most codes one user of a profile is sent in an hour, whoever
// asks: the desk cannot be used to flood someone's mailbox or phone.
const CodesPerHour = 5

// Caller is a profile's user as a verification sees them: the ways to reach the person
// that their record holds and this host can use.
type Caller struct {
	Profile backends.Profile
	User    string
	Name    string // display name from the record, when it has one
	// Directory is the profile whose system was asked (the profile's directory, or the
	// profile itself).
	Directory string
	Options   []verify.Option
}

// ErrVerifyOff is the answer for a profile whose policy is off.
var ErrVerifyOff = errors.New("verifying callers is off for this profile")

// VerifySettings is the [verify] table with its defaults filled in.
func (h *Host) VerifySettings() store.Verify {
	v := h.cfg.Verify
	def := store.DefaultVerify()
	if v.CodeTTL <= 0 {
		v.CodeTTL = def.CodeTTL
	}
	if v.ValidFor <= 0 {
		v.ValidFor = def.ValidFor
	}
	if v.Attempts <= 0 {
		v.Attempts = def.Attempts
	}
	return v
}

// channels says which deliveries this host can make.
func (h *Host) channels() verify.Channels {
	if h.demo != nil {
		return verify.Channels{Mail: true, SMS: true}
	}
	v := h.cfg.Verify
	return verify.Channels{Mail: v.SMTP != "", SMS: v.SMSURL != ""}
}

// Caller looks user up in profile p's system (or its directory profile's) and lists
// the ways to verify them, destinations masked but a callback's number. Nothing is
// sent. An account with no way to reach it is an error that says what is missing.
func (d *Desk) Caller(ctx context.Context, p backends.Profile, user string) (Caller, error) {
	if _, err := d.Profile(p.Name); err != nil {
		return Caller{}, err
	}
	if p.Verify == "" || p.Verify == backends.VerifyOff {
		return Caller{}, fmt.Errorf("profile %s: %w (set verify = \"offered\" or \"required\" in its table)", p.Name, ErrVerifyOff)
	}
	dir := p
	if p.Directory != "" {
		var err error
		if dir, err = d.cfg.Profile(p.Directory); err != nil {
			return Caller{}, fmt.Errorf("profile %s: directory: %w", p.Name, err)
		}
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	b, err := d.open(ctx, dir)
	if err != nil {
		return Caller{}, err
	}
	cf, ok := b.(backends.ContactFinder)
	contact, err := backends.Contact{}, backends.ErrNoContact
	if ok {
		contact, err = cf.Contact(ctx, user)
	}
	if errors.Is(err, backends.ErrNoContact) {
		return Caller{}, fmt.Errorf("profile %s: %v: name a profile whose system has them in directory = \"...\"", dir.Name, err)
	}
	if err != nil {
		return Caller{}, err
	}
	c := Caller{Profile: p, User: user, Name: sanitize.Line(contact.Name), Directory: dir.Name,
		Options: verify.Options(contact, p.VerifyMethods, d.channels())}
	if len(c.Options) == 0 {
		return Caller{}, d.noWayToReach(c, contact)
	}
	return c, nil
}

// noWayToReach says why a caller cannot be verified: what their record lacks, or what
// the [verify] table does not set up.
func (d *Desk) noWayToReach(c Caller, contact backends.Contact) error {
	allowed := c.Profile.VerifyMethods
	if len(allowed) == 0 {
		allowed = []string{backends.VerifyMail, backends.VerifySMS, backends.VerifyCallback}
	}
	ch := d.channels()
	var why []string
	for _, m := range allowed {
		switch {
		case m == backends.VerifyMail && contact.Mail == "":
			why = append(why, "no mail address")
		case m == backends.VerifyMail && !ch.Mail:
			why = append(why, "a mail address, but no mail relay (smtp in [verify])")
		case m == backends.VerifySMS && contact.Mobile == "":
			why = append(why, "no mobile number")
		case m == backends.VerifySMS && !ch.SMS:
			why = append(why, "a mobile number, but no SMS gateway (sms_url in [verify])")
		case m == backends.VerifyCallback:
			why = append(why, "no number to call back")
		}
	}
	return fmt.Errorf("no way to verify %s: the record in %s has %s (methods allowed: %s)", sanitize.Line(c.User), c.Directory,
		strings.Join(why, "; "), strings.Join(allowed, ", "))
}

// who is the technician a verification belongs to, as the codes and the history key it.
func (d *Desk) who() (verify.Key, history.Verifier) {
	osUser, tech := d.technician()
	if tech != "" {
		return verify.Key{Who: "technician:" + tech}, history.Verifier{OSUser: osUser, Technician: tech}
	}
	return verify.Key{Who: "os:" + osUser}, history.Verifier{OSUser: osUser}
}

func (d *Desk) keyOf(c Caller) (verify.Key, history.Verifier) {
	k, v := d.who()
	k.Profile, k.User = c.Profile.Name, c.User
	return k, v
}

// event is a verification event of c by this desk's technician, now.
func (d *Desk) event(c Caller, method, destination, ticket, result string) history.Verification {
	_, who := d.who()
	return history.Verification{At: time.Now(), OSUser: who.OSUser, Technician: who.Technician, Profile: c.Profile.Name,
		User: c.User, Method: method, Result: result, Destination: destination, Ticket: ticket}
}

// askerName is the name the person hears on the phone, as the code message gives it: the
// served technician's, else the OS account's full name (or login).
func (d *Desk) askerName() string {
	if t := d.Technician(); t != "" {
		return t
	}
	if u, err := user.Current(); err == nil {
		if name, _, _ := strings.Cut(u.Name, ","); strings.TrimSpace(name) != "" {
			return strings.TrimSpace(name)
		}
	}
	osUser, _ := d.technician()
	return osUser
}

// SentCode is a code on its way.
type SentCode struct {
	Option   verify.Option
	Expires  time.Time
	Attempts int
	// Demo is set by the demo only, which has no mail server and no SMS gateway: a line,
	// marked DEMO, that holds the code as the demo outbox "delivered" it.
	Demo string
}

// SendCode sends caller c a new code by method ("" = the first way offered), replacing
// any code this technician sent them before. The code is kept in this process only, as
// a keyed hash; the history records that it was sent and where (masked), never the code.
// More than CodesPerHour codes to one user, a relay that refuses or cannot be reached:
// an error, and the code does not count as sent.
func (d *Desk) SendCode(ctx context.Context, c Caller, method, ticket string) (SentCode, error) {
	o, ok := verify.Pick(c.Options, method)
	if !ok || o.Method == backends.VerifyCallback {
		return SentCode{}, fmt.Errorf("%s cannot get a code by %s: the ways offered are %s", sanitize.Line(c.User), method, optionNames(c.Options))
	}
	sender, err := d.sender(ctx, o.Method)
	if err != nil {
		return SentCode{}, err
	}
	set := d.VerifySettings()
	log := d.verifyLog()
	ev := d.event(c, o.Method, o.Shown, ticket, history.ResultSending)
	id, granted, err := log.reserveCode(ctx, ev, CodesPerHour, time.Now().Add(-time.Hour))
	if err != nil {
		return SentCode{}, fmt.Errorf("cannot record the code in the history, nothing sent: %w", err)
	}
	if !granted {
		return SentCode{}, fmt.Errorf("%s was sent %d codes in the last hour, the most there may be: nothing sent; wait, or verify by callback", sanitize.Line(c.User), CodesPerHour)
	}
	key, _ := d.keyOf(c)
	codes := d.callers().codes
	code, err := codes.New(key, set.CodeTTL, set.Attempts, verify.Sent{Method: o.Method, Destination: o.Shown, Ticket: ticket})
	if err == nil {
		err = sender.Send(ctx, verify.Message(o, verify.Request{Technician: d.askerName(), Ticket: ticket, Code: code, TTL: set.CodeTTL}))
	}
	if err != nil {
		codes.Forget(key)
		if serr := log.settleCode(context.WithoutCancel(ctx), id, history.ResultUndelivered, err.Error()); serr != nil {
			err = errors.Join(err, serr)
		}
		return SentCode{}, fmt.Errorf("the code was not sent: %w", err)
	}
	sent := SentCode{Option: o, Expires: time.Now().Add(set.CodeTTL), Attempts: set.Attempts}
	if d.demo != nil {
		sent.Demo = fmt.Sprintf("DEMO outbox — nothing was sent: the %s carries %s", o.Label(), code)
	}
	if err := log.settleCode(context.WithoutCancel(ctx), id, history.ResultSent, ""); err != nil {
		return sent, fmt.Errorf("the code was sent, but the history could not record it: %w", err)
	}
	return sent, nil
}

func optionNames(opts []verify.Option) string {
	if len(opts) == 0 {
		return "none"
	}
	var names []string
	for _, o := range opts {
		names = append(names, o.Method)
	}
	return strings.Join(names, ", ")
}

// sender is how codes by method leave this host: the demo's outbox, the mail relay, or
// the SMS gateway, with their secrets from RESETDESK_SECRET_SMTP / _SMS or the store.
func (d *Desk) sender(ctx context.Context, method string) (notify.Sender, error) {
	if d.demo != nil {
		return d.callers().outbox, nil
	}
	v := d.cfg.Verify
	switch method {
	case backends.VerifyMail:
		cfg := notify.MailConfig{Host: v.SMTPHost, Port: v.SMTPPort, Security: notify.Security(v.SMTPSecurity), From: v.From, Username: v.SMTPUsername}
		if v.SMTPUsername != "" {
			pw, err := d.verifySecret(ctx, store.SMTPAccount, "the mail relay's password (smtp_username "+v.SMTPUsername+")")
			if err != nil {
				return nil, err
			}
			cfg.Password = pw
		}
		return notify.NewMail(cfg)
	case backends.VerifySMS:
		tok, err := d.verifySecret(ctx, store.SMSAccount, "the SMS gateway's token")
		if err != nil {
			return nil, err
		}
		return notify.NewSMS(notify.SMSConfig{URL: v.SMSURL, Token: tok})
	}
	return nil, fmt.Errorf("no delivery for method %q", method)
}

// verifySecret reads a [verify] secret as a profile's is read: RESETDESK_SECRET_<NAME>
// over the configured store.
func (d *Desk) verifySecret(ctx context.Context, account, what string) (string, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	s, err := d.Secrets().Get(ctx, account)
	if errors.Is(err, store.ErrNoSecret) {
		return "", fmt.Errorf("%s is not set: set %s, or store it with `resetdesk creds set %s`", what, store.SecretEnvName(account), account)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}
