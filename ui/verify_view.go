package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk/verify"
	"resetdesk/ui/fit"
)

func (v *verifyPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := v.sh.keys
	switch {
	case key.Matches(k, km.Back):
		return v.leave()
	case v.busy.Running():
		return nil, nil // one call at a time: a second enter sends nothing twice
	}
	switch v.stage {
	case stageLookup:
		if v.lookupErr && key.Matches(k, km.Reload) {
			return v.lookup(), nil
		}
	case stageWays:
		switch {
		case key.Matches(k, km.Up):
			v.cursor = max(v.cursor-1, 0)
		case key.Matches(k, km.Down):
			v.cursor = min(v.cursor+1, len(v.ways)-1)
		case key.Matches(k, km.SendCode):
			return v.choose(), nil
		}
	case stageCode:
		return v.codeKey(k), nil
	case stageCallback:
		if key.Matches(k, km.Attest) {
			if !strings.EqualFold(strings.TrimSpace(v.reached.Value()), "yes") {
				v.status, v.bad = "type yes once you have reached them on that number", true
				return nil, nil
			}
			return v.attest(), nil
		}
		var cmd tea.Cmd
		v.reached, cmd = v.reached.Update(k)
		return cmd, nil
	}
	return nil, nil
}

// leave is esc: from a code or a callback back to the ways (the code sent stays valid),
// else back to the review. While a call is under way it leaves the page: its answer
// then lands nowhere.
func (v *verifyPage) leave() (tea.Cmd, nav) {
	if v.busy.Running() || v.stage == stageWays || v.stage == stageLookup {
		return nil, back{}
	}
	v.stage = stageWays
	v.code.Blur()
	v.reached.Blur()
	v.reached.SetValue("")
	v.status, v.bad = "", false
	return nil, nil
}

// choose acts on the way under the cursor: a code is sent, or the callback asked.
func (v *verifyPage) choose() tea.Cmd {
	if v.cursor >= len(v.caller.Options) {
		return nil
	}
	o := v.caller.Options[v.cursor]
	if o.Method != backends.VerifyCallback {
		return v.send(o)
	}
	v.stage = stageCallback
	v.status, v.bad = "", false
	v.reached.SetValue("")
	return v.reached.Focus()
}

// codeKey: enter checks the code typed, ctrl+r sends a new one the same way; the field
// takes digits, and the spaces or dashes a caller reads them with.
func (v *verifyPage) codeKey(k tea.KeyPressMsg) tea.Cmd {
	km := v.sh.keys
	switch {
	case key.Matches(k, km.CheckCode):
		typed := strings.TrimSpace(v.code.Value())
		switch {
		case v.dead:
			v.status, v.bad = "this code can no longer pass: "+v.resendHint(), true
			return nil
		case typed == "":
			v.status, v.bad = "type the code the caller reads back, then press enter", true
			return nil
		}
		return v.check(typed)
	case key.Matches(k, km.Resend):
		o, ok := verify.Pick(v.caller.Options, v.sent.Method)
		if !ok {
			return nil
		}
		return v.send(o)
	case k.Text != "" && !codeText(k.Text):
		return nil
	}
	var cmd tea.Cmd
	v.code, cmd = v.code.Update(k)
	return cmd
}

// codeText: s holds only what a code is read with.
func codeText(s string) bool { return strings.Trim(s, "0123456789 -") == "" }

func (v *verifyPage) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case v.stage == stageCode && codeText(strings.TrimSpace(msg.Content)):
		v.code, cmd = v.code.Update(tea.PasteMsg{Content: strings.TrimSpace(msg.Content)})
	case v.stage == stageCallback:
		v.reached, cmd = v.reached.Update(msg)
	}
	return cmd
}

// View draws what the page is about above the step under way. The step (its question,
// its field, what went wrong and the way on) always shows whole; on a short screen the
// lines above give way whole: the blank line, then the profile and ticket, then the title.
func (v *verifyPage) View() string {
	step := v.stepLines()
	title, about := v.headLines()
	head := append(append(append([]string{}, title...), about...), "")
	room := v.height - len(step)
	switch {
	case len(head) <= room:
	case len(title)+len(about) <= room:
		head = head[:len(head)-1]
	case len(title) <= room:
		head = title
	default:
		head = nil
	}
	return fit.Clip(strings.Join(append(head, step...), "\n"), v.width)
}

// headLines name who is being verified (title), and for which profile and ticket.
func (v *verifyPage) headLines() (title, about []string) {
	th := v.sh.th
	who := v.shown
	if v.name != "" {
		who = v.name + " (" + v.shown + ")"
	}
	title = fit.Indent("  ", th.Title.Render("Verify that the caller is "+who+" before the reset"), v.width)
	text := "profile " + v.profile.name
	if d := v.caller.Directory; d != "" && d != v.profile.p.Name {
		text += " · looked up in " + clean(d)
	}
	if v.ticket != "" {
		text += " · ticket " + clean(v.ticket)
	}
	for _, l := range fit.Indent("  ", text, v.width) {
		about = append(about, th.Subtle.Render(l))
	}
	return title, about
}

// stepLines are the step under way: the ways on file, the code read back, the callback.
func (v *verifyPage) stepLines() []string {
	var lines []string
	switch v.stage {
	case stageLookup:
		lines = v.busyLines()
		lines = append(lines, v.statusLines()...)
		if v.lookupErr {
			lines = append(lines, v.hint("ctrl+r looks "+v.shown+" up again · esc goes back to the review")...)
		}
	case stageWays:
		lines = v.wayLines()
	case stageCode:
		lines = v.codeLines()
	case stageCallback:
		lines = v.callbackLines()
	}
	return lines
}

func (v *verifyPage) wayLines() []string {
	th := v.sh.th
	lines := []string{th.Subtle.Render("  On file:")}
	for i, w := range v.ways {
		if v.caller.Options[i].Method == backends.VerifyCallback {
			w += th.Subtle.Render(" — dial it yourself")
		}
		prefix := "    "
		if i == v.cursor {
			prefix, w = "  > ", th.Cursor.Render(w)
		}
		lines = append(lines, fit.Indent(prefix, w, v.width)...)
	}
	lines = append(lines, "")
	lines = append(lines, v.busyLines()...)
	lines = append(lines, v.statusLines()...)
	what := "sends the code there"
	if v.onCallback() {
		what = "calls back"
	}
	return append(lines, v.hint("enter "+what+" · esc goes back to the review: nothing is reset here")...)
}

func (v *verifyPage) codeLines() []string {
	th := v.sh.th
	sent := "A code sent before by " + clean(v.sent.Method) + " to " + clean(v.sent.Destination) + " is waiting"
	if !v.sentAt.IsZero() {
		sent = "Code sent at " + v.sentAt.Format("15:04") + ": " + clean(v.sent.Method) + " to " + clean(v.sent.Destination) +
			" · valid until " + v.expires.Format("15:04") + " · " + triesLeft(v.tries)
	}
	if v.dead {
		sent = strings.Replace(sent, "is waiting", "was sent", 1)
		sent = sent[:strings.Index(sent+" · valid until", " · valid until")] + " · void"
	}
	lines := fit.Indent("  ", sent, v.width)
	if v.demo != "" {
		for _, l := range fit.Indent("  ", v.demo, v.width) {
			lines = append(lines, th.Warn.Render(l))
		}
	}
	lines = append(lines, fit.Indent("  ", th.Key.Render("Ask the caller to read the code back, then press enter:"), v.width)...)
	lines = append(lines, "  "+v.code.View())
	lines = append(lines, v.busyLines()...)
	lines = append(lines, v.statusLines()...)
	if v.dead {
		return lines // what went wrong says the way on
	}
	return append(lines, v.hint("ctrl+r sends a new code · esc other way")...)
}

func (v *verifyPage) callbackLines() []string {
	th := v.sh.th
	o, _ := verify.Pick(v.caller.Options, backends.VerifyCallback)
	who := v.shown
	if v.name != "" {
		who = v.name
	}
	lines := fit.Indent("  ", "Call "+who+" back on "+th.Key.Render(clean(o.Shown))+
		" — the number on file, never one the caller gives you.", v.width)
	lines = append(lines, fit.Indent("  ", th.Key.Render("Reached them on that number? Type yes and press enter:"), v.width)...)
	lines = append(lines, "  "+v.reached.View())
	lines = append(lines, v.busyLines()...)
	lines = append(lines, v.statusLines()...)
	return append(lines, v.hint("esc if you did not reach them: nothing is recorded as verified")...)
}

func (v *verifyPage) busyLines() []string {
	if !v.busy.Running() {
		return nil
	}
	return fit.Indent("  ", v.sh.th.Running.Render(v.busy.View()), v.width)
}

// statusLines are what the last step came to, at most maxErrorLines.
func (v *verifyPage) statusLines() []string {
	if v.status == "" {
		return nil
	}
	style := v.sh.th.OK
	if v.bad {
		style = v.sh.th.Failed
	}
	var lines []string
	for _, l := range fit.WrapMax(v.status, max(v.width-2, 20), maxErrorLines) {
		lines = append(lines, "  "+style.Render(l))
	}
	return lines
}

func (v *verifyPage) hint(s string) []string {
	var lines []string
	for _, l := range fit.Indent("  ", s, v.width) {
		lines = append(lines, v.sh.th.Subtle.Render(l))
	}
	return lines
}
