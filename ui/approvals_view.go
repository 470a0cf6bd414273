package ui

import (
	"fmt"
	"strings"

	"resetdesk/ui/fit"
)

func (p *approvalsPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

// layout draws the request's lines for the width and gives the users' list what they
// and the prompt leave it. The prompt always shows whole: on a short screen the lines
// above the list give way from their end, the line that heads the list kept.
func (p *approvalsPage) layout() {
	p.head = p.headLines()
	room := p.height - len(p.promptLines()) - 1
	if over := len(p.head) + minReviewList - room; over > 0 && len(p.head) > 1 {
		users := p.head[len(p.head)-1]
		p.head = append(p.head[:max(len(p.head)-1-over, 1)], users)
	}
	p.users.SetHeight(max(room-len(p.head), 1))
}

func (p *approvalsPage) View() string {
	th := p.sh.th
	if len(p.items) == 0 {
		msg := "no request waits for your approval"
		if !p.sh.desk.Approver() {
			msg = "you are not an approver (approver = true): no request waits for you, and none of yours waits"
		}
		return strings.Join(fit.Wrap(msg, p.width), "\n")
	}
	var b strings.Builder
	for _, l := range p.head {
		b.WriteString(l + "\n")
	}
	it, _ := p.current()
	col := nameColumn(it.users)
	b.WriteString(p.users.View(func(i int, current bool) string {
		text := it.users[i].text(col)
		if current {
			return "  > " + th.Cursor.Render(text)
		}
		return "    " + text
	}))
	b.WriteString("\n\n" + strings.Join(p.promptLines(), "\n"))
	return fit.Clip(b.String(), p.width)
}

// headLines are the request shown: which of how many, who asked and when, until when
// it waits, what it does, and its plan's facts.
func (p *approvalsPage) headLines() []string {
	th := p.sh.th
	it, ok := p.current()
	if !ok {
		return nil
	}
	var lines []string
	add := func(s string) { lines = append(lines, fit.Wrap(s, p.width)...) }
	title := fmt.Sprintf("request %d of %d · from %s at %s · expires %s", p.at+1, len(p.items), it.by, it.requested, it.expires)
	for _, l := range fit.Wrap(title, p.width) {
		lines = append(lines, th.Title.Render(l))
	}
	row := func(k, v string) {
		lines = append(lines, fit.Indent(fmt.Sprintf("  %-8s ", k), v, p.width)...)
	}
	row("profile", it.profile+" ("+it.kind+")")
	row("mode", it.mode)
	row("options", strings.Join(it.opts, ", "))
	if it.ticket != "" {
		row("ticket", it.ticket)
	}
	row("why", it.why)
	switch pl, read := p.plans[it.id]; {
	case it.own:
		add(th.Warn.Render("  yours: nobody approves their own request — another approver must"))
	case !read || pl.plan == nil && pl.err == "":
		add(th.Subtle.Render("  reading its plan at " + it.by + "'s desk…"))
	case pl.err != "":
		add(th.Failed.Render("  cannot plan it now: " + pl.err))
	default:
		lines = append(lines, drawFacts(p.sh, pl.plan, p.width)...)
	}
	return append(lines, th.Subtle.Render(fmt.Sprintf("  %s:", plural(len(it.users), "user"))))
}

// promptLines say how to decide the request shown (or the reason field of a decline).
func (p *approvalsPage) promptLines() []string {
	th := p.sh.th
	it, ok := p.current()
	switch {
	case !ok:
		return nil
	case p.busy.Running():
		return []string{"  " + p.busy.View()}
	case p.declining:
		return fit.Indent("  ", p.reason.View()+th.Subtle.Render("  enter declines · esc cancels"), p.width)
	case it.own:
		return fit.Indent("  ", th.Subtle.Render("waiting for another approver · ←/→ other requests · esc back"), p.width)
	case p.plans[it.id].plan == nil:
		return fit.Indent("  ", th.Subtle.Render("enter approves once its plan is read · d declines · esc back"), p.width)
	case p.large():
		prompt := fmt.Sprintf("Type %d and press enter to approve %s's run — d declines:", len(it.users), it.by)
		return append(fit.Indent("  ", th.Key.Render(prompt), p.width), fit.Indent("  ", p.count.View(), p.width)...)
	}
	return fit.Indent("  ", th.Key.Render("Press enter to approve "+it.by+"'s run")+th.Subtle.Render(" — it starts in their name; d declines"), p.width)
}
