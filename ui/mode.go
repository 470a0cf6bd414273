package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/ui/keys"
)

// modePage picks the mode and its options, a typed password (one user only) and a
// ticket reference. Focus 0 is the list of modes; the fields follow.
type modePage struct {
	sh            *shared
	profile       *profile
	width, height int
	users         []string
	modes         []backends.Mode
	mode          int
	fields        []*field
	focus         int
	err           string
	// ticket is where the ticket is kept when esc leaves the page (the users page's),
	// so that it is there again when the technician comes back.
	ticket *string
	// top is the first line shown when the form is taller than the page.
	top int
	// plan takes the form to its review (the lookups, the desk's plan).
	plan planner
	// known are the accounts the search showed, by id: not looked up again.
	known map[string]backends.Account
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

// newModePage is the form for users; ticket keeps the ticket typed (nil: nowhere).
func newModePage(sh *shared, p *profile, users []string, ticket *string) *modePage {
	kind, _ := backends.Lookup(p.p.Kind)
	if ticket == nil {
		ticket = new(string)
	}
	m := &modePage{sh: sh, profile: p, users: users, modes: kind.Modes, ticket: ticket, plan: newPlanner()}
	m.buildFields()
	return m
}

// preset fills the form with a run's mode, options and typed password: a retry starts
// from what the run had, and the technician may change it (SMS failures retried by
// mail).
func (m *modePage) preset(spec runner.Spec) {
	for i, md := range m.modes {
		if strings.EqualFold(md.Name, spec.Mode) {
			m.mode = i
		}
	}
	m.buildFields()
	opt := spec.Options
	for _, f := range m.fields {
		switch f.kind {
		case fChoice:
			if i := slices.IndexFunc(f.choices, func(c string) bool { return strings.EqualFold(c, opt.Method) }); i >= 0 {
				f.choice = i
			}
		case fBool:
			f.on = opt.MustChange
			if f.spec.Key == backends.OptUnlock {
				f.on = opt.Unlock
			}
		case fNumber:
			if opt.Expires != 0 {
				f.input.SetValue(strconv.Itoa(opt.Expires))
			}
		case fText:
			if f.spec.Key == backends.OptComments {
				f.input.SetValue(opt.Comments)
			}
		case fPassword:
			f.input.SetValue(spec.Password)
		case fTicket:
			f.input.SetValue(opt.Ticket)
		}
	}
}

func (m *modePage) Title() string     { return "mode · " + plural(len(m.users), "user") }
func (m *modePage) Profile() *profile { return m.profile }

// textField is the focused field when it takes text (nil otherwise).
func (m *modePage) textField() *field {
	if m.focus == 0 {
		return nil
	}
	switch f := m.fields[m.focus-1]; f.kind {
	case fNumber, fText, fPassword, fTicket:
		return f
	}
	return nil
}

func (m *modePage) Input() input {
	if f := m.textField(); f != nil {
		return inputOf(true, f.input.Value())
	}
	return noInput
}

func (m *modePage) Help() keys.Help {
	km := m.sh.keys
	up, down := keys.Named(km.Up, "previous mode"), keys.Named(km.Down, "next mode")
	if m.focus > 0 {
		// A field has the keys: the letters are typed, only the arrows move.
		up, down = keys.Named(km.ArrowUp, "previous field"), keys.Named(km.ArrowDown, "next field")
	}
	// The way on first: a narrow footer leaves out what comes last.
	short := []key.Binding{km.Review, up, down, km.NextField, km.Back}
	if f := m.textField(); f != nil && f.kind == fPassword {
		short = []key.Binding{km.Review, km.ShowPassword, km.NextField, km.Back}
	}
	return keys.Help{
		ShortKeys: short,
		Groups: [][]key.Binding{{up, down, km.NextField, km.PrevField}, {km.ChoicePrev, km.ChoiceNext, km.Flip, km.ShowPassword},
			{km.Review, keys.Named(km.Back, "back to the users (the ticket stays)")}},
	}
}
func (m *modePage) Init() tea.Cmd { return nil }
func (m *modePage) SetSize(w, h int) {
	m.width, m.height = w, h
	m.follow()
}

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
	ticket := *m.ticket
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
		m.fields = append(m.fields, m.optionField(s))
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

// optionField is the field of option s.
func (m *modePage) optionField(s backends.OptionSpec) *field {
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
	return f
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

// keepTicket leaves the ticket where the page was opened from.
func (m *modePage) keepTicket() {
	for _, f := range m.fields {
		if f.kind == fTicket {
			*m.ticket = f.input.Value()
		}
	}
}

func (m *modePage) Update(msg tea.Msg) (tea.Cmd, nav) {
	cmd, n := m.update(msg)
	m.follow()
	return cmd, n
}

func (m *modePage) update(msg tea.Msg) (tea.Cmd, nav) {
	km := m.sh.keys
	if cmd, n, done := m.planning(msg); done {
		return cmd, n
	}
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
		if f := m.textField(); f != nil {
			var cmd tea.Cmd
			f.input, cmd = f.input.Update(msg)
			return cmd, m.edited()
		}
		return nil, nil
	}
	switch {
	case key.Matches(k, km.Back):
		m.keepTicket()
		return nil, back{}
	case key.Matches(k, km.Review):
		return m.next()
	case key.Matches(k, km.NextField), key.Matches(k, km.ArrowDown) && m.focus > 0:
		return m.setFocus(m.focus + 1), nil
	case key.Matches(k, km.PrevField), key.Matches(k, km.ArrowUp) && m.focus > 0:
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
	return m.fieldKey(m.fields[m.focus-1], k)
}

// fieldKey is a key for the focused field f.
func (m *modePage) fieldKey(f *field, k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := m.sh.keys
	switch f.kind {
	case fChoice:
		switch {
		case key.Matches(k, km.ChoicePrev):
			f.choice = (f.choice + len(f.choices) - 1) % len(f.choices)
		case key.Matches(k, km.ChoiceNext):
			f.choice = (f.choice + 1) % len(f.choices)
		default:
			return nil, nil
		}
	case fBool:
		if !key.Matches(k, km.Flip) {
			return nil, nil
		}
		f.on = !f.on
	default:
		if f.kind == fPassword && key.Matches(k, km.ShowPassword) {
			if f.input.EchoMode == textinput.EchoPassword {
				f.input.EchoMode = textinput.EchoNormal
			} else {
				f.input.EchoMode = textinput.EchoPassword
			}
			return nil, nil
		}
		var cmd tea.Cmd
		f.input, cmd = f.input.Update(k)
		return cmd, m.edited()
	}
	return nil, m.edited()
}

// edited is a field changed: an error about the form is no longer sure to hold.
func (m *modePage) edited() nav {
	m.err = ""
	return nil
}

// spec is the run the form asks for, checked as far as it can be without the system;
// the error names what to fix.
func (m *modePage) spec() (runner.Spec, error) {
	if len(m.modes) == 0 {
		return runner.Spec{}, fmt.Errorf("this system offers no reset modes")
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
					return runner.Spec{}, fmt.Errorf("%s must be a whole number from %d to %d", strings.ToLower(f.label), f.spec.Min, f.spec.Max)
				}
				j.Options.Expires = n
			}
		case fText:
			if f.spec.Key == backends.OptComments {
				j.Options.Comments = v
			}
		case fPassword:
			j.Password = f.input.Value()
			if why := refusedPassword(j.Password, m.current(), m.users[0]); j.Password != "" && why != "" {
				return runner.Spec{}, fmt.Errorf("the password would be refused: %s: type another, or leave it empty to generate one", why)
			}
		case fTicket:
			j.Options.Ticket = v
		}
	}
	j.Known = m.known
	return j, runner.Check(m.profile.p, j)
}

// next plans the run the form asks for; its review follows (planning).
func (m *modePage) next() (tea.Cmd, nav) {
	spec, err := m.spec()
	if err != nil {
		m.err = cleanErr(err)
		return nil, nil
	}
	m.err = ""
	return m.plan.start(m.sh, m.profile, spec), nil
}

// planning handles msg while the run is planned: its answer opens the review (or says
// what is wrong); esc gives up; other keys are kept for the review.
func (m *modePage) planning(msg tea.Msg) (tea.Cmd, nav, bool) {
	switch msg := msg.(type) {
	case plannedMsg:
		typed, ok := m.plan.take(msg)
		if !ok {
			return nil, nil, true
		}
		if msg.err != "" {
			m.err = msg.err
			return nil, nil, true
		}
		return nil, push{p: newReviewPage(m.sh, m.profile, msg.plan), typed: typed}, true
	case tea.KeyPressMsg:
		if !m.plan.running() {
			return nil, nil, false
		}
		m.plan.key(m.sh, msg)
		return nil, nil, true
	}
	if _, tick := msg.(spinner.TickMsg); tick && m.plan.running() {
		return m.plan.task.Update(msg), nil, true // its next frame: the spinner turns
	}
	return nil, nil, false
}
