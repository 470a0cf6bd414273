package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/sanitize"
	"resetdesk/store/history"
	"resetdesk/theme"
)

// historyWindow is how far back the history page reads.
var historyWindow = 30 * 24 * time.Hour

// historyPage lists the recent runs and their outcomes (who reset whom, when, how, with
// what result; the history holds no secret), filtered as the technician types.
type historyPage struct {
	sh      *shared
	loading bool
	err     string
	filter  textinput.Model
	all     []histLine // every run header and outcome, newest run first
	lines   []int      // indexes into all that the filter keeps
	cursor  int
	win     window
}

// histLine is one line of the page: a run's header (out == nil) or one of its outcomes.
// Its text is sanitized and its search key lower-cased once, when the history is read.
type histLine struct {
	run    *history.Run
	out    *history.Outcome
	text   string
	key    string // what the filter matches: the user, or the run's profile, kind, mode, by and ticket
	status string
}

type historyLoadedMsg struct {
	runs []*history.Run
	outs []history.Outcome
	err  error
}

func newHistoryPage(sh *shared) *historyPage {
	in := newTextInput()
	in.Prompt = "filter: "
	in.Placeholder = "user or profile"
	in.CharLimit = 200
	return &historyPage{sh: sh, loading: true, filter: in}
}

func (h *historyPage) Title() string { return "history" }
func (h *historyPage) Typing() bool  { return true }
func (h *historyPage) Keys() keyMap {
	esc := bind("esc", "clear filter / back", "esc")
	return keyMap{
		short: []key2{bind("type", "filter", ""), kUp, kDown, esc, kCtrlC},
		full:  [][]key2{{kUp, kDown, kPgUp, kPgDown}, {bind("type", "filter by user or profile", ""), esc, kReload, kCtrlC}},
	}
}

func (h *historyPage) Init() tea.Cmd {
	sh := h.sh
	load := func() tea.Msg {
		var m historyLoadedMsg
		m.err = bounded(sh.ctx, storeTimeout, func(ctx context.Context) error {
			var err error
			m.runs, m.outs, err = sh.desk.History(ctx, history.Filter{Since: time.Now().Add(-historyWindow)}, true)
			return err
		})
		return m
	}
	return tea.Batch(h.filter.Focus(), load)
}

func (h *historyPage) Update(msg tea.Msg) (page, tea.Cmd) {
	cmd := h.update(msg)
	rows := h.rows()
	h.win.follow(h.cursor, rows)
	h.win.fill(len(h.lines), rows)
	return h, cmd
}

func (h *historyPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case historyLoadedMsg:
		h.loading, h.err = false, ""
		if msg.err != nil {
			h.err = sanitize.Line(msg.err.Error())
		}
		h.all = buildHistLines(msg.runs, msg.outs)
		h.apply()
	case tea.KeyPressMsg:
		return h.key(msg)
	case tea.PasteMsg:
		var cmd tea.Cmd
		h.filter, cmd = h.filter.Update(msg)
		h.apply()
		return cmd
	}
	return nil
}

func buildHistLines(runs []*history.Run, outs []history.Outcome) []histLine {
	byRun := map[int64][]*history.Outcome{}
	for i := range outs {
		o := &outs[i]
		if o.Run != nil {
			byRun[o.Run.ID] = append(byRun[o.Run.ID], o)
		}
	}
	var all []histLine
	for _, r := range runs {
		ticket := ""
		if r.Ticket != "" {
			ticket = "  ticket " + sanitize.Line(r.Ticket)
		}
		end := fmt.Sprintf("%d ok, %d failed, %d unknown, %d skipped", r.Tally.OK, r.Tally.Failed, r.Tally.Unknown, r.Tally.Skipped)
		if r.Finished.IsZero() {
			end = "unfinished: its new secrets are on the recover page"
		}
		text := fmt.Sprintf("%s  %s  %s/%s  by %s%s  %d user(s): %s", r.Started.Local().Format("2006-01-02 15:04"),
			sanitize.Line(r.Profile), sanitize.Line(r.Kind), sanitize.Line(r.Mode), sanitize.Line(r.OSUser), ticket, r.Total, end)
		key := strings.ToLower(strings.Join([]string{r.Profile, r.Kind, r.Mode, r.OSUser, r.Ticket}, "\x00"))
		all = append(all, histLine{run: r, text: text, key: key})
		for _, o := range byRun[r.ID] {
			text := fmt.Sprintf("    %-28s %-8s %s", ansi.Truncate(sanitize.Line(o.User), 28, "…"), sanitize.Line(o.Status), sanitize.Line(o.Message))
			all = append(all, histLine{run: r, out: o, text: text, key: strings.ToLower(o.User), status: o.Status})
		}
	}
	return all
}

// apply keeps the lines the filter matches: a run whose profile, kind, mode, technician
// or ticket matches shows with all its outcomes; otherwise the outcomes whose user
// matches show under their run's header.
func (h *historyPage) apply() {
	q := strings.ToLower(strings.TrimSpace(h.filter.Value()))
	h.lines = h.lines[:0]
	for i := 0; i < len(h.all); {
		j := i + 1
		for j < len(h.all) && h.all[j].out != nil {
			j++
		}
		// h.all[i] is a run header, h.all[i+1:j] its outcomes.
		if q == "" || strings.Contains(h.all[i].key, q) {
			for k := i; k < j; k++ {
				h.lines = append(h.lines, k)
			}
		} else {
			header := false
			for k := i + 1; k < j; k++ {
				if strings.Contains(h.all[k].key, q) {
					if !header {
						h.lines = append(h.lines, i)
						header = true
					}
					h.lines = append(h.lines, k)
				}
			}
		}
		i = j
	}
	h.cursor = min(h.cursor, max(len(h.lines)-1, 0))
}

// errLines is the error as shown, wrapped to the width.
func (h *historyPage) errLines() []string { return wrapNonEmpty(h.err, h.sh.width) }

func (h *historyPage) rows() int {
	// The filter, a blank line, the count and the error.
	return max(h.sh.height-3-len(h.errLines()), 1)
}

func (h *historyPage) key(k tea.KeyPressMsg) tea.Cmd {
	n := len(h.lines)
	switch {
	case matches(k, kBack):
		if h.filter.Value() != "" {
			h.filter.SetValue("")
			h.apply()
			return nil
		}
		return h.sh.nav(backMsg{})
	case matches(k, kReload):
		if !h.loading {
			h.loading = true
			return h.Init()
		}
		return nil
	case matches(k, kUp):
		h.cursor = max(h.cursor-1, 0)
	case matches(k, kDown):
		h.cursor = min(h.cursor+1, max(n-1, 0))
	case matches(k, kPgUp):
		h.cursor = max(h.cursor-h.rows(), 0)
	case matches(k, kPgDown):
		h.cursor = min(h.cursor+h.rows(), max(n-1, 0))
	default:
		var cmd tea.Cmd
		before := h.filter.Value()
		h.filter, cmd = h.filter.Update(k)
		if h.filter.Value() != before {
			h.apply()
		}
		return cmd
	}
	return nil
}

func (h *historyPage) View() string {
	th := h.sh.th
	w := h.sh.width
	var b strings.Builder
	b.WriteString(h.filter.View() + "\n")
	for _, l := range h.errLines() {
		b.WriteString(th.Failed.Render(l) + "\n")
	}
	switch {
	case h.loading:
		b.WriteString(th.Subtle.Render("reading the history…"))
		return b.String()
	case len(h.all) == 0 && h.err == "":
		b.WriteString(th.Subtle.Render("no runs recorded in the last " + days(historyWindow)))
		return b.String()
	}
	runs, outs := 0, 0
	for _, i := range h.lines {
		if h.all[i].out == nil {
			runs++
		} else {
			outs++
		}
	}
	b.WriteString(th.Subtle.Render(fmt.Sprintf("%s, %s in the last %s", plural(runs, "run"), plural(outs, "reset"), days(historyWindow))) + "\n")
	from, to := h.win.span(len(h.lines), h.rows())
	for li := from; li < to; li++ {
		l := h.all[h.lines[li]]
		text := ansi.Truncate(l.text, w-2, "…")
		switch {
		case li == h.cursor:
			text = "> " + th.Cursor.Render(text)
		case l.out == nil:
			text = "  " + th.Header.Render(text)
		default:
			text = "  " + statusStyle(th, l.status).Render(text)
		}
		b.WriteString(text + "\n")
	}
	return b.String()
}

func days(d time.Duration) string { return plural(int(d/(24*time.Hour)), "day") }

// statusStyle colours an outcome line of the history by its status.
func statusStyle(th theme.Theme, status string) lipgloss.Style {
	switch backends.Status(status) {
	case backends.StatusOK:
		return th.Text
	case backends.StatusFailed:
		return th.Failed
	case backends.StatusUnknown, history.StatusSent:
		return th.Unknown
	}
	return th.Skipped
}
