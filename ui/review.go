package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
)

// reviewPage shows what is about to happen; nothing is sent before the technician
// confirms.
type reviewPage struct {
	sh      *shared
	profile *profile
	req     runner.Request
	users   []string // the request's users as drawn
	width   int
	// quota is the day's quota left, once counted (quotaKnown) for a profile that has
	// one (hasQuota).
	quota                int
	quotaKnown, hasQuota bool
}

func newReviewPage(sh *shared, p *profile, req runner.Request) *reviewPage {
	users := req.Users()
	for i, u := range users {
		users[i] = clean(u)
	}
	return &reviewPage{sh: sh, profile: p, req: req, users: users}
}

func (r *reviewPage) Title() string     { return "review" }
func (r *reviewPage) Profile() *profile { return r.profile }
func (r *reviewPage) Input() input      { return noInput }
func (r *reviewPage) Help() keys.Help {
	km := r.sh.keys
	return keys.Help{ShortKeys: []key.Binding{km.Confirm, km.Back}, Groups: [][]key.Binding{{km.Confirm, km.Back}}}
}
func (r *reviewPage) Init() tea.Cmd    { return quotaCmd(r.sh, r.profile.p) }
func (r *reviewPage) SetSize(w, _ int) { r.width = w }

func (r *reviewPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := r.sh.keys
	if q, ok := msg.(quotaMsg); ok && q.profile == r.profile.p.Name {
		r.quota, r.hasQuota, r.quotaKnown = q.left, q.has, true
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch {
	case key.Matches(k, km.Back):
		return nil, back{}
	case key.Matches(k, km.Confirm):
		return nil, startRun{newRunPage(r.sh, r.profile, r.req)}
	}
	return nil, nil
}

func (r *reviewPage) View() string {
	th := r.sh.th
	req := r.req
	mode, opt := req.Mode(), req.Options()
	var b strings.Builder
	row := func(k, v string) {
		for _, l := range fit.Indent(fmt.Sprintf("  %-12s ", k), v, r.width) {
			b.WriteString(l + "\n")
		}
	}
	row("profile", r.profile.name+" ("+r.profile.kind+")  "+th.Subtle.Render(r.profile.url))
	row("users", fmt.Sprintf("%d", len(r.users))+"  "+th.Subtle.Render(preview(r.users, 6)))
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
	if opt.Comments != "" {
		opts = append(opts, "comments: "+opt.Comments) // refused by NewRequest unless plain text
	}
	if req.TypedPassword() {
		opts = append(opts, "typed password ("+strength(req.TypedPasswordValue())+")")
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
	switch {
	case r.profile.p.DailyQuota > 0 && !r.quotaKnown:
		row("quota", th.Subtle.Render("counting…"))
	case r.hasQuota:
		left := r.quota
		row("quota", fmt.Sprintf("%d left today; this run uses up to %d", left, len(r.users)))
		if len(r.users) > left {
			warns = append(warns, fmt.Sprintf("only %d of %d users fit in today's quota: the rest will be skipped", left, len(r.users)))
		}
	}
	if w := r.profile.p.TransportWarning(); w != "" {
		warns = append(warns, th.Danger.Render(w))
	}
	if len(r.users) > 1 {
		warns = append(warns, fmt.Sprintf("%d accounts will get a new %s", len(r.users), mode.SecretLabel))
	}
	b.WriteByte('\n')
	for _, w := range warns {
		b.WriteString(th.Warn.Render("  ! ") + w + "\n")
	}
	b.WriteByte('\n')
	b.WriteString(th.Key.Render("  Press enter or y to reset now") + th.Subtle.Render(" — nothing has been sent yet; esc goes back"))
	return b.String()
}

func preview(ids []string, n int) string {
	s := strings.Join(ids[:min(n, len(ids))], ", ")
	if len(ids) > n {
		s += ", …"
	}
	return s
}
