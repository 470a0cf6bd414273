package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/slow"
)

// callerCheck is what the review knows of the callers' verification, as the desk's
// plan says it (verified by this technician within valid_for: the desk decides, and
// decides again when the run starts). Zero for a profile whose verify is off.
type callerCheck struct {
	on      bool   // the profile's verify is offered or required
	err     string // the verifications could not be read
	v       desk.Verification
	approve desk.ApprovalNeed
}

// callerMsg is the desk's plan of the review r read again, or why it could not be.
type callerMsg struct {
	r    *reviewPage
	plan *desk.Plan // nil when it could not be read (err)
	err  string
}

// callers is what the review knows of the callers: its plan's verification and
// approval, or, when the plan could not be read again, only why.
func (r *reviewPage) callers() callerCheck {
	c := callerCheck{on: r.profile.p.Verify == backends.VerifyOffered || r.profile.p.Verify == backends.VerifyRequired}
	switch {
	case !c.on:
	case r.callerErr != "":
		c.err = r.callerErr
	default:
		c.v, c.approve, c.err = r.plan.Caller, r.plan.Approval, clean(r.plan.Caller.Err)
	}
	return c
}

// callerCmd reads the plan of r's run again: the callers may have been verified.
func callerCmd(r *reviewPage) tea.Cmd {
	sh, req := r.sh, r.plan.Request
	return func() tea.Msg {
		pl, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (*desk.Plan, error) {
			return sh.desk.Plan(ctx, req)
		})
		return callerMsg{r: r, plan: pl, err: cleanErr(err)}
	}
}

// blocked says why the run cannot be confirmed yet for its callers ("" when it can):
// a required profile, callers not verified, and no second technician's approval to
// stand for it.
func (c callerCheck) blocked(p backends.Profile, single bool) string {
	if !c.on || p.Verify != backends.VerifyRequired {
		return ""
	}
	switch {
	case c.err != "":
		return "cannot tell whether the caller was verified, nothing would be sent: " + c.err
	case c.v.Verified || c.approve.Needed:
		return ""
	case single:
		return fmt.Sprintf("profile %s requires verifying the caller first: press v", clean(p.Name))
	}
	return fmt.Sprintf("profile %s requires verifying the callers first: %s not verified; verify each with `resetdesk verify -p %s USER`",
		clean(p.Name), listedUsers(c.v.Unverified, 3), clean(p.Name))
}

// verifiable: the run is for one user, whose caller the profile asks to verify (v).
func (r *reviewPage) verifiable() bool { return r.callers().on && len(r.users) == 1 }

// callersBlock: the callers' verification blocks the run.
func (r *reviewPage) callersBlock() bool {
	return r.callers().blocked(r.profile.p, r.verifiable()) != ""
}

// callerConfirmLines take the confirmation's place while the callers block the run:
// what is missing and the way on.
func (r *reviewPage) callerConfirmLines() []string {
	th := r.sh.th
	switch {
	case r.callers().err != "":
		return fit.Indent("  ", th.Failed.Render("Cannot run: whether the callers were verified cannot be read")+th.Subtle.Render(" — esc goes back"), r.width)
	case r.verifiable():
		return fit.Indent("  ", th.Failed.Render("Cannot reset yet: verify the caller first")+th.Subtle.Render(" — ")+
			th.Key.Render("v verifies")+th.Subtle.Render(", esc goes back to the options"), r.width)
	}
	return fit.Indent("  ", th.Failed.Render("Cannot run: the callers are not verified")+th.Subtle.Render(" — esc goes back"), r.width)
}

// callerHelp is the review's help where the callers' verification changes it: v for a
// single user's caller, and no enter while the callers block the run.
func (r *reviewPage) callerHelp(confirm key.Binding, nav []key.Binding) (keys.Help, bool) {
	km := r.sh.keys
	blocks := r.callersBlock()
	switch {
	case blocks && r.verifiable():
		return keys.Help{ShortKeys: []key.Binding{km.Verify, km.Back}, Groups: [][]key.Binding{{km.Verify, km.Back}, nav}}, true
	case blocks:
		return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}, nav}}, true
	case r.verifiable() && r.callers().v.Verified:
		// Verified: verifying again is the last thing offered.
		return keys.Help{ShortKeys: []key.Binding{confirm, km.Back, km.Verify}, Groups: [][]key.Binding{{confirm, km.Back, km.Verify}, nav}}, true
	case r.verifiable():
		return keys.Help{ShortKeys: []key.Binding{km.Verify, confirm, km.Back}, Groups: [][]key.Binding{{km.Verify, confirm, km.Back}, nav}}, true
	}
	return keys.Help{}, false
}

// line is the review's "caller" row: verified and how, or not and what to do.
func (c callerCheck) line(sh *shared, p backends.Profile, single bool) string {
	th := sh.th
	name := clean(p.Name)
	switch {
	case c.err != "":
		return th.Failed.Render("cannot tell whether verified: " + c.err)
	case c.v.Verified && c.v.How != "":
		return th.OK.Render("verified by " + verifiedHow(c.v.How))
	case c.v.Verified:
		return th.OK.Render("every caller verified by you")
	case single && p.Verify == backends.VerifyRequired:
		return th.Failed.Render("not verified") + " · " + th.Key.Render("v verify") +
			th.Subtle.Render(" (required before the reset)")
	case single:
		return th.Warn.Render("not verified") + " · " + th.Key.Render("v verify") +
			th.Subtle.Render(" (offered, not required)")
	}
	who := fmt.Sprintf("%s not verified: %s", plural(len(c.v.Unverified), "caller"), listedUsers(c.v.Unverified, 3))
	switch {
	case p.Verify != backends.VerifyRequired:
		return th.Warn.Render(who) + th.Subtle.Render(" — offered, not required")
	case c.approve.Needed:
		return th.Warn.Render(who) + th.Subtle.Render(" — the second technician's approval stands for it")
	}
	return th.Failed.Render(who) + " — verify each with " + th.Key.Render("resetdesk verify -p "+name+" USER")
}

// verifiedHow is the desk's "mail · 12:04" as the review says it: "mail code · 12:04".
func verifiedHow(how string) string {
	method, at, ok := strings.Cut(clean(how), " · ")
	if ok && (method == backends.VerifyMail || method == backends.VerifySMS) {
		return method + " code · " + at
	}
	return clean(how)
}

// listedUsers names up to n users and counts the rest.
func listedUsers(users []string, n int) string {
	shown := make([]string, 0, n)
	for _, u := range users[:min(n, len(users))] {
		shown = append(shown, clean(u))
	}
	s := strings.Join(shown, ", ")
	if len(users) > n {
		s += fmt.Sprintf(" and %d more", len(users)-n)
	}
	return s
}
