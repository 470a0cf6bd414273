package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"resetdesk/ui/fit"
)

// The selection pane of the users page: every selected id, the refused ones first
// with the reason, and the skipped lines of a paste or a file with their numbers.

// arrangePane orders the pane's rows: the refused ids first, then the skipped lines,
// then the rest in the order chosen: what needs the technician comes first.
func (u *usersPage) arrangePane() {
	u.order = u.order[:0]
	for i, id := range u.sel.ids {
		if _, bad := u.sel.refused[id]; bad {
			u.order = append(u.order, i)
		}
	}
	for i := range u.sel.dropped {
		u.order = append(u.order, u.sel.len()+i)
	}
	for i, id := range u.sel.ids {
		if _, bad := u.sel.refused[id]; !bad {
			u.order = append(u.order, i)
		}
	}
}

func (u *usersPage) paneItems() int { return u.sel.len() + len(u.sel.dropped) }

// paneText is what the pane's "/" filter matches in the row at position p: the id, the
// person's name and why it is refused, or the skipped line.
func (u *usersPage) paneText(p int) string {
	i := p
	if p < len(u.order) {
		i = u.order[p]
	}
	if i < u.sel.len() {
		return u.sel.shown[i] + "\x00" + u.sel.nameOf(u.sel.ids[i]) + "\x00" + u.sel.refused[u.sel.ids[i]]
	}
	return u.sel.dropped[i-u.sel.len()].String()
}

// paneKey is a key while the selection pane has the keys.
func (u *usersPage) paneKey(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := u.sh.keys
	if u.pane.Filtering() {
		cmd, _ := u.pane.Update(k)
		return cmd, nil
	}
	switch {
	case key.Matches(k, km.Back) && u.pane.Query() != "":
		u.pane.ClearFilter()
		return nil, nil
	case key.Matches(k, km.Back), key.Matches(k, km.LeaveField):
		u.inPane = false
		return u.input.Focus(), nil
	case key.Matches(k, km.Remove):
		p, ok := u.pane.Current()
		i := 0
		if ok {
			i = u.order[p]
		}
		switch {
		case !ok:
		case i < u.sel.len():
			u.sel.remove(i)
		default:
			d := i - u.sel.len()
			u.sel.dropped = append(u.sel.dropped[:d:d], u.sel.dropped[d+1:]...)
		}
		if len(u.sel.refused) == 0 {
			return untoast(), nil // a toast about a refused id is no longer true
		}
		return nil, nil
	case key.Matches(k, km.RemoveInvalid):
		if n := u.sel.removeRefused(); n > 0 {
			return toast("removed " + plural(n, "refused id")), nil
		}
		return toast("no refused id to remove"), nil
	}
	cmd, _ := u.pane.Update(k)
	return cmd, nil
}

// paneView is the selection pane: its summary line, then the selected ids (refused
// ones marked, with the reason) and the skipped lines with their numbers.
func (u *usersPage) paneView() string {
	th := u.sh.th
	head := u.sel.summary()
	style := th.Selected
	if u.sel.len() == 0 {
		style = th.Subtle
	}
	if len(u.sel.refused) > 0 {
		style = th.Failed
	}
	hint := ""
	switch {
	case u.inPane:
		hint = "  d removes · D removes every refused id · tab: back to the search"
	case u.paneItems() > 0:
		hint = "  tab: see and edit"
	}
	var b strings.Builder
	b.WriteString(style.Render(head) + th.Subtle.Render(fit.Cut(hint, max(u.width-fit.Width(head), 0))))
	if u.paneItems() > 0 {
		b.WriteString("\n" + u.pane.View(func(i int, current bool) string {
			return strings.Join(u.paneRow(i, current && u.inPane), "\n")
		}))
	}
	return b.String()
}

// paneRow is the row at position p of the pane: a selected id or a skipped line.
func (u *usersPage) paneRow(p int, current bool) []string {
	th := u.sh.th
	i := p
	if p < len(u.order) {
		i = u.order[p]
	}
	marker := "  "
	if current {
		marker = "> "
	}
	var lines []string
	var style = th.Text
	if i < u.sel.len() {
		who := u.sel.shown[i]
		if name := u.sel.nameOf(u.sel.ids[i]); name != "" {
			who += "  " + name // the person, as the search showed them
		}
		text := "✓ " + who
		if why, bad := u.sel.refused[u.sel.ids[i]]; bad {
			text, style = "✗ "+who+" — refused: "+why, th.Failed
		}
		lines = fit.Indent(marker, text, u.width)
	} else {
		d := u.sel.dropped[i-u.sel.len()]
		lines = fit.Indent(marker, "− skipped "+d.String(), u.width)
		style = th.Warn
	}
	for j, l := range lines {
		if current {
			lines[j] = th.Cursor.Render(l)
		} else {
			lines[j] = style.Render(l)
		}
	}
	return lines
}
