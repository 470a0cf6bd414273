package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/sanitize"
	"resetdesk/ui/table"
)

// resultsPage is the finished run: reveal, copy, filter, retry, export, new run.
type resultsPage struct {
	sh       *shared
	profile  backends.Profile
	req      runner.Request
	tbl      table.Model
	themeID  int
	outcomes []backends.Outcome
	tally    backends.Tally
	took     time.Duration

	copied    map[int]bool
	exported  bool
	exporting bool
	path      textinput.Model
}

type exportedMsg struct {
	path string
	err  error
}

func newResultsPage(sh *shared, req runner.Request, tbl table.Model, outcomes []backends.Outcome, t backends.Tally, took time.Duration) *resultsPage {
	path := newTextInput()
	path.Prompt = "export to: "
	p := req.Profile()
	path.SetValue(fmt.Sprintf("resetdesk-%s-%s.csv", safeName(p.Name), time.Now().Format("20060102-150405")))
	r := &resultsPage{sh: sh, profile: p, req: req, tbl: tbl, outcomes: outcomes, tally: t, took: took,
		copied: map[int]bool{}, path: path, themeID: sh.themeID}
	r.layout()
	r.tbl.Top()
	return r
}

func (r *resultsPage) Title() string {
	return sanitize.Line(r.profile.Name) + " · results · " + r.req.Mode().Name
}
func (r *resultsPage) Typing() bool { return r.exporting }
func (r *resultsPage) Keys() keyMap {
	if r.exporting {
		return keyMap{short: []key2{bind("enter", "write file (.csv or .json)", "enter"), kBack}, full: [][]key2{{bind("enter", "write", "enter"), kBack}}}
	}
	return keyMap{
		short: []key2{kReveal, kCopy, kFilter, kRetry, kExport, kNewRun, kQuit},
		full: [][]key2{{kUpJ, kDownJ, kPgUp, kPgDown, kHome, kEnd},
			{kReveal, kRevealAl, kCopy}, {kFilter, kSort, kRetry}, {kExport, kNewRun, kBack, kQuit}},
	}
}
func (r *resultsPage) Init() tea.Cmd { return nil }

// Unsaved counts secrets neither copied nor exported.
func (r *resultsPage) Unsaved() int {
	if r.exported {
		return 0
	}
	n := 0
	for i, o := range r.outcomes {
		if o.Secret != "" && !r.copied[i] {
			n++
		}
	}
	return n
}

// detailLines is the room under the table for the current row's whole secret and
// message: a reset link is longer than an 80-column line.
const detailLines = 3

func (r *resultsPage) layout() { r.tbl.SetSize(r.sh.width, max(r.sh.height-3-detailLines, 2)) }

func (r *resultsPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.layout()
	case exportedMsg:
		if msg.err != nil {
			return r, toastBad(msg.err.Error())
		}
		r.exported = true
		return r, toast("exported to " + msg.path + " (mode 0600)")
	case tea.KeyPressMsg:
		if r.exporting {
			switch {
			case matches(msg, kBack):
				r.exporting = false
				r.path.Blur()
			case matches(msg, kEnter):
				r.exporting = false
				r.path.Blur()
				return r, exportCmd(strings.TrimSpace(r.path.Value()), r.profile.Name, r.req.Mode().Name, r.outcomes)
			default:
				var cmd tea.Cmd
				r.path, cmd = r.path.Update(msg)
				return r, cmd
			}
			return r, nil
		}
		return r, r.key(msg)
	default:
		if r.exporting {
			var cmd tea.Cmd
			r.path, cmd = r.path.Update(msg)
			return r, cmd
		}
	}
	return r, nil
}

func (r *resultsPage) key(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(k, kUpJ):
		r.tbl.Move(-1)
	case matches(k, kDownJ):
		r.tbl.Move(1)
	case matches(k, kPgUp):
		r.tbl.Move(-r.tbl.Page())
	case matches(k, kPgDown):
		r.tbl.Move(r.tbl.Page())
	case matches(k, kHome):
		r.tbl.Top()
	case matches(k, kEnd):
		r.tbl.Bottom()
	case matches(k, kFilter):
		if r.tbl.Filter() == table.NotOK {
			r.tbl.SetFilter(table.All)
		} else {
			r.tbl.SetFilter(table.NotOK)
		}
	case matches(k, kSort):
		if r.tbl.SortBy() == table.ByStatus {
			r.tbl.SetSort(table.InputOrder)
		} else {
			r.tbl.SetSort(table.ByStatus)
		}
	case matches(k, kRetry):
		var failed []string
		for _, o := range r.outcomes {
			// Unknown outcomes may have changed the password: never retried blindly.
			if o.Status == backends.StatusFailed || o.Status == backends.StatusSkipped {
				failed = append(failed, o.User)
			}
		}
		if len(failed) == 0 {
			return toast("nothing to retry: no failed or skipped users (unknown ones must be checked first)")
		}
		req, err := r.req.Retry(failed)
		if err != nil {
			return toastBad("cannot retry: " + err.Error())
		}
		return r.sh.nav(pushMsg{newReviewPage(r.sh, req)})
	case matches(k, kExport):
		r.exporting = true
		return r.path.Focus()
	case matches(k, kNewRun):
		return r.sh.nav(pushMsg{newUsersPage(r.sh, r.profile, r.req.Backend())})
	case matches(k, kBack):
		if n := r.Unsaved(); n > 0 {
			return ask(plural(n, "secret")+" not copied or exported yet. Leave these results?", back)
		}
		return r.sh.nav(backMsg{})
	default:
		cmd, _ := secretKey(k, r, "this row has no secret to copy")
		return cmd
	}
	return nil
}

func (r *resultsPage) toggleReveal()    { r.tbl.ToggleReveal() }
func (r *resultsPage) toggleRevealAll() { r.tbl.SetRevealAll(!r.tbl.RevealAll()) }

// copyCurrent counts the row's secret as copied: it is no longer unsaved.
func (r *resultsPage) copyCurrent() (secret, what string) {
	i, ok := r.tbl.Current()
	if !ok || r.outcomes[i].Secret == "" {
		return "", ""
	}
	r.copied[i] = true
	o := r.outcomes[i]
	return o.Secret, "the " + r.req.Mode().SecretLabel + " of " + sanitize.Line(o.User)
}

func (r *resultsPage) View() string {
	th := r.sh.th
	if r.themeID != r.sh.themeID {
		r.themeID = r.sh.themeID
		r.tbl.SetTheme(th)
	}
	var b strings.Builder
	b.WriteString(progressLines(r.sh, r.tally, len(r.outcomes), r.took))
	b.WriteByte('\n')
	b.WriteString(r.tbl.View())
	b.WriteString("\n" + r.detail())
	if r.exporting {
		b.WriteString("\n" + r.path.View())
	}
	return b.String()
}

// detail shows the whole message and, when revealed, the whole secret of the current
// row: links and long messages do not fit in their columns.
func (r *resultsPage) detail() string {
	th := r.sh.th
	i, ok := r.tbl.Current()
	if !ok {
		return ""
	}
	o := r.outcomes[i]
	line := th.Key.Render(sanitize.Line(r.tbl.Row(i).User))
	if o.Secret != "" {
		if r.tbl.Revealed(i) {
			line += "  " + r.req.Mode().SecretLabel + ": " + sanitize.Line(o.Secret)
		} else {
			line += th.Subtle.Render("  r reveals · c copies")
		}
	}
	if o.Message != "" {
		line += "  " + th.Subtle.Render(sanitize.Line(o.Message))
	}
	// Hard-wrap (links have no spaces) and keep to the room the layout left.
	lines := strings.Split(ansi.Hardwrap(line, r.sh.width, true), "\n")
	if len(lines) > detailLines {
		lines = lines[:detailLines]
		lines[detailLines-1] = ansi.Truncate(lines[detailLines-1], r.sh.width-1, "") + "…"
	}
	return strings.Join(lines, "\n")
}

func safeName(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, s)
}
