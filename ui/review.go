package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/sanitize"
)

// reviewPage shows what is about to happen; nothing is sent before the technician
// confirms.
type reviewPage struct {
	sh      *shared
	profile backends.Profile
	req     runner.Request
	// quota is the day's quota left, once counted (quotaKnown) for a profile that has
	// one (hasQuota).
	quota                int
	quotaKnown, hasQuota bool
}

func newReviewPage(sh *shared, req runner.Request) *reviewPage {
	return &reviewPage{sh: sh, profile: req.Profile(), req: req}
}

func (r *reviewPage) Title() string { return sanitize.Line(r.profile.Name) + " · review" }
func (r *reviewPage) Typing() bool  { return false }
func (r *reviewPage) Keys() keyMap {
	return keyMap{short: []key2{kConfirm, kBack, kHelp}, full: [][]key2{{kConfirm, kBack}, {kHelp, kQuit}}}
}
func (r *reviewPage) Init() tea.Cmd { return quotaCmd(r.sh, r.profile) }

func (r *reviewPage) Update(msg tea.Msg) (page, tea.Cmd) {
	if q, ok := msg.(quotaMsg); ok && q.profile == r.profile.Name {
		r.quota, r.hasQuota, r.quotaKnown = q.left, q.has, true
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	switch {
	case matches(k, kBack):
		return r, r.sh.nav(backMsg{})
	case matches(k, kConfirm):
		rp := newRunPage(r.sh, r.req)
		return r, r.sh.nav(startRunMsg{rp})
	}
	return r, nil
}

func (r *reviewPage) View() string {
	th := r.sh.th
	req := r.req
	users, mode, opt := req.Users(), req.Mode(), req.Options()
	var b strings.Builder
	row := func(k, v string) { b.WriteString(fmt.Sprintf("  %-12s %s\n", k, v)) }
	row("profile", sanitize.Line(r.profile.Name)+" ("+sanitize.Line(r.profile.Kind)+")  "+th.Subtle.Render(sanitize.Line(r.profile.URL)))
	row("users", fmt.Sprintf("%d", len(users))+"  "+th.Subtle.Render(sanitize.Line(preview(users, 6))))
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
		opts = append(opts, "comments: "+sanitize.Line(opt.Comments))
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
		row("ticket", sanitize.Line(opt.Ticket))
	}
	var warns []string
	switch {
	case r.profile.DailyQuota > 0 && !r.quotaKnown:
		row("quota", th.Subtle.Render("counting…"))
	case r.hasQuota:
		left := r.quota
		row("quota", fmt.Sprintf("%d left today; this run uses up to %d", left, len(users)))
		if len(users) > left {
			warns = append(warns, fmt.Sprintf("only %d of %d users fit in today's quota: the rest will be skipped", left, len(users)))
		}
	}
	if w := r.profile.TransportWarning(); w != "" {
		warns = append(warns, th.Danger.Render(w))
	}
	if len(users) > 1 {
		warns = append(warns, fmt.Sprintf("%d accounts will get a new %s", len(users), mode.SecretLabel))
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
