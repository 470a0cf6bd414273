package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"resetdesk/backends"
	"resetdesk/store/history"
	"resetdesk/theme"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
	"resetdesk/ui/slow"
)

// historyWindow is how far back the history page reads.
var historyWindow = 30 * 24 * time.Hour

// historyPage lists the recent runs and their outcomes (who reset whom, when, how, with
// what result; the history holds no secret), filtered as the technician types.
type historyPage struct {
	sh            *shared
	width, height int
	load          slow.Task
	err           string
	filter        textinput.Model
	all           []histLine // every run header and outcome, newest run first
	list          list.Model
	inList        bool // the list has the keys (tab), not the filter
}

// histLine is one line of the page: a run's header (out == false) or one of its
// outcomes. Its text is sanitized and its search key lower-cased once, when the history
// is read.
type histLine struct {
	out     bool
	text    string // a run's line
	cols    string // an outcome's user and status, in their columns
	message string // an outcome's message
	key     string // what the filter matches: the user, or the run's profile, kind, mode, by and ticket
	status  string
}

type historyLoadedMsg struct {
	lines []histLine
	err   string
}

func newHistoryPage(sh *shared) *historyPage {
	in := sh.newTextInput()
	in.Prompt = "filter: "
	in.Placeholder = "user or profile"
	in.CharLimit = 200
	h := &historyPage{sh: sh, load: slow.NewTask(), filter: in, list: sh.newList()}
	h.list.SetTyping(true)
	h.list.SetRowLines(func(i int) int { return len(h.lines(i)) })
	return h
}

func (h *historyPage) Title() string { return "history" }
func (h *historyPage) Input() input  { return inputOf(!h.inList, h.filter.Value()) }
func (h *historyPage) Help() keys.Help {
	km := h.sh.keys
	if h.inList {
		back := keys.Named(km.LeaveField, "back to the filter")
		return keys.Help{
			ShortKeys: []key.Binding{km.Up, km.Down, keys.Named(km.Filter, "filter"), back, km.Reload},
			Groups:    [][]key.Binding{km.List(), {back, km.Reload, km.Back}},
		}
	}
	esc := keys.Named(km.Back, "clear the filter / back")
	typing := keys.Hint("type", "filter by user or profile")
	list := keys.Named(km.LeaveField, "to the list (j/k, g/G)")
	return keys.Help{
		ShortKeys: []key.Binding{typing, km.ArrowUp, km.ArrowDown, list, esc},
		Groups:    [][]key.Binding{{km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown}, {typing, list, esc, km.Reload}},
	}
}

func (h *historyPage) SetSize(w, hh int) {
	h.width, h.height = w, hh
	h.layout()
}

// layout gives the list the page less the filter, the count, the error and the
// session's notices.
func (h *historyPage) layout() {
	h.list.SetHeight(max(h.height-2-len(wrapNonEmpty(h.err, h.width))-len(h.noticeLines()), 1))
}

// maxNotices bounds the session's notices the page shows, the newest.
const maxNotices = 3

// noticeLines are the desk's notices of this session (a journal key file created),
// each whole: a path in it must be read.
func (h *historyPage) noticeLines() []string {
	ns := h.sh.notices
	if len(ns) > maxNotices {
		ns = ns[len(ns)-maxNotices:]
	}
	var lines []string
	for _, n := range ns {
		for _, l := range fit.Indent("notice ", n, max(h.width, 20)) {
			lines = append(lines, h.sh.th.Warn.Render(l))
		}
	}
	return lines
}

func (h *historyPage) Init() tea.Cmd {
	sh := h.sh
	load := h.load.Start("reading the history", func() tea.Msg {
		type read struct {
			runs []*history.Run
			outs []history.Outcome
		}
		got, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (read, error) {
			runs, outs, err := sh.desk.History(ctx, history.Filter{Since: time.Now().Add(-historyWindow)}, true)
			return read{runs, outs}, err
		})
		return historyLoadedMsg{lines: buildHistLines(got.runs, got.outs), err: cleanErr(err)}
	})
	return tea.Batch(h.filter.Focus(), load)
}

func (h *historyPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	cmd, n := h.update(msg)
	h.layout()
	return cmd, n
}

func (h *historyPage) update(msg tea.Msg) (tea.Cmd, nav) {
	km := h.sh.keys
	switch msg := msg.(type) {
	case historyLoadedMsg:
		h.load.Done()
		h.err = msg.err
		h.all = msg.lines
		h.list.SetItems(len(h.all))
		h.list.SetFilter(h.match)
		h.apply()
		return nil, nil
	case tea.KeyPressMsg:
		if h.inList {
			switch {
			case key.Matches(msg, km.LeaveField), key.Matches(msg, km.Filter), key.Matches(msg, km.Back):
				h.inList = false
				h.list.SetTyping(true)
				return h.filter.Focus(), nil
			case key.Matches(msg, km.Reload):
				if !h.load.Running() {
					return h.Init(), nil
				}
				return nil, nil
			}
			cmd, _ := h.list.Update(msg)
			return cmd, nil
		}
		switch {
		case key.Matches(msg, km.LeaveField):
			h.inList = true
			h.list.SetTyping(false)
			h.filter.Blur()
			return nil, nil
		case key.Matches(msg, km.Back):
			if h.filter.Value() != "" {
				h.filter.SetValue("")
				h.apply()
				return nil, nil
			}
			return nil, back{}
		case key.Matches(msg, km.Reload):
			if !h.load.Running() {
				return h.Init(), nil
			}
			return nil, nil
		}
		if cmd, ok := h.list.Update(msg); ok {
			return cmd, nil
		}
		var cmd tea.Cmd
		before := h.filter.Value()
		h.filter, cmd = h.filter.Update(msg)
		if h.filter.Value() != before {
			h.apply()
		}
		return cmd, nil
	case tea.PasteMsg:
		var cmd tea.Cmd
		h.filter, cmd = h.filter.Update(msg)
		h.apply()
		return cmd, nil
	case tea.MouseWheelMsg:
		cmd, _ := h.list.Update(msg)
		return cmd, nil
	}
	return h.load.Update(msg), nil
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
			ticket = "  ticket " + clean(r.Ticket)
		}
		end := fmt.Sprintf("%d ok, %d failed, %d unknown, %d skipped", r.Tally.OK, r.Tally.Failed, r.Tally.Unknown, r.Tally.Skipped)
		if r.Finished.IsZero() {
			end = "unfinished: its new secrets are on the recover page"
		}
		text := fmt.Sprintf("%s  %s  %s/%s  by %s%s  %d user(s): %s", r.Started.Local().Format("2006-01-02 15:04"),
			clean(r.Profile), clean(r.Kind), clean(r.Mode), clean(r.By()), ticket, r.Total, end)
		key := strings.ToLower(strings.Join([]string{r.Profile, r.Kind, r.Mode, r.By(), r.Ticket}, "\x00"))
		all = append(all, histLine{text: text, key: key})
		for _, o := range byRun[r.ID] {
			cols := "    " + fit.Pad(clean(o.User), 28) + " " + fit.Pad(clean(o.Status), 8) + " "
			all = append(all, histLine{out: true, cols: cols, message: clean(o.Message), key: strings.ToLower(o.User), status: o.Status})
		}
	}
	return all
}

// apply gives the list the filter as typed.
func (h *historyPage) apply() { h.list.SetQuery(strings.ToLower(strings.TrimSpace(h.filter.Value()))) }

// match keeps the lines the filter matches: a run whose profile, kind, mode, technician
// or ticket matches shows with all its outcomes; otherwise the outcomes whose user
// matches show under their run's header.
func (h *historyPage) match(q string) []int {
	var lines []int
	for i := 0; i < len(h.all); {
		j := i + 1
		for j < len(h.all) && h.all[j].out {
			j++
		}
		// h.all[i] is a run header, h.all[i+1:j] its outcomes.
		if strings.Contains(h.all[i].key, q) {
			for k := i; k < j; k++ {
				lines = append(lines, k)
			}
		} else {
			header := false
			for k := i + 1; k < j; k++ {
				if strings.Contains(h.all[k].key, q) {
					if !header {
						lines = append(lines, i)
						header = true
					}
					lines = append(lines, k)
				}
			}
		}
		i = j
	}
	return lines
}

func (h *historyPage) View() string {
	th := h.sh.th
	w := h.width
	var b strings.Builder
	b.WriteString(h.filter.View() + "\n")
	for _, l := range h.noticeLines() {
		b.WriteString(l + "\n")
	}
	for _, l := range wrapNonEmpty(h.err, w) {
		b.WriteString(th.Failed.Render(l) + "\n")
	}
	switch {
	case h.load.Running():
		b.WriteString(h.load.View())
		return b.String()
	case len(h.all) == 0 && h.err == "":
		b.WriteString(th.Subtle.Render("no runs recorded in the last " + days(historyWindow)))
		return b.String()
	case len(h.all) == 0:
		return b.String() // the error says why there is nothing to count
	}
	b.WriteString(th.Subtle.Render(fit.Cut(h.counts(), w)) + "\n")
	b.WriteString(h.list.View(func(i int, current bool) string {
		l := h.all[i]
		style := statusStyle(th, l.status)
		if !l.out {
			style = th.Header
		}
		if current {
			style = th.Cursor
		}
		lines := h.lines(i)
		for j, text := range lines {
			marker := "  "
			if j == 0 && current {
				marker = "> "
			}
			lines[j] = marker + style.Render(text)
		}
		return strings.Join(lines, "\n")
	}))
	return b.String()
}

// counts says what the list shows: runs, users, and how many of them were reset (a
// skipped or failed user was not).
func (h *historyPage) counts() string {
	runs, users, ok := 0, 0, 0
	for p := range h.list.Len() {
		switch l := h.all[h.list.Item(p)]; {
		case !l.out:
			runs++
		case l.status == string(backends.StatusOK):
			users++
			ok++
		default:
			users++
		}
	}
	return fmt.Sprintf("%s · %s, %d of them reset · in the last %s", plural(runs, "run"), plural(users, "user"), ok, days(historyWindow))
}

// lines is history line i wrapped to the page: a run's line at whole words, an
// outcome's message under its columns.
func (h *historyPage) lines(i int) []string {
	l := h.all[i]
	if !l.out {
		return fit.Wrap(l.text, max(h.width-2, 10))
	}
	return fit.Indent(l.cols, l.message, max(h.width-2, 10))
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
