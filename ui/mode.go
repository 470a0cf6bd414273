package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
)

// modePage picks the mode and its options, a typed password (one user only) and a
// ticket reference. Focus 0 is the list of modes; the fields follow.
type modePage struct {
	sh      *shared
	profile *profile
	be      backends.Backend
	width   int
	users   []string
	modes   []backends.Mode
	mode    int
	fields  []*field
	focus   int
	err     string
}

type fieldKind int

const (
	fChoice fieldKind = iota
	fNumber
	fText
	fBool
	fPassword
	fTicket
)

type field struct {
	kind  fieldKind
	spec  backends.OptionSpec
	label string
	input textinput.Model
	// choices are a choice field's values; "" is the server's own default, offered
	// first when the option has no default of ours.
	choices []string
	choice  int
	on      bool
}

func newModePage(sh *shared, p *profile, b backends.Backend, users []string) *modePage {
	kind, _ := backends.Lookup(p.p.Kind)
	m := &modePage{sh: sh, profile: p, be: b, users: users, modes: kind.Modes}
	m.buildFields()
	return m
}

func (m *modePage) Title() string     { return "mode · " + plural(len(m.users), "user") }
func (m *modePage) Profile() *profile { return m.profile }
func (m *modePage) Input() input {
	if m.focus == 0 {
		return noInput
	}
	f := m.fields[m.focus-1]
	switch f.kind {
	case fNumber, fText, fPassword, fTicket:
		return inputOf(true, f.input.Value())
	}
	return noInput
}
func (m *modePage) Help() keys.Help {
	km := m.sh.keys
	return keys.Help{
		ShortKeys: []key.Binding{km.Up, km.Down, km.NextField, km.Review, km.Back},
		Groups:    [][]key.Binding{{km.Up, km.Down, km.NextField, km.PrevField}, {km.Change}, {km.Review, km.Back}},
	}
}
func (m *modePage) Init() tea.Cmd    { return nil }
func (m *modePage) SetSize(w, _ int) { m.width = w }

func (m *modePage) current() backends.Mode { return m.modes[m.mode] }

func newInput(sh *shared, placeholder string) textinput.Model {
	in := sh.newTextInput()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = 256
	in.SetWidth(40)
	return in
}

// buildFields lays out the fields of the current mode; the ticket survives a change.
func (m *modePage) buildFields() {
	ticket := ""
	for _, f := range m.fields {
		if f.kind == fTicket {
			ticket = f.input.Value()
		}
	}
	m.fields = nil
	if len(m.modes) == 0 {
		return
	}
	md := m.current()
	for _, s := range md.Options {
		f := &field{spec: s, label: s.Label}
		if f.label == "" {
			f.label = s.Key
		}
		switch {
		case len(s.Choices) > 0:
			f.kind = fChoice
			if s.Default == "" {
				f.choices = append(f.choices, "")
			}
			f.choices = append(f.choices, s.Choices...)
			for i, c := range f.choices {
				if strings.EqualFold(c, s.Default) {
					f.choice = i
				}
			}
		case s.Flag || s.Key == backends.OptMustChange:
			f.kind = fBool
			f.on = strings.EqualFold(s.Default, "true")
		case s.Key == backends.OptExpires || s.Min != 0 || s.Max != 0:
			f.kind = fNumber
			hint := s.Default
			if s.Max != 0 {
				hint = fmt.Sprintf("%s (%d..%d)", s.Default, s.Min, s.Max)
			}
			f.input = newInput(m.sh, strings.TrimSpace(hint))
		default:
			f.kind = fText
			f.input = newInput(m.sh, s.Default)
		}
		m.fields = append(m.fields, f)
	}
	if md.TypedPassword && len(m.users) == 1 {
		f := &field{kind: fPassword, label: "Password (empty: generate one)", input: newInput(m.sh, "generated")}
		f.input.EchoMode = textinput.EchoPassword
		m.fields = append(m.fields, f)
	}
	t := &field{kind: fTicket, label: "Ticket reference", input: newInput(m.sh, "optional, kept in the history")}
	t.input.SetValue(ticket)
	m.fields = append(m.fields, t)
}

func (m *modePage) setFocus(i int) tea.Cmd {
	n := len(m.fields) + 1
	i = (i%n + n) % n
	if m.focus > 0 {
		m.fields[m.focus-1].input.Blur()
	}
	m.focus = i
	if i > 0 {
		f := m.fields[i-1]
		if f.kind != fChoice && f.kind != fBool {
			return f.input.Focus()
		}
	}
	return nil
}

func (m *modePage) Update(msg tea.Msg) (tea.Cmd, nav) {
	km := m.sh.keys
	if wheel, ok := msg.(tea.MouseWheelMsg); ok && m.focus == 0 {
		switch {
		case wheel.Button == tea.MouseWheelUp && m.mode > 0:
			m.mode--
			m.buildFields()
		case wheel.Button == tea.MouseWheelDown && m.mode < len(m.modes)-1:
			m.mode++
			m.buildFields()
		}
		return nil, nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if m.focus > 0 {
			var cmd tea.Cmd
			f := m.fields[m.focus-1]
			f.input, cmd = f.input.Update(msg)
			return cmd, nil
		}
		return nil, nil
	}
	switch {
	case key.Matches(k, km.Back):
		return nil, back{}
	case key.Matches(k, km.Review):
		return m.next()
	case key.Matches(k, km.NextField):
		return m.setFocus(m.focus + 1), nil
	case key.Matches(k, km.PrevField):
		return m.setFocus(m.focus - 1), nil
	}
	if m.focus == 0 {
		switch {
		case key.Matches(k, km.Up) && m.mode > 0:
			m.mode--
			m.buildFields()
		case key.Matches(k, km.Down) && m.mode < len(m.modes)-1:
			m.mode++
			m.buildFields()
		}
		return nil, nil
	}
	f := m.fields[m.focus-1]
	switch f.kind {
	case fChoice:
		switch k.String() {
		case "left", "h":
			f.choice = (f.choice + len(f.choices) - 1) % len(f.choices)
		case "right", "l", "space":
			f.choice = (f.choice + 1) % len(f.choices)
		case "up":
			return m.setFocus(m.focus - 1), nil
		case "down":
			return m.setFocus(m.focus + 1), nil
		}
	case fBool:
		switch k.String() {
		case "space", "left", "right":
			f.on = !f.on
		case "up":
			return m.setFocus(m.focus - 1), nil
		case "down":
			return m.setFocus(m.focus + 1), nil
		}
	default:
		switch k.String() {
		case "up":
			return m.setFocus(m.focus - 1), nil
		case "down":
			return m.setFocus(m.focus + 1), nil
		}
		var cmd tea.Cmd
		f.input, cmd = f.input.Update(k)
		return cmd, nil
	}
	return nil, nil
}

// request builds the run request from the form; the error names what to fix.
func (m *modePage) request() (runner.Request, error) {
	if len(m.modes) == 0 {
		return runner.Request{}, fmt.Errorf("this system offers no reset modes")
	}
	j := runner.Spec{Mode: m.current().Name, Users: m.users}
	for _, f := range m.fields {
		v := strings.TrimSpace(f.input.Value())
		switch f.kind {
		case fChoice:
			j.Options.Method = f.choices[f.choice]
		case fBool:
			j.Options.SetFlag(f.spec.Key, f.on)
		case fNumber:
			if v == "" {
				v = f.spec.Default
			}
			if v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || (f.spec.Max != 0 && (n < f.spec.Min || n > f.spec.Max)) {
					return runner.Request{}, fmt.Errorf("%s must be a whole number from %d to %d", strings.ToLower(f.label), f.spec.Min, f.spec.Max)
				}
				j.Options.Expires = n
			}
		case fText:
			if f.spec.Key == backends.OptComments {
				j.Options.Comments = v
			}
		case fPassword:
			j.Password = f.input.Value()
		case fTicket:
			j.Options.Ticket = v
		}
	}
	return runner.NewRequest(m.be, m.profile.p, j)
}

func (m *modePage) next() (tea.Cmd, nav) {
	req, err := m.request()
	if err != nil {
		m.err = cleanErr(err)
		return nil, nil
	}
	m.err = ""
	return nil, push{newReviewPage(m.sh, m.profile, req)}
}

func (m *modePage) View() string {
	th := m.sh.th
	w := m.width
	var b strings.Builder
	b.WriteString(th.Subtle.Render("Reset mode:") + "\n")
	for i, md := range m.modes {
		line := fit.Pad(md.Name, 10) + " " + fit.Cut(md.Label, max(w-13, 1))
		switch {
		case i == m.mode && m.focus == 0:
			b.WriteString("> " + th.Cursor.Render(line))
		case i == m.mode:
			b.WriteString("* " + th.Selected.Render(line))
		default:
			b.WriteString("  " + line)
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	labelW := 0
	for _, f := range m.fields {
		labelW = max(labelW, fit.Width(f.label))
	}
	labelW = min(max(labelW, 20), 32) + 1
	for i, f := range m.fields {
		marker := "  "
		focused := m.focus == i+1
		if focused {
			marker = "> "
		}
		val := m.fieldValue(f)
		label := f.label
		if fit.Width(label) <= labelW && 2+labelW+1+fit.Width(val) <= w {
			// Label and value on one line.
			l := fit.Pad(label, labelW)
			if focused {
				l = th.Key.Render(l)
			}
			b.WriteString(marker + l + " " + val + "\n")
		} else {
			// The label wraps on its own lines, the value under it.
			for j, l := range fit.Wrap(label, max(w-2, 10)) {
				if focused {
					l = th.Key.Render(l)
				}
				if j == 0 {
					b.WriteString(marker + l + "\n")
				} else {
					b.WriteString("  " + l + "\n")
				}
			}
			b.WriteString("    " + val + "\n")
		}
		if f.kind == fPassword {
			if pw := f.input.Value(); pw != "" {
				for _, l := range fit.Indent("    ", strength(pw), w) {
					b.WriteString(th.Subtle.Render(l) + "\n")
				}
			}
		}
	}
	if m.err != "" {
		b.WriteString("\n" + th.Failed.Render(strings.Join(fit.Wrap(m.err, w), "\n")))
	}
	return fit.Clip(strings.TrimSuffix(b.String(), "\n"), w)
}

// fieldValue draws a field's value.
func (m *modePage) fieldValue(f *field) string {
	th := m.sh.th
	switch f.kind {
	case fChoice:
		var parts []string
		for ci, c := range f.choices {
			if c == "" {
				c = "server's"
			}
			if ci == f.choice {
				parts = append(parts, th.Selected.Render("["+c+"]"))
			} else {
				parts = append(parts, th.Subtle.Render(c))
			}
		}
		return strings.Join(parts, " ")
	case fBool:
		if f.on {
			return "[x] yes"
		}
		return "[ ] no"
	}
	return f.input.View()
}
