// Package plantest is the one table of plans that every front end's rendering is held
// to: each case is a desk.Plan as the desk computes it, the facts it must say, and what
// `resetdesk run` prints for it. The console's review is held to the same table.
package plantest

import (
	"fmt"
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/admanager" // the kinds the table's profiles use
	_ "resetdesk/backends/odin"
	"resetdesk/backends/runner"
	"resetdesk/desk"
)

// Case is one plan, its facts, and `run`'s rendering of it.
type Case struct {
	Name  string
	Plan  *desk.Plan
	Facts []desk.Fact
	// Run is what `run` prints on stderr before reading the answer (its confirmation);
	// "" for a blocked plan, which `run` refuses with Plan.Blocked() (exit 2).
	Run string
	// Console is what the console's review draws of it in a served console, wide
	// enough for no line to wrap, colors left out: each fact marked by its severity
	// ("·" to know, "!" to read first, "✗" a refusal), then how to confirm or why it
	// cannot be.
	Console string
}

// noServer is a back end the table's requests are built on: nothing is sent to plan.
type noServer struct{ backends.Backend }

var (
	adm = backends.Profile{Name: "adm", Kind: "admanager", URL: "https://adm.example.com", Domain: "corp.example.com"}
	lab = backends.Profile{Name: "lab", Kind: "odin", URL: "https://odin.example.com/api/v2", Username: "desk"}
)

// request builds a request of mode on p for users; it panics on a table that does not
// build (a programming error of the table).
func request(p backends.Profile, mode string, users ...string) runner.Request {
	req, err := runner.NewRequest(noServer{}, p, runner.Spec{Mode: mode, Users: users})
	if err != nil {
		panic(fmt.Sprintf("plantest: %v", err))
	}
	return req
}

// plan is a plan of req with its users as given (each sent, nobody named) changed by
// set.
func plan(req runner.Request, set func(*desk.Plan)) *desk.Plan {
	p := &desk.Plan{Request: req}
	for _, u := range req.Users() {
		p.Users = append(p.Users, desk.PlanUser{User: desk.User{ID: u}})
	}
	if set != nil {
		set(p)
	}
	return p
}

func info(s string) desk.Fact   { return desk.Fact{Severity: desk.FactInfo, Text: s} }
func warn(s string) desk.Fact   { return desk.Fact{Severity: desk.FactWarn, Text: s} }
func refuse(s string) desk.Fact { return desk.Fact{Severity: desk.FactRefuse, Text: s} }

const (
	labQuestion = "Reset SIP authentication password for %d user(s) in profile lab (odin, https://odin.example.com/api/v2)? [y/N] "
	admQuestion = "Reset Set a new password (typed for one user, else generated per user) for %d user(s) in profile adm (admanager, https://adm.example.com)? [y/N] "
)

const unverified = "profile lab requires verifying the caller before a reset, and you have not verified 9871515001@odinapi.net in the last 15m0s: " +
	"nothing was sent; verify each with `resetdesk verify -p lab USER`"

// The review's last line: how to confirm, or why it cannot be.
const (
	resetNow   = "  Press enter to reset now — nothing has been sent yet; esc goes back to the options"
	askApprove = "  Press enter to ask for a second technician's approval — nothing is sent before another approver approves; esc goes back"
)

func cannotRun(why string) string { return "  Cannot run: " + why + " — esc goes back" }

// Cases are the table.
func Cases() []Case { return append(runCases(), callerCases()...) }

// runCases are the table's plans of who is sent, the quota, the warnings, the refusal
// and the approval.
func runCases() []Case {
	three := []string{"9871515001@odinapi.net", "9871515002@odinapi.net", "9871515003@odinapi.net"}
	return []Case{
		{Name: "a plain run", Plan: plan(request(lab, "sip", three...), nil),
			Run:     fmt.Sprintf(labQuestion, 3),
			Console: resetNow},
		{Name: "one person, named",
			Plan: plan(request(adm, "set", "jdoe"), func(p *desk.Plan) {
				p.Users[0].Name, p.Users[0].Detail = "Jamal Doe", "Sales"
			}),
			Facts:   []desk.Fact{info("for Jamal Doe (jdoe) · Sales")},
			Run:     "  for Jamal Doe (jdoe) · Sales\n" + fmt.Sprintf(admQuestion, 1),
			Console: "  · for Jamal Doe (jdoe) · Sales\n" + resetNow},
		{Name: "spellings of one account and an id nobody holds",
			Plan: plan(request(adm, "set", "jdoe", "JDOE", "ghost@corp.example.com", "asmith"), func(p *desk.Plan) {
				p.Users[1].Skip = "same account as jdoe"
				p.Users[2].Skip, p.Users[2].NotFound = "not found in ManageEngine ADManager Plus", true
			}),
			Facts: []desk.Fact{info("1 not sent, another spelling of an account in the run: JDOE (same account as jdoe)"),
				warn("1 not sent, not found: ghost@corp.example.com (not found in ManageEngine ADManager Plus)")},
			Run: "  1 not sent, another spelling of an account in the run: JDOE (same account as jdoe)\n" +
				"  WARNING: 1 not sent, not found: ghost@corp.example.com (not found in ManageEngine ADManager Plus)\n" + fmt.Sprintf(admQuestion, 2),
			Console: "  · 1 not sent, another spelling of an account in the run: JDOE (same account as jdoe)\n" +
				"  ! 1 not sent, not found: ghost@corp.example.com (not found in ManageEngine ADManager Plus)\n" + resetNow},
		{Name: "quota with room",
			Plan:    plan(request(lab, "sip", three...), func(p *desk.Plan) { p.Quota = desk.QuotaUse{Has: true, Daily: 10, Left: 7} }),
			Facts:   []desk.Fact{info("daily quota: 7 of 10 left; this run uses up to 3")},
			Run:     "  daily quota: 7 of 10 left; this run uses up to 3\n" + fmt.Sprintf(labQuestion, 3),
			Console: "  · daily quota: 7 of 10 left; this run uses up to 3\n" + resetNow},
		{Name: "quota cuts the run",
			Plan:    plan(request(lab, "sip", three...), func(p *desk.Plan) { p.Quota = desk.QuotaUse{Has: true, Daily: 10, Left: 1} }),
			Facts:   []desk.Fact{warn("daily quota: 1 of 10 left; this run uses up to 1; the 2 user(s) past it will be skipped, never sent")},
			Run:     "  WARNING: daily quota: 1 of 10 left; this run uses up to 1; the 2 user(s) past it will be skipped, never sent\n" + fmt.Sprintf(labQuestion, 1),
			Console: "  ! daily quota: 1 of 10 left; this run uses up to 1; the 2 user(s) past it will be skipped, never sent\n" + resetNow},
		{Name: "quota spent",
			Plan:  plan(request(lab, "sip", three[0]), func(p *desk.Plan) { p.Quota = desk.QuotaUse{Has: true, Daily: 10} }),
			Facts: []desk.Fact{refuse("profile lab: the daily quota of 10 successful resets is spent: nothing would be sent")},
			Console: "  ✗ profile lab: the daily quota of 10 successful resets is spent: nothing would be sent\n" +
				cannotRun("profile lab: the daily quota of 10 successful resets is spent: nothing would be sent")},
		{Name: "no TLS and a journal another key wrote",
			Plan: plan(request(lab, "sip", three[0]), func(p *desk.Plan) {
				p.Transport = "plain HTTP to another machine: the password travels readable"
				p.Journal = []string{"1 journal file(s) were written with a key this host does not have (the first: a.journal): recover cannot read them"}
			}),
			Facts: []desk.Fact{warn("profile lab: plain HTTP to another machine: the password travels readable"),
				warn("1 journal file(s) were written with a key this host does not have (the first: a.journal): recover cannot read them")},
			Run: "  WARNING: profile lab: plain HTTP to another machine: the password travels readable\n" +
				"  WARNING: 1 journal file(s) were written with a key this host does not have (the first: a.journal): recover cannot read them\n" +
				fmt.Sprintf(labQuestion, 1),
			Console: "  ! profile lab: plain HTTP to another machine: the password travels readable\n" +
				"  ! 1 journal file(s) were written with a key this host does not have (the first: a.journal): recover cannot read them\n" + resetNow},
		{Name: "refused by the desk",
			Plan: plan(request(lab, "sip", three...), func(p *desk.Plan) {
				p.Refused = "3 users is more than technician dave may reset in one run (max_users = 2): split the list"
			}),
			Facts: []desk.Fact{refuse("3 users is more than technician dave may reset in one run (max_users = 2): split the list")},
			Console: "  ✗ 3 users is more than technician dave may reset in one run (max_users = 2): split the list\n" +
				cannotRun("3 users is more than technician dave may reset in one run (max_users = 2): split the list")},
		{Name: "needs approval",
			Plan: plan(request(lab, "sip", three...), func(p *desk.Plan) {
				p.Approval = desk.ApprovalNeed{Needed: true, Why: "3 users, more than approval_over = 2", Over: 2, Approvers: []string{"bob", "erin"}}
			}),
			Facts:   []desk.Fact{warn("needs a second technician's approval (3 users, more than approval_over = 2); approvers: bob, erin")},
			Run:     "  WARNING: needs a second technician's approval (3 users, more than approval_over = 2); approvers: bob, erin\n" + fmt.Sprintf(labQuestion, 3),
			Console: "  ! needs a second technician's approval (3 users, more than approval_over = 2); approvers: bob, erin\n" + askApprove},
	}
}

// callerCases are the table's plans of profiles that verify the callers.
func callerCases() []Case {
	three := []string{"9871515001@odinapi.net", "9871515002@odinapi.net", "9871515003@odinapi.net"}
	return []Case{
		{Name: "caller verified",
			Plan: plan(request(lab, "sip", three[0]), func(p *desk.Plan) {
				p.Caller = desk.Verification{Policy: backends.VerifyRequired, Verified: true, How: "mail · 12:04"}
			}),
			Facts:   []desk.Fact{info("caller verified by mail · 12:04")},
			Run:     "  caller verified by mail · 12:04\n" + fmt.Sprintf(labQuestion, 1),
			Console: "  · caller verified by mail · 12:04\n" + resetNow},
		{Name: "caller not verified where it is required",
			Plan: plan(request(lab, "sip", three[0]), func(p *desk.Plan) {
				p.Caller = desk.Verification{Policy: backends.VerifyRequired, Unverified: three[:1], ValidFor: 15 * time.Minute}
			}),
			Facts:   []desk.Fact{refuse(unverified)},
			Console: "  ✗ " + unverified + "\n" + cannotRun(unverified)},
		{Name: "caller not verified, a second technician approves",
			Plan: plan(request(lab, "sip", three[0]), func(p *desk.Plan) {
				p.Caller = desk.Verification{Policy: backends.VerifyRequired, Unverified: three[:1], ValidFor: 15 * time.Minute}
				p.Approval = desk.ApprovalNeed{Needed: true, Why: "9871515001@odinapi.net: approve = [\"98715150*\"]", Approvers: []string{"bob"}}
			}),
			Facts: []desk.Fact{warn("needs a second technician's approval (9871515001@odinapi.net: approve = [\"98715150*\"]); approvers: bob"),
				info("caller not verified: 9871515001@odinapi.net — the second technician's approval stands for it")},
			Run: "  WARNING: needs a second technician's approval (9871515001@odinapi.net: approve = [\"98715150*\"]); approvers: bob\n" +
				"  caller not verified: 9871515001@odinapi.net — the second technician's approval stands for it\n" + fmt.Sprintf(labQuestion, 1),
			Console: "  ! needs a second technician's approval (9871515001@odinapi.net: approve = [\"98715150*\"]); approvers: bob\n" +
				"  · caller not verified: 9871515001@odinapi.net — the second technician's approval stands for it\n" + askApprove},
		{Name: "caller not verified where it is offered",
			Plan: plan(request(lab, "sip", three[0]), func(p *desk.Plan) {
				p.Caller = desk.Verification{Policy: backends.VerifyOffered, Unverified: three[:1]}
			}),
			Facts:   []desk.Fact{info("caller not verified: 9871515001@odinapi.net (offered, not required)")},
			Run:     "  caller not verified: 9871515001@odinapi.net (offered, not required)\n" + fmt.Sprintf(labQuestion, 1),
			Console: "  · caller not verified: 9871515001@odinapi.net (offered, not required)\n" + resetNow},
		{Name: "nobody would be sent",
			Plan: plan(request(adm, "set", "ghost@corp.example.com"), func(p *desk.Plan) {
				p.Users[0].Skip, p.Users[0].NotFound = "not found in ManageEngine ADManager Plus", true
			}),
			Facts: []desk.Fact{warn("1 not sent, not found: ghost@corp.example.com (not found in ManageEngine ADManager Plus)"), refuse("no user would be sent")},
			Console: "  ! 1 not sent, not found: ghost@corp.example.com (not found in ManageEngine ADManager Plus)\n" +
				"  ✗ no user would be sent\n" + cannotRun("no user would be sent")},
	}
}
