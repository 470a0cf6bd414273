package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
	"resetdesk/ui/slow"
)

// profilesPage lists the configured profiles; enter opens one.
type profilesPage struct {
	sh            *shared
	list          list.Model
	width, height int
	open          slow.Task
	err           string
	// typed are the keys typed while a profile opens (a name, enter): the users page
	// gets them when it shows, so that nothing typed at speed is lost.
	typed []tea.KeyPressMsg
	// notes are lines the console found as it opened (a run cut off by a restart of
	// the host), above the profiles until one is opened.
	notes []string
}

// maxTyped bounds the keys kept while a profile opens.
const maxTyped = 64

type secretStatusMsg struct{ profile, status string }
type quotaMsg struct {
	profile string
	left    int
	has     bool
}
type openedMsg struct {
	p   *profile
	b   backends.Backend
	err string
}

func newProfilesPage(sh *shared) *profilesPage {
	p := &profilesPage{sh: sh, list: sh.newList(), open: slow.NewTask()}
	p.list.SetItems(len(sh.profiles))
	p.list.SetRowLines(func(i int) int { return len(p.rowLines(i, false)) })
	p.list.SetFilter(list.Contains(func() int { return len(sh.profiles) }, func(i int) string { return sh.profiles[i].name }))
	return p
}

func (p *profilesPage) Title() string { return "profiles" }
func (p *profilesPage) Input() input {
	if p.list.Filtering() {
		return inputOf(true, p.list.Query())
	}
	return noInput
}
func (p *profilesPage) Help() keys.Help {
	km := p.sh.keys
	if p.list.Filtering() {
		open := keys.Named(km.Accept, "keep the filter, then enter opens")
		return keys.Help{ShortKeys: []key.Binding{open, km.Clear}, Groups: [][]key.Binding{{open, km.Clear, km.ArrowUp, km.ArrowDown}}}
	}
	clear := keys.Named(km.Back, "clear the filter")
	clear.SetEnabled(p.list.Query() != "")
	// Served, a opens the approval requests (from every page: the root's key).
	approvals := km.Approvals
	approvals.SetEnabled(p.sh.desk.Technician() != "")
	return keys.Help{
		ShortKeys: []key.Binding{km.Open, km.Credentials, km.Recover, km.History, km.OpenNumber, km.Filter, clear},
		Groups:    [][]key.Binding{km.List(), {km.Open, km.OpenNumber, km.Credentials, km.Recover, km.History, km.Runs, approvals, clear}},
	}
}

func (p *profilesPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

func (p *profilesPage) layout() {
	// The heading and its blank line above, the spinner or the error below.
	below := 0
	if p.open.Running() {
		below = 2
	}
	if p.err != "" {
		below = 1 + len(fit.Wrap(p.err, p.width))
	}
	p.list.SetHeight(max(p.height-2-below-len(p.noteLines()), 2))
}

// Init asks for every profile's secret status and quota, each in its own command since
// the keyring may be slow or hang and the quota is counted in the history database.
func (p *profilesPage) Init() tea.Cmd {
	cmds := []tea.Cmd{p.Resume()}
	for _, pr := range p.sh.profiles {
		cmds = append(cmds, secretStatusCmd(p.sh, pr.p, openTimeout))
	}
	return tea.Batch(cmds...)
}

// secretStatusCmd asks where a profile's secret comes from, under timeout d.
func secretStatusCmd(sh *shared, pr backends.Profile, d time.Duration) tea.Cmd {
	return func() tea.Msg {
		st, err := slow.Call(sh.ctx, d, func(ctx context.Context) (string, error) {
			return sh.desk.SecretSource(ctx, pr)
		})
		if err != nil {
			st = "unknown: " + err.Error()
			if errors.Is(err, store.ErrNoSecret) {
				st = "missing: " + err.Error()
			}
		}
		return secretStatusMsg{pr.Name, clean(st)}
	}
}

// Resume counts the quotas again when the page is back on top: a run may have used some.
func (p *profilesPage) Resume() tea.Cmd {
	var cmds []tea.Cmd
	for _, pr := range p.sh.profiles {
		cmds = append(cmds, quotaCmd(p.sh, pr.p))
	}
	return tea.Batch(cmds...)
}

// quotaCmd asks for a profile's quota off the UI goroutine: counting it reads the
// history database, which View and Update must never wait for.
// A quota that cannot be counted shows as spent; the run itself refuses then.
func quotaCmd(sh *shared, pr backends.Profile) tea.Cmd {
	if pr.DailyQuota <= 0 {
		return nil
	}
	return func() tea.Msg {
		type quota struct {
			left int
			has  bool
		}
		q, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (quota, error) {
			left, has, err := sh.desk.QuotaLeft(ctx, pr)
			return quota{left, has}, err
		})
		if err != nil {
			return quotaMsg{pr.Name, 0, true}
		}
		return quotaMsg{pr.Name, q.left, q.has}
	}
}

func (p *profilesPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := p.sh.keys
	switch msg := msg.(type) {
	case openedMsg:
		p.open.Done()
		if msg.err != "" {
			p.typed = nil // typed for a page that does not come
			p.err = fmt.Sprintf("cannot open %s: %s", msg.p.name, msg.err)
			p.layout()
			return nil, nil
		}
		p.layout()
		typed := p.typed
		p.typed = nil
		return nil, push{p: newUsersPage(p.sh, msg.p, msg.b), typed: typed}
	case tea.KeyPressMsg:
		if p.open.Running() {
			if (msg.Text != "" || key.Matches(msg, km.Open)) && len(p.typed) < maxTyped {
				p.typed = append(p.typed, msg)
			}
			return nil, nil
		}
		if p.list.Filtering() {
			cmd, _ := p.list.Update(msg)
			return cmd, nil
		}
		if key.Matches(msg, km.OpenNumber) {
			// The number is the profile's own, whatever the filter shows.
			if n := int(msg.Code - '1'); n < len(p.sh.profiles) {
				return p.start(p.sh.profiles[n]), nil
			}
			return nil, nil
		}
		if key.Matches(msg, km.Back) && p.list.Query() != "" {
			p.list.ClearFilter()
			return nil, nil
		}
		cur, ok := p.list.Current()
		switch {
		case !ok:
		case key.Matches(msg, km.Credentials):
			return nil, push{p: newCredsPage(p.sh, p.sh.profiles[cur])}
		case key.Matches(msg, km.Open):
			return p.start(p.sh.profiles[cur]), nil
		}
		switch {
		case key.Matches(msg, km.Recover):
			return nil, push{p: newRecoverPage(p.sh)}
		case key.Matches(msg, km.History):
			return nil, push{p: newHistoryPage(p.sh)}
		case key.Matches(msg, km.Runs):
			return nil, push{p: newRunsPage(p.sh, p)}
		}
		cmd, _ := p.list.Update(msg)
		return cmd, nil
	case tea.MouseWheelMsg:
		cmd, _ := p.list.Update(msg)
		return cmd, nil
	}
	return p.open.Update(msg), nil
}

// start opens pr off the UI goroutine, under the open timeout.
func (p *profilesPage) start(pr *profile) tea.Cmd {
	p.err, p.notes = "", nil
	sh := p.sh
	cmd := p.open.Start("opening "+pr.name, func() tea.Msg {
		b, err := slow.Call(sh.ctx, openTimeout, func(ctx context.Context) (backends.Backend, error) {
			return sh.desk.Open(ctx, pr.p)
		})
		return openedMsg{pr, b, cleanErr(err)}
	})
	p.layout()
	return cmd
}

func (p *profilesPage) View() string {
	th := p.sh.th
	if len(p.sh.profiles) == 0 {
		return th.Warn.Render("No profiles configured.") + "\n\n" +
			strings.Join(fit.Wrap("Add one to the config file (see `resetdesk profiles`), or try the demo: resetdesk --demo", p.width), "\n")
	}
	var b strings.Builder
	for _, l := range p.noteLines() {
		b.WriteString(th.Warn.Render(l) + "\n")
	}
	b.WriteString(th.Subtle.Render("Choose the system to work in:") + "\n\n")
	b.WriteString(p.list.View(p.row))
	if p.open.Running() {
		b.WriteString("\n\n" + p.open.View())
	}
	if p.err != "" {
		for _, l := range fit.Wrap(p.err, p.width) {
			b.WriteString("\n" + th.Failed.Render(l))
		}
	}
	return b.String()
}

// noteLines are the notes wrapped to the width, with a blank line under them: as many
// whole as a third of the page holds, then how many more (the history page lists each),
// so that a month of cut-off runs never pushes the profiles out of sight.
func (p *profilesPage) noteLines() []string {
	room := max(p.height/3, 3)
	var lines []string
	for i, n := range p.notes {
		wrapped := fit.Wrap(n, p.width)
		if left := len(p.notes) - i; i > 0 && len(lines)+len(wrapped) > room-1 {
			lines = append(lines, fit.Wrap(fmt.Sprintf("and %d more — h shows each", left), p.width)...)
			break
		}
		lines = append(lines, wrapped...)
	}
	if len(lines) > 0 {
		lines = append(lines, "")
	}
	return lines
}

// row draws a profile: its name, kind and transport; then its secret, quota and URL,
// wrapped under it.
func (p *profilesPage) row(i int, current bool) string {
	return strings.Join(p.rowLines(i, current), "\n")
}

func (p *profilesPage) rowLines(i int, current bool) []string {
	th := p.sh.th
	pr := p.sh.profiles[i]
	name := fit.Pad(pr.name, 18) + " " + fit.Pad(pr.kind, 10)
	badge, exposed := transportBadge(pr)
	tls := th.OK.Render(badge)
	if exposed {
		tls = th.Danger.Render(badge)
	}
	marker := "  "
	if current {
		marker = "> "
		name = th.Cursor.Render(name)
	}
	// The number opens it (1…9): the profile's own, which a filter does not change.
	num := "  "
	if i < 9 {
		num = th.Key.Render(fmt.Sprint(i+1)) + " "
	}
	lines := []string{fit.Truncate(marker+num+name+"  "+tls, p.width)}
	secret, known := p.sh.secrets[pr.p.Name]
	style := th.OK
	switch {
	case !known:
		secret, style = "secret: checking…", th.Subtle
	case strings.HasPrefix(secret, "missing") || strings.HasPrefix(secret, "unknown"):
		secret, style = "secret "+secret, th.Failed
		// Two lines at most: the credentials page has the whole reason, and the same
		// long one on every profile would push the others out of sight.
		const more = " (c: the whole reason)"
		if room := 2*(p.width-6) - fit.Width(more); fit.Width(secret) > room {
			secret = fit.Cut(secret, max(room, 20)) + more
		}
	default:
		secret = "secret: " + secret
	}
	about := style.Render(secret)
	if left, ok := p.sh.quota[pr.p.Name]; ok {
		about += th.Subtle.Render(fmt.Sprintf(" · quota left today: %d", left))
	}
	if pr.url != "" {
		about += th.Subtle.Render(" · " + pr.url)
	}
	return append(lines, fit.Indent("      ", about, p.width)...)
}
