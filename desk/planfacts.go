package desk

import (
	"fmt"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// Severity says how a front end presents a fact of a plan.
type Severity int

const (
	// FactInfo is something to know (the quota the run uses, the person it resets).
	FactInfo Severity = iota
	// FactWarn is something to read before confirming (a transport without TLS, users
	// past the quota or not found, an approval the run waits for).
	FactWarn
	// FactRefuse is why the run cannot be confirmed as it is.
	FactRefuse
)

// Fact is one line of a plan as every front end shows it: the console styles it by its
// severity, `run` prints it. The text is plain (no styling, no control characters:
// what came from a server or a file is cleaned) and whole (the front end wraps it).
type Fact struct {
	Severity Severity
	Text     string
}

// Facts are what the plan says, in the order to show them: the desk's refusal, the
// person a single reset is for, the lines not sent, the quota, the transport and the
// journal, the approval, the callers' verification, and that nothing would be sent.
// Blocked is the first refusal among them.
func (p *Plan) Facts() []Fact {
	var out []Fact
	add := func(s Severity, format string, args ...any) {
		out = append(out, Fact{Severity: s, Text: sanitize.Line(fmt.Sprintf(format, args...))})
	}
	name := p.Request.Profile().Name
	if p.Refused != "" {
		add(FactRefuse, "%s", p.Refused)
	}
	if u, ok := p.single(); ok && u.Name != "" {
		who := u.Name + " (" + u.ID + ")"
		if u.Detail != "" {
			who += " · " + u.Detail
		}
		add(FactInfo, "for %s", who)
	}
	out = append(out, p.notSentFacts()...)
	if q := p.Quota; q.Has {
		switch past := p.PastQuota(); {
		case q.Left <= 0:
			add(FactRefuse, "profile %s: the daily quota of %d successful resets is spent: nothing would be sent", name, q.Daily)
		case past > 0:
			add(FactWarn, "daily quota: %d of %d left; this run uses up to %d; the %d user(s) past it will be skipped, never sent", q.Left, q.Daily, p.Sending(), past)
		default:
			add(FactInfo, "daily quota: %d of %d left; this run uses up to %d", q.Left, q.Daily, p.Sending())
		}
	}
	if p.Transport != "" {
		add(FactWarn, "profile %s: %s", name, p.Transport)
	}
	for _, j := range p.Journal {
		add(FactWarn, "%s", j)
	}
	if a := p.Approval; a.Needed && len(a.Approvers) > 0 {
		add(FactWarn, "needs a second technician's approval (%s); approvers: %s", a.Why, listed(a.Approvers, 5))
	} else if a.Needed {
		add(FactWarn, "needs a second technician's approval (%s), and no technician may approve it: "+
			"set approver = true for another technician who may use profile %s", a.Why, name)
	}
	out = append(out, p.callerFacts()...)
	if p.Sending() == 0 && !(p.Quota.Has && p.Quota.Left <= 0) {
		add(FactRefuse, "no user would be sent")
	}
	return out
}

// single is the one user the run sends, when it sends one.
func (p *Plan) single() (PlanUser, bool) {
	var one PlanUser
	n := 0
	for _, u := range p.Users {
		if u.Skip == "" {
			one, n = u, n+1
		}
	}
	return one, n == 1
}

// notSentFacts say which lines are settled before anything is sent: the other spellings
// of an account in the run (skipped), the ids the system does not hold (failed: a
// warning).
func (p *Plan) notSentFacts() []Fact {
	var dup, missing []string
	for _, u := range p.Users {
		switch {
		case u.Skip == "":
		case u.NotFound:
			missing = append(missing, u.ID+" ("+u.Skip+")")
		default:
			dup = append(dup, u.ID+" ("+u.Skip+")")
		}
	}
	var out []Fact
	if len(dup) > 0 {
		out = append(out, Fact{FactInfo, sanitize.Line(fmt.Sprintf("%d not sent, another spelling of an account in the run: %s", len(dup), listed(dup, 3)))})
	}
	if len(missing) > 0 {
		out = append(out, Fact{FactWarn, sanitize.Line(fmt.Sprintf("%d not sent, not found: %s", len(missing), listed(missing, 3)))})
	}
	return out
}

// callerFacts say whether the callers were verified, where the profile's policy asks.
func (p *Plan) callerFacts() []Fact {
	c := p.Caller
	if c.Policy == "" || c.Policy == backends.VerifyOff {
		return nil
	}
	line := func(s Severity, text string) []Fact { return []Fact{{s, sanitize.Line(text)}} }
	switch {
	case c.Err != "":
		return line(FactRefuse, "cannot read the verifications from the history, nothing would be sent: "+c.Err)
	case c.Verified && c.How != "":
		return line(FactInfo, "caller verified by "+c.How)
	case c.Verified:
		return line(FactInfo, "every caller verified")
	case c.Policy == backends.VerifyRequired && p.Approval.Needed:
		return line(FactInfo, fmt.Sprintf("caller not verified: %s — the second technician's approval stands for it", listed(c.Unverified, 3)))
	case c.Policy == backends.VerifyRequired:
		return line(FactRefuse, (&UnverifiedError{Profile: p.Request.Profile().Name, Users: c.Unverified, ValidFor: c.ValidFor}).Error())
	}
	return line(FactInfo, fmt.Sprintf("caller not verified: %s (offered, not required)", listed(c.Unverified, 3)))
}

// Blocked says why the plan cannot be confirmed ("" when it can): the first refusal of
// its facts — the desk refuses it, the quota is spent, the caller must be verified
// first, or nothing would be sent.
func (p *Plan) Blocked() string {
	for _, f := range p.Facts() {
		if f.Severity == FactRefuse {
			return f.Text
		}
	}
	return ""
}
