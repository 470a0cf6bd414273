package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// reviewPage shows what is about to happen; nothing is sent before the technician
// confirms.
type reviewPage struct {
	sh      *shared
	profile backends.Profile
	job     backends.Job
	err     error
	// quota is the day's quota left, once counted (quotaKnown) for a profile that has
	// one (hasQuota).
	quota                int
	quotaKnown, hasQuota bool
}

func newReviewPage(sh *shared, p backends.Profile, j backends.Job) *reviewPage {
	return &reviewPage{sh: sh, profile: p, job: j, err: j.Validate()}
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
		if r.err != nil {
			return r, toastBad("cannot run: " + r.err.Error())
		}
		rp := newRunPage(r.sh, r.profile, r.job)
		return r, r.sh.nav(startRunMsg{rp})
	}
	return r, nil
}

func (r *reviewPage) View() string {
	th := r.sh.th
	j := r.job
	var b strings.Builder
	row := func(k, v string) { b.WriteString(fmt.Sprintf("  %-12s %s\n", k, v)) }
	row("profile", sanitize.Line(r.profile.Name)+" ("+sanitize.Line(r.profile.Kind)+")  "+th.Subtle.Render(sanitize.Line(r.profile.URL)))
	row("users", fmt.Sprintf("%d", len(j.Users))+"  "+th.Subtle.Render(sanitize.Line(preview(j.Users, 6))))
	row("mode", j.Mode.Name+" — "+j.Mode.Label)
	var opts []string
	if j.Options.Method != "" {
		opts = append(opts, "delivery "+j.Options.Method)
	}
	if j.Options.Expires != 0 {
		opts = append(opts, fmt.Sprintf("expires in %dh", j.Options.Expires))
	}
	if j.Options.MustChange {
		opts = append(opts, "must change at next logon")
	}
	if j.Options.Comments != "" {
		opts = append(opts, "comments: "+sanitize.Line(j.Options.Comments))
	}
	if j.Password != "" {
		opts = append(opts, "typed password ("+backends.Strength(j.Password)+")")
	} else if j.Mode.Source == backends.FromPolicy {
		opts = append(opts, "a new password generated per user")
	}
	if len(opts) == 0 {
		opts = append(opts, "none")
	}
	row("options", strings.Join(opts, ", "))
	if j.Options.Ticket != "" {
		row("ticket", sanitize.Line(j.Options.Ticket))
	}
	var warns []string
	switch {
	case r.sh.o.QuotaLeft != nil && !r.quotaKnown:
		row("quota", th.Subtle.Render("counting…"))
	case r.hasQuota:
		left := r.quota
		row("quota", fmt.Sprintf("%d left today; this run uses up to %d", left, len(j.Users)))
		if len(j.Users) > left {
			warns = append(warns, fmt.Sprintf("only %d of %d users fit in today's quota: the rest will be skipped", left, len(j.Users)))
		}
	}
	if w := r.profile.TransportWarning(); w != "" {
		warns = append(warns, th.Danger.Render(w))
	}
	if len(j.Users) > 1 {
		warns = append(warns, fmt.Sprintf("%d accounts will get a new %s", len(j.Users), j.Mode.SecretLabel))
	}
	b.WriteByte('\n')
	for _, w := range warns {
		b.WriteString(th.Warn.Render("  ! ") + w + "\n")
	}
	b.WriteByte('\n')
	if r.err != nil {
		b.WriteString(th.Failed.Render("  cannot run: "+sanitize.Line(r.err.Error())) + "\n  esc to go back and fix it")
	} else {
		b.WriteString(th.Key.Render("  Press enter or y to reset now") + th.Subtle.Render(" — nothing has been sent yet; esc goes back"))
	}
	return b.String()
}

func preview(ids []string, n int) string {
	s := strings.Join(ids[:min(n, len(ids))], ", ")
	if len(ids) > n {
		s += ", …"
	}
	return s
}
