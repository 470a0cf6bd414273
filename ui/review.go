package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// largeRun is the number of users above which the technician types the count to
// confirm: a key pressed by habit must not reset hundreds of accounts.
const largeRun = 100

// reviewPage shows what is about to happen, the whole list of users included; nothing
// is sent before the technician confirms.
type reviewPage struct {
	sh            *shared
	profile       *profile
	req           runner.Request
	users         []string // the request's users as drawn
	width, height int
	list          list.Model
	count         textinput.Model // the count typed to confirm a large run
	head          []string        // the lines above the list, drawn for the width
	gap           int             // blank lines between the list and the confirmation
	// quota is the day's quota left, once counted (quotaKnown) for a profile that has
	// one (hasQuota).
	quota                int
	quotaKnown, hasQuota bool
	// refused is why the desk would refuse the run (a served technician's max_users).
	refused string
}

func newReviewPage(sh *shared, p *profile, req runner.Request) *reviewPage {
	users := req.Users()
	for i, u := range users {
		users[i] = clean(u)
	}
	r := &reviewPage{sh: sh, profile: p, req: req, users: users, list: sh.newList(), count: sh.newTextInput()}
	if err := sh.desk.Allow(req); err != nil {
		r.refused = clean(err.Error())
	}
	r.list.SetItems(len(users))
	r.count.Prompt = "count: "
	r.count.CharLimit = 7
	r.count.SetWidth(8)
	if r.large() {
		r.list.SetTyping(true) // the count field takes the keys; the arrows scroll
	}
	return r
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
	nav := km.List()[:6]
	if r.large() {
		confirm = keys.Named(km.Confirm, "reset, once the count is typed")
		nav = []key.Binding{km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown}
	}
	if r.refused != "" || (r.hasQuota && r.quota <= 0) {
		// Nothing to confirm: the way back is what the help offers.
		return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}, nav}}
	}
	return keys.Help{ShortKeys: []key.Binding{confirm, km.Back}, Groups: [][]key.Binding{{confirm, km.Back}, nav}}
}

func (r *reviewPage) Init() tea.Cmd {
	cmd := quotaCmd(r.sh, r.profile.p)
	if r.large() {
		return tea.Batch(cmd, r.count.Focus())
	}
	return cmd
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

// sending is how many users the run will send, the quota allowing.
func (r *reviewPage) sending() int {
	if r.hasQuota {
		return max(min(r.quota, len(r.users)), 0)
	}
	return len(r.users)
}

// blocked says why the run cannot be confirmed ("" when it can).
func (r *reviewPage) blocked() string {
	switch {
	case r.refused != "":
		return r.refused
	case r.hasQuota && r.quota <= 0:
		return "no quota left today: nothing would be sent"
	case r.profile.p.DailyQuota > 0 && !r.quotaKnown:
		return "the quota is being counted: a moment"
	case r.large() && strings.TrimSpace(r.count.Value()) != strconv.Itoa(len(r.users)):
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
	case quotaMsg:
		if msg.profile == r.profile.p.Name {
			r.quota, r.hasQuota, r.quotaKnown = msg.left, msg.has, true
		}
		return nil, nil
	case tea.MouseWheelMsg:
		cmd, _ := r.list.Update(msg)
		return cmd, nil
	case tea.PasteMsg:
		if r.large() && onlyDigits(strings.TrimSpace(msg.Content)) {
			var cmd tea.Cmd
			r.count, cmd = r.count.Update(msg)
			return cmd, nil
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, km.Back):
			return nil, back{}
		case key.Matches(msg, km.Confirm):
			if why := r.blocked(); why != "" {
				return toastBad(why), nil
			}
			return nil, startRun{newRunPage(r.sh, r.profile, r.req, r.users)}
		}
		if cmd, ok := r.list.Update(msg); ok {
			return cmd, nil
		}
		if r.large() && (msg.Text == "" || onlyDigits(msg.Text)) {
			var cmd tea.Cmd
			r.count, cmd = r.count.Update(msg)
			return cmd, nil
		}
	}
	return nil, nil
}

func onlyDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// headLines are what the run does, its options, the quota and the warnings, wrapped to
// the width.
func (r *reviewPage) headLines() []string {
	th := r.sh.th
	req := r.req
	mode, opt := req.Mode(), req.Options()
	var lines []string
	row := func(k, v string) {
		lines = append(lines, fit.Indent(fmt.Sprintf("  %-8s ", k), v, r.width)...)
	}
	row("profile", r.profile.name+" ("+r.profile.kind+")  "+th.Subtle.Render(r.profile.url))
	row("mode", mode.Name+" — "+mode.Label)
	var opts []string
	if opt.Method != "" {
		opts = append(opts, "delivery "+opt.Method)
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
		opts = append(opts, "comments: "+opt.Comments) // plain text: NewRequest refuses control characters
	}
	if req.TypedPassword() {
		opts = append(opts, "typed password ("+strength(req.TypedPasswordValue(), mode, req.User(0))+")")
	} else if mode.Source == backends.FromPolicy {
		opts = append(opts, "a new password generated per user")
	}
	if len(opts) == 0 {
		opts = append(opts, "none")
	}
	row("options", strings.Join(opts, ", "))
	if opt.Ticket != "" {
		row("ticket", opt.Ticket)
	}
	var warns []string
	n := len(r.users)
	switch {
	case r.profile.p.DailyQuota > 0 && !r.quotaKnown:
		row("quota", th.Subtle.Render("counting…"))
	case r.hasQuota && r.quota <= 0:
		row("quota", "none left today")
		warns = append(warns, th.Danger.Render("no quota left today: nothing would be sent"))
	case r.hasQuota && r.quota < n:
		row("quota", fmt.Sprintf("%d left today", r.quota))
		rest := fmt.Sprintf("the other %d are skipped", n-r.quota)
		if n-r.quota == 1 {
			rest = "the other one is skipped"
		}
		warns = append(warns, fmt.Sprintf("%s will get a new %s; %s (today's quota)", plural(r.quota, "account"), mode.SecretLabel, rest))
	case r.hasQuota:
		row("quota", fmt.Sprintf("%d left today; this run uses up to %d", r.quota, n))
	}
	if w := r.profile.p.TransportWarning(); w != "" {
		warns = append(warns, th.Danger.Render(w))
	}
	if n > 1 && (!r.hasQuota || r.quota >= n) {
		warns = append(warns, fmt.Sprintf("%d accounts will get a new %s", n, mode.SecretLabel))
	}
	if len(warns) > 0 {
		lines = append(lines, "")
	}
	for _, w := range warns {
		for i, l := range fit.Wrap(w, max(r.width-4, 10)) {
			prefix := "    "
			if i == 0 {
				prefix = th.Warn.Render("  ! ")
			}
			lines = append(lines, prefix+l)
		}
	}
	return append(lines, "", th.Subtle.Render(fmt.Sprintf("  %s:", plural(n, "user"))))
}

// confirmLines say how to confirm, or why it cannot be.
func (r *reviewPage) confirmLines() []string {
	th := r.sh.th
	switch {
	case r.refused != "":
		return fit.Indent("  ", th.Failed.Render("Cannot run: "+r.refused+" — esc goes back"), r.width)
	case r.hasQuota && r.quota <= 0:
		return fit.Indent("  ", th.Failed.Render("Nothing can be sent today: esc goes back"), r.width)
	case r.large():
		prompt := fmt.Sprintf("Type %d and press enter to reset %s:", len(r.users), plural(r.sending(), "account"))
		return append(fit.Indent("  ", th.Key.Render(prompt), r.width),
			fit.Indent("  ", r.count.View()+th.Subtle.Render("  nothing has been sent yet; "+"esc goes back to the options"), r.width)...)
	}
	return fit.Indent("  ", th.Key.Render("Press enter to reset now")+th.Subtle.Render(" — nothing has been sent yet; "+"esc goes back to the options"), r.width)
}

func (r *reviewPage) View() string {
	var b strings.Builder
	for _, l := range r.head {
		b.WriteString(l + "\n")
	}
	b.WriteString(r.list.View(func(i int, current bool) string {
		if current {
			return "  > " + r.sh.th.Cursor.Render(r.users[i])
		}
		return "    " + r.users[i]
	}))
	b.WriteString("\n" + strings.Repeat("\n", r.gap) + strings.Join(r.confirmLines(), "\n"))
	return fit.Clip(b.String(), r.width)
}
