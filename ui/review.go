package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// largeRun is the number of users above which the technician types the count to
// confirm: a key pressed by habit must not reset hundreds of accounts.
const largeRun = 100

// reviewPage draws the desk's plan of a run — what it does, to whom, and the plan's
// facts (the refusal, the lines not sent and why, the quota, the warnings, the approval
// it needs) — and computes none of it; nothing is sent before the technician confirms.
type reviewPage struct {
	sh            *shared
	profile       *profile
	plan          *desk.Plan
	users         []reviewUser // the plan's users as drawn
	nameCol       int          // where their names line up
	width, height int
	list          list.Model
	count         countField // the count typed to confirm a large run
	head          []string   // the lines above the list, drawn for the width
	gap           int        // blank lines between the list and the confirmation
	// blocked is why the run cannot be confirmed here ("" when it can): the plan's
	// refusal, or a run that needs approval at a console no other technician reaches.
	blocked string
	// callerErr is why the plan could not be read again when the review showed again
	// (v may have verified the caller): the callers' verification is unknown then.
	callerErr string
}

// reviewUser is a user of the plan as the review draws it.
type reviewUser struct{ id, name, skip string }

// nameColumn is where the names of users line up: after the widest id that has a name
// beside it, within a bound (one long id does not push every name away).
func nameColumn(users []reviewUser) int {
	w := 0
	for _, u := range users {
		if u.name != "" {
			w = max(w, min(fit.Width(u.id), 28))
		}
	}
	return w
}

// text is u as listed: its id whole, its name lined up at column w, and why it is not
// sent.
func (u reviewUser) text(w int) string {
	text := u.id
	if u.name != "" {
		text += strings.Repeat(" ", max(w-fit.Width(u.id), 0)) + "  " + u.name
	}
	if u.skip != "" {
		text += " — not sent: " + u.skip
	}
	return text
}

func newReviewPage(sh *shared, p *profile, plan *desk.Plan) *reviewPage {
	r := &reviewPage{sh: sh, profile: p, list: sh.newList(), count: newCountField(sh)}
	for _, u := range plan.Users {
		r.users = append(r.users, reviewUser{id: clean(u.ID), name: clean(u.Name), skip: clean(u.Skip)})
	}
	r.nameCol = nameColumn(r.users)
	r.setPlan(plan)
	r.list.SetItems(len(r.users))
	if r.large() {
		r.list.SetTyping(true) // the count field takes the keys; the arrows scroll
	}
	return r
}

// setPlan draws plan: the desk's, first or read again.
func (r *reviewPage) setPlan(plan *desk.Plan) {
	r.plan = plan
	r.blocked = clean(plan.Blocked())
	if r.blocked == "" && plan.Approval.Needed && r.sh.desk.Technician() == "" {
		r.blocked = "this run needs a second technician's approval (" + clean(plan.Approval.Why) + "): start it from the team console " +
			"(resetdesk serve), or file it with resetdesk run --wait-approval"
	}
	r.callerErr = ""
}

func (r *reviewPage) large() bool { return len(r.users) > largeRun }

func (r *reviewPage) Title() string     { return "review" }
func (r *reviewPage) Profile() *profile { return r.profile }
func (r *reviewPage) Input() input {
	if r.large() {
		// The count field takes digits only: ? shows the help and q is ignored there,
		// whatever is typed already.
		return emptyInput
	}
	return noInput
}
func (r *reviewPage) Help() keys.Help {
	km := r.sh.keys
	confirm := km.Confirm
	what := "reset"
	if r.plan.Approval.Needed {
		what = "ask for approval"
		confirm = keys.Named(km.Confirm, what)
	}
	nav := km.List()[:6]
	if r.large() {
		confirm = keys.Named(km.Confirm, what+", once the count is typed")
		nav = []key.Binding{km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown}
	}
	if h, ok := r.callerHelp(confirm, nav); ok {
		return h
	}
	if r.blocked != "" {
		// Nothing to confirm: the way back is what the help offers.
		return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}, nav}}
	}
	return keys.Help{ShortKeys: []key.Binding{confirm, km.Back}, Groups: [][]key.Binding{{confirm, km.Back}, nav}}
}

// Resume plans the run again: the technician may have verified the caller on the page
// this review covered (v).
func (r *reviewPage) Resume() tea.Cmd {
	if r.callers().on {
		return callerCmd(r)
	}
	return nil
}

func (r *reviewPage) Init() tea.Cmd {
	if r.large() && r.blocked == "" {
		return r.count.Focus()
	}
	return nil
}

func (r *reviewPage) SetSize(w, h int) {
	r.width, r.height = w, h
	r.layout()
}

// minReviewList is the fewest lines the list keeps: a user and the "↓ n more" line.
const minReviewList = 2

// layout draws the lines above the list for the width and gives the list the rest,
// less the confirmation and the blank line above it. The confirmation (the question, the
// count field, the way back) always shows whole: on a short screen the head loses its
// blank lines, then its last lines, and the list scrolls in what is left.
func (r *reviewPage) layout() {
	r.head = r.headLines()
	r.gap = 1
	room := r.height - len(r.confirmLines()) - r.gap
	if len(r.head)+minReviewList > room {
		r.gap = 0
		room++
		r.head = slices.DeleteFunc(r.head, func(l string) bool { return l == "" })
	}
	if over := len(r.head) + minReviewList - room; over > 0 {
		users := r.head[len(r.head)-1] // "N users:" stays: it heads the list
		r.head = append(r.head[:max(len(r.head)-1-over, 0)], users)
	}
	r.list.SetHeight(max(room-len(r.head), 1))
}

// unconfirmed says why enter does not start the run yet ("" when it does).
func (r *reviewPage) unconfirmed() string {
	switch {
	case r.callersBlock():
		return r.callers().blocked(r.profile.p, r.verifiable())
	case r.blocked != "":
		return r.blocked
	case r.large() && !r.count.holds(len(r.users)):
		return fmt.Sprintf("type %d to confirm %d resets", len(r.users), len(r.users))
	}
	return ""
}

func (r *reviewPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	cmd, n := r.update(msg)
	r.layout()
	return cmd, n
}

func (r *reviewPage) update(msg tea.Msg) (tea.Cmd, nav) {
	km := r.sh.keys
	switch msg := msg.(type) {
	case callerMsg:
		if msg.r != r {
			return nil, nil
		}
		if msg.plan != nil {
			r.setPlan(msg.plan)
		} else {
			r.callerErr = msg.err
		}
		return nil, nil
	case tea.MouseWheelMsg:
		cmd, _ := r.list.Update(msg)
		return cmd, nil
	case tea.PasteMsg:
		if r.large() {
			cmd, _ := r.count.take(msg)
			return cmd, nil
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, km.Back):
			return nil, back{}
		case r.verifiable() && key.Matches(msg, km.Verify):
			req := r.plan.Request
			return nil, push{p: newVerifyPage(r.sh, r.profile, req.User(0), req.Options().Ticket)}
		case key.Matches(msg, km.Confirm):
			if why := r.unconfirmed(); why != "" {
				return toastBad(why), nil
			}
			return nil, startRun{newRunPage(r.sh, r.profile, r.plan)}
		}
		if cmd, ok := r.list.Update(msg); ok {
			return cmd, nil
		}
		if r.large() {
			cmd, _ := r.count.take(msg)
			return cmd, nil
		}
	}
	return nil, nil
}

// headLines are what the run does and with which options, then the plan's facts,
// wrapped to the width.
func (r *reviewPage) headLines() []string {
	th := r.sh.th
	req := r.plan.Request
	mode, opt := req.Mode(), req.Options()
	var lines []string
	row := func(k, v string) {
		lines = append(lines, fit.Indent(fmt.Sprintf("  %-8s ", k), v, r.width)...)
	}
	row("profile", r.profile.name+" ("+r.profile.kind+")  "+th.Subtle.Render(r.profile.url))
	row("mode", mode.Name+" — "+mode.Label)
	row("options", strings.Join(r.options(), ", "))
	if opt.Ticket != "" {
		row("ticket", clean(opt.Ticket))
	}
	if c := r.callers(); c.on {
		row("caller", c.line(r.sh, r.profile.p, r.verifiable()))
	}
	facts := r.factLines()
	if len(facts) > 0 {
		lines = append(append(lines, ""), facts...)
	}
	return append(lines, "", th.Subtle.Render(fmt.Sprintf("  %s:", plural(len(r.users), "user"))))
}

// options are the run's options as the review names them.
func (r *reviewPage) options() []string {
	req := r.plan.Request
	typed := ""
	if req.TypedPassword() {
		typed = "typed password (" + strength(req.TypedPasswordValue(), req.Mode(), req.User(0)) + ")"
	}
	return optionTexts(req.Mode(), req.Options(), typed)
}

// optionTexts names a run's options (a request's, or one waiting for approval) as the
// review and the approvals say them, with the password: typed (as described), else the
// one the mode makes per user.
func optionTexts(mode backends.Mode, opt backends.Options, typed string) []string {
	var opts []string
	if opt.Method != "" {
		opts = append(opts, "delivery "+clean(opt.Method))
	}
	if opt.Expires != 0 {
		opts = append(opts, fmt.Sprintf("expires in %dh", opt.Expires))
	}
	if opt.MustChange {
		opts = append(opts, "must change at next logon")
	}
	if opt.Unlock {
		opts = append(opts, "unlock the account too")
	}
	if opt.Comments != "" {
		opts = append(opts, "comments: "+clean(opt.Comments))
	}
	switch {
	case typed != "":
		opts = append(opts, typed)
	case mode.Source == backends.FromPolicy:
		opts = append(opts, "a new password generated per user")
	}
	if len(opts) == 0 {
		opts = append(opts, "none")
	}
	return opts
}

// factLines are the plan's facts as the review draws them. Where the profile verifies
// callers, the "caller" row says what the plan's caller facts say (and how to verify:
// v), so they are not drawn twice.
func (r *reviewPage) factLines() []string {
	plan := r.plan
	if r.callers().on {
		without := *plan
		without.Caller = desk.Verification{}
		plan = &without
	}
	return drawFacts(r.sh, plan, r.width)
}

// drawFacts draws a plan's facts, each marked and styled by its severity, wrapped to
// width: the review and the approvals draw a plan alike.
func drawFacts(sh *shared, plan *desk.Plan, width int) []string {
	th := sh.th
	var lines []string
	for _, f := range plan.Facts() {
		mark, style := th.Subtle.Render("  · "), th.Text
		switch f.Severity {
		case desk.FactWarn:
			mark = th.Warn.Render("  ! ")
		case desk.FactRefuse:
			mark, style = th.Danger.Render("  ✗ "), th.Failed
		}
		for i, l := range fit.Wrap(clean(f.Text), max(width-4, 10)) {
			prefix := "    "
			if i == 0 {
				prefix = mark
			}
			lines = append(lines, prefix+style.Render(l))
		}
	}
	return lines
}

// confirmLines say how to confirm, or why it cannot be.
func (r *reviewPage) confirmLines() []string {
	th := r.sh.th
	back := "nothing has been sent yet; esc goes back to the options"
	what := "reset now"
	if r.plan.Approval.Needed {
		what, back = "ask for a second technician's approval", "nothing is sent before another approver approves; esc goes back"
	}
	switch {
	case r.callersBlock():
		return r.callerConfirmLines()
	case r.blocked != "":
		return fit.Indent("  ", th.Failed.Render("Cannot run: "+r.blocked+" — esc goes back"), r.width)
	case r.large():
		prompt := fmt.Sprintf("Type %d and press enter to %s (%s):", len(r.users), what, plural(r.plan.Sending(), "account"))
		return append(fit.Indent("  ", th.Key.Render(prompt), r.width),
			fit.Indent("  ", r.count.View()+th.Subtle.Render("  "+back), r.width)...)
	}
	return fit.Indent("  ", th.Key.Render("Press enter to "+what)+th.Subtle.Render(" — "+back), r.width)
}

func (r *reviewPage) View() string {
	th := r.sh.th
	var b strings.Builder
	for _, l := range r.head {
		b.WriteString(l + "\n")
	}
	b.WriteString(r.list.View(func(i int, current bool) string {
		u := r.users[i]
		text := u.text(r.nameCol)
		if current {
			return "  > " + th.Cursor.Render(text)
		}
		if u.skip != "" {
			return "    " + th.Subtle.Render(text)
		}
		return "    " + text
	}))
	b.WriteString("\n" + strings.Repeat("\n", r.gap) + strings.Join(r.confirmLines(), "\n"))
	return fit.Clip(b.String(), r.width)
}
