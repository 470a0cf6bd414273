package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// profilesPage lists the configured profiles; enter opens one.
type profilesPage struct {
	sh      *shared
	cursor  int
	secrets map[string]string // profile -> secret status, once known
	quota   map[string]int    // profile -> the day's quota left, for profiles that have one
	opening string            // profile being opened
	err     string
	spin    spinner.Model
}

type secretStatusMsg struct{ profile, status string }
type quotaMsg struct {
	profile string
	left    int
	has     bool
}
type openedMsg struct {
	p   backends.Profile
	b   backends.Backend
	err error
}

func newProfilesPage(sh *shared) *profilesPage {
	return &profilesPage{sh: sh, secrets: map[string]string{}, quota: map[string]int{}, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

func (p *profilesPage) Title() string { return "profiles" }
func (p *profilesPage) Typing() bool  { return false }
func (p *profilesPage) Keys() keyMap {
	return keyMap{
		short: []key2{kEnter, kCreds, kRecover, kHistory, kHelp, kQuit},
		full:  [][]key2{{kUpJ, kDownJ, kHome, kEnd}, {kEnter, kCreds, kRecover, kHistory}, {kHelp, kQuit}},
	}
}

// Init asks for every profile's secret status and quota, each in its own command since
// the keyring may be slow or hang and the quota is counted in the history database.
func (p *profilesPage) Init() tea.Cmd {
	cmds := []tea.Cmd{p.Resume()}
	for _, pr := range p.sh.desk.Profiles() {
		cmds = append(cmds, func() tea.Msg {
			var st string
			err := bounded(p.sh.ctx, openTimeout, func(ctx context.Context) error {
				var err error
				st, err = p.sh.desk.SecretSource(ctx, pr)
				return err
			})
			if err != nil {
				st = "unknown: " + err.Error()
			}
			return secretStatusMsg{pr.Name, st}
		})
	}
	return tea.Batch(cmds...)
}

// Resume counts the quotas again when the page is back on top: a run may have used some.
func (p *profilesPage) Resume() tea.Cmd {
	var cmds []tea.Cmd
	for _, pr := range p.sh.desk.Profiles() {
		cmds = append(cmds, quotaCmd(p.sh, pr))
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
		ctx, cancel := context.WithTimeout(sh.ctx, storeTimeout)
		defer cancel()
		left, has, _ := sh.desk.QuotaLeft(ctx, pr)
		return quotaMsg{pr.Name, left, has}
	}
}

func (p *profilesPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case secretStatusMsg:
		p.secrets[msg.profile] = sanitize.Line(msg.status)
	case quotaMsg:
		if msg.has {
			p.quota[msg.profile] = msg.left
		} else {
			delete(p.quota, msg.profile)
		}
	case spinner.TickMsg:
		if p.opening != "" {
			var cmd tea.Cmd
			p.spin, cmd = p.spin.Update(msg)
			return p, cmd
		}
	case openedMsg:
		p.opening = ""
		if msg.err != nil {
			p.err = fmt.Sprintf("cannot open %s: %s", msg.p.Name, sanitize.Line(msg.err.Error()))
			return p, nil
		}
		return p, p.sh.nav(pushMsg{newUsersPage(p.sh, msg.p, msg.b)})
	case tea.KeyPressMsg:
		if p.opening != "" {
			return p, nil
		}
		n := len(p.sh.desk.Profiles())
		switch {
		case matches(msg, kUpJ):
			p.cursor = max(p.cursor-1, 0)
		case matches(msg, kDownJ):
			p.cursor = min(p.cursor+1, max(n-1, 0))
		case matches(msg, kHome):
			p.cursor = 0
		case matches(msg, kEnd):
			p.cursor = max(n-1, 0)
		case matches(msg, kCreds):
			if n == 0 {
				return p, nil
			}
			return p, p.sh.nav(pushMsg{newCredsPage(p.sh, p.sh.desk.Profiles()[p.cursor], p.setStatus)})
		case matches(msg, kRecover):
			return p, p.sh.nav(pushMsg{newRecoverPage(p.sh)})
		case matches(msg, kHistory):
			return p, p.sh.nav(pushMsg{newHistoryPage(p.sh)})
		case matches(msg, kEnter):
			if n == 0 {
				return p, nil
			}
			pr := p.sh.desk.Profiles()[p.cursor]
			p.opening, p.err = pr.Name, ""
			return p, tea.Batch(p.spin.Tick, p.open(pr))
		}
	}
	return p, nil
}

// setStatus takes a secret status the credentials page learned after a change.
func (p *profilesPage) setStatus(profile, status string) { p.secrets[profile] = sanitize.Line(status) }

func (p *profilesPage) open(pr backends.Profile) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(p.sh.ctx, openTimeout)
		defer cancel()
		b, err := p.sh.desk.Open(ctx, pr)
		return openedMsg{pr, b, err}
	}
}

func (p *profilesPage) View() string {
	th := p.sh.th
	ps := p.sh.desk.Profiles()
	if len(ps) == 0 {
		return th.Warn.Render("No profiles configured.") + "\n\n" +
			"Add one to the config file (see `resetdesk profiles`), or try the demo: resetdesk --demo"
	}
	var b strings.Builder
	b.WriteString(th.Subtle.Render("Choose the system to work in:") + "\n\n")
	w := p.sh.width
	// Two lines a profile; keep the cursor's in view (computed, not stored: View changes
	// nothing). Room is left for the header and an error under the list.
	fits := max((p.sh.height-6)/2, 1)
	first := max(p.cursor-fits+1, 0)
	last := min(first+fits, len(ps))
	if first > 0 {
		b.WriteString(th.Subtle.Render(fmt.Sprintf("  ↑ %d more", first)) + "\n")
	}
	for i := first; i < last; i++ {
		pr := ps[i]
		name := fmt.Sprintf("%-18s %-10s", ansi.Truncate(sanitize.Line(pr.Name), 18, "…"), sanitize.Line(pr.Kind))
		tls := th.OK.Render(pr.Transport().String())
		if pr.Transport().Exposed() {
			tls = th.Danger.Render(pr.Transport().String())
		}
		secret, known := p.secrets[pr.Name]
		switch {
		case !known:
			secret = th.Subtle.Render("secret: checking…")
		case strings.HasPrefix(secret, "missing") || strings.HasPrefix(secret, "unknown"):
			secret = th.Failed.Render("secret " + secret)
		default:
			secret = th.OK.Render("secret: " + secret)
		}
		quota := ""
		if left, ok := p.quota[pr.Name]; ok {
			quota = fmt.Sprintf("  quota left today: %d", left)
		}
		marker := "  "
		line := name
		if i == p.cursor {
			marker = "> "
			line = th.Cursor.Render(name)
		}
		b.WriteString(marker + line + "  " + tls + "  " + secret + quota + "\n")
		url := "    " + sanitize.Line(pr.URL)
		b.WriteString(th.Subtle.Render(ansi.Truncate(url, w, "…")) + "\n")
	}
	if last < len(ps) {
		b.WriteString(th.Subtle.Render(fmt.Sprintf("  ↓ %d more", len(ps)-last)) + "\n")
	}
	if p.opening != "" {
		b.WriteString("\n" + p.spin.View() + " opening " + sanitize.Line(p.opening) + "…")
	}
	if p.err != "" {
		for _, l := range wrap(p.err, w) {
			b.WriteString("\n" + th.Failed.Render(l))
		}
	}
	return b.String()
}
