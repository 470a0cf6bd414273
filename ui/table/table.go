// Package table is the console's results table: one row per user of a run, drawn in a
// window of the terminal's height by the console's list (cursor, paging, the "↓ n
// more" line, the "/" filter). Only the visible rows are rendered, each row's line is
// cached until the row (or the width, or what is revealed) changes, and the status
// filter and sort go through an index of row positions, so that a run of many thousand
// users costs the same per frame as a run of forty.
package table

import (
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/theme"
	"resetdesk/ui/fit"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
)

// Row is one user's line. Strings must already be sanitized (sanitize.Line).
type Row struct {
	User    string
	Name    string          // the person's display name, where the system gave one
	Status  backends.Status // "" while waiting to be sent
	Secret  string
	Message string
	Elapsed time.Duration
}

// Filter selects which rows are shown.
type Filter int

const (
	All   Filter = iota
	NotOK        // failed, unknown and skipped: what needs a technician's attention
)

// Sort orders the shown rows.
type Sort int

const (
	InputOrder Sort = iota
	ByStatus        // running first, then failed, unknown, skipped, ok, waiting
)

// Mask stands for a hidden secret; it has a fixed length so that it does not leak one.
const Mask = "••••••••"

// Column widths that do not depend on the screen.
const (
	statusWidth  = 9
	elapsedWidth = 7
	maskWidth    = 10
	minUser      = 8
	maxUser      = 28
	maxName      = 22
	// minName is the narrowest name column: a narrower one would show no name at all.
	minName = 6
	// minMessage is what the message keeps beside a revealed secret in its column; a
	// secret that would leave less goes whole on its own lines under its row.
	minMessage = 12
)

// Model is the table. The zero value is not usable: call New.
type Model struct {
	th   theme.Theme
	rows []Row
	// cache holds the rendered line of each row (without the cursor marker); ""
	// means not rendered yet or stale.
	cache []string
	// base lists the positions of the rows the status filter keeps, in the sort's
	// order; nil means every row in input order (the common case during a run, which
	// costs nothing to keep). The list's text filter picks among these.
	base      []int
	baseDirty bool
	filter    Filter
	sortBy    Sort
	list      list.Model

	width, height int
	cols          columns
	head          string // the header line, drawn; "" when stale
	// below is set when some revealed secret is wider than its column: it is drawn
	// whole on lines of its own under its row, never cut.
	below bool

	revealAll bool
	revealed  map[int]bool
	// noSecrets: the viewer does not see the run's secrets, and the table has no secret
	// column at all.
	noSecrets bool
	// widest is the widest secret of any row, for the secret column when all are shown;
	// widestUser the widest user and widestName the widest name, for their columns.
	widest, widestUser, widestName int
	spinner                        string
	// self is the Model the list's filter is bound to (bind).
	self *Model
}

type columns struct{ user, name, status, secret, message, elapsed int }

// New makes a table of users (each row's User and Name), all waiting, moved with the
// bindings of km.
func New(th theme.Theme, km keys.Map, users []Row) Model {
	m := Model{th: th, rows: make([]Row, len(users)), cache: make([]string, len(users)), revealed: map[int]bool{}, spinner: "*"}
	for i, u := range users {
		m.rows[i] = Row{User: u.User, Name: u.Name}
		m.widestUser = max(m.widestUser, fit.Width(u.User))
		m.widestName = max(m.widestName, fit.Width(u.Name))
	}
	m.list = list.New(km, list.Styles{Marker: th.Subtle, Filter: th.Subtle})
	m.list.SetItems(len(users))
	m.SetSize(80, 10)
	return m
}

// SetSecrets says whether the viewer sees the run's secrets: without, the table has no
// secret column (the rows hold none).
func (m *Model) SetSecrets(on bool) {
	if m.noSecrets != !on {
		m.noSecrets = !on
		m.layout()
	}
}

// SetTheme changes the styles (the terminal told its background).
func (m *Model) SetTheme(th theme.Theme) {
	m.th = th
	m.invalidate()
}

// SetSize sets the width and the height in lines, the header included.
func (m *Model) SetSize(w, h int) {
	if w == m.width && h == m.height {
		return
	}
	m.width, m.height = max(w, 20), max(h, 2)
	m.list.SetHeight(m.height - 1)
	m.layout()
}

// layout sizes the columns: the secret column grows to the widest secret on show, so
// that a revealed password is read whole, and the message takes what is left. A
// revealed secret too wide for that (a reset link) goes whole under its row instead.
func (m *Model) layout() {
	user := min(max(m.widestUser, minUser), max((m.width-2)/3, minUser), maxUser)
	rest := m.width - 2 - statusWidth - elapsedWidth - 4
	widest := m.revealedWidth()
	secret := maskWidth
	switch {
	case m.noSecrets, m.filter != All && !m.shownSecrets():
		secret = 0 // no secret to show: the reasons take the room
	case widest > secret && widest <= rest-user-minMessage:
		secret = widest
	}
	if user+secret > rest {
		user = max(rest-secret, minUser)
	}
	below := widest > secret
	msg := rest - user - secret
	if secret == 0 {
		msg++ // the secret column's separator too
	}
	// The name takes from the message what the message can spare; too narrow, it
	// shows in the detail under the table only.
	name := min(m.widestName, maxName, msg-minMessage-1)
	if name < minName {
		name = 0
	} else {
		msg -= name + 1
	}
	c := columns{user: user, name: name, status: statusWidth, secret: secret, message: max(msg, 0), elapsed: elapsedWidth}
	if c != m.cols || below != m.below {
		m.cols, m.below = c, below
		m.invalidate()
		if below {
			m.list.SetRowLines(m.rowLines)
		} else {
			m.list.SetRowLines(nil)
		}
	}
	m.head = ""
}

// shownSecrets reports whether a row the status filter shows has a secret.
func (m *Model) shownSecrets() bool {
	for p := range m.baseLen() {
		if m.rows[m.baseAt(p)].Secret != "" {
			return true
		}
	}
	return false
}

// revealedWidth is the widest secret revealed among the rows shown.
func (m *Model) revealedWidth() int {
	w := 0
	for p := range m.baseLen() {
		i := m.baseAt(p)
		if m.Revealed(i) && m.rows[i].Secret != "" {
			w = max(w, fit.Width(m.rows[i].Secret))
		}
	}
	return w
}

func (m *Model) invalidate() {
	clear(m.cache)
	m.head = ""
}

// Shown is the number of rows the filters let through.
func (m *Model) Shown() int {
	m.rebuild()
	return m.list.Len()
}

// Row returns row i in input order.
func (m *Model) Row(i int) Row { return m.rows[i] }

// Apply puts an outcome of the run into its row; secret and message are as drawn
// (sanitized).
func (m *Model) Apply(o backends.Outcome, secret, message string) {
	if o.Index < 0 || o.Index >= len(m.rows) {
		return
	}
	r := &m.rows[o.Index]
	r.Status, r.Elapsed = o.Status, o.Elapsed
	r.Secret, r.Message = secret, message
	m.cache[o.Index] = ""
	// A string takes no more cells than it has bytes: measure only what may be wider.
	if len(secret) > m.widest {
		if w := fit.Width(secret); w > m.widest {
			m.widest = w
			if m.revealAll {
				m.rebuild()
				m.layout()
			}
		}
	}
	if m.filter != All || m.sortBy != InputOrder || m.list.Query() != "" {
		m.baseDirty = true
	}
}

// SetSpinner sets the frame drawn on running rows (they are never cached).
func (m *Model) SetSpinner(frame string) { m.spinner = frame }

// SetFilter changes the status filter; the cursor goes back to the top.
func (m *Model) SetFilter(f Filter) {
	if f == m.filter {
		return
	}
	m.filter, m.baseDirty = f, true
	m.rebuild()
	m.list.SetCursor(0)
}

// Filter returns the status filter.
func (m *Model) Filter() Filter { return m.filter }

// SetSort changes the order of the shown rows.
func (m *Model) SetSort(s Sort) {
	if s == m.sortBy {
		return
	}
	m.sortBy, m.baseDirty = s, true
	m.rebuild()
	m.list.SetCursor(0)
}

// SortBy returns the current order.
func (m *Model) SortBy() Sort { return m.sortBy }

// Filtering reports whether the "/" filter field has the keys.
func (m *Model) Filtering() bool { return m.list.Filtering() }

// Query is the "/" filter as typed.
func (m *Model) Query() string { return m.list.Query() }

// ClearQuery empties the "/" filter.
func (m *Model) ClearQuery() { m.rebuild(); m.list.ClearFilter() }

// Update moves the cursor (keys, the wheel) and takes the "/" filter's keys.
func (m *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	m.rebuild()
	return m.list.Update(msg)
}

// match is the "/" filter: the rows whose user or message holds the query.
func (m *Model) match(q string) []int {
	q = strings.ToLower(q)
	var out []int
	for p := range m.baseLen() {
		r := &m.rows[m.baseAt(p)]
		if strings.Contains(strings.ToLower(r.User), q) || strings.Contains(strings.ToLower(r.Name), q) ||
			strings.Contains(strings.ToLower(r.Message), q) {
			out = append(out, p)
		}
	}
	return out
}

func statusRank(s backends.Status) int {
	switch s {
	case backends.StatusRunning:
		return 0
	case backends.StatusFailed:
		return 1
	case backends.StatusUnknown:
		return 2
	case backends.StatusSkipped:
		return 3
	case backends.StatusOK:
		return 4
	}
	return 5
}

func (m *Model) baseLen() int {
	if m.base == nil {
		return len(m.rows)
	}
	return len(m.base)
}

func (m *Model) baseAt(p int) int {
	if m.base == nil {
		return p
	}
	return m.base[p]
}

// bind points the list's "/" filter at this Model: a Model is a value, and a filter
// bound to the copy it was made in would match the rows of that copy's status filter.
func (m *Model) bind() {
	if m.self != m {
		m.self = m
		m.list.SetFilter(m.match)
	}
}

func (m *Model) rebuild() {
	m.bind()
	if !m.baseDirty {
		return
	}
	m.baseDirty = false
	if m.filter == All && m.sortBy == InputOrder {
		m.base = nil
	} else {
		idx := m.base[:0]
		for i, r := range m.rows {
			if m.filter == NotOK && (r.Status == backends.StatusOK || !r.Status.Final()) {
				continue
			}
			idx = append(idx, i)
		}
		if m.sortBy == ByStatus {
			sort.SliceStable(idx, func(a, b int) bool {
				return statusRank(m.rows[idx[a]].Status) < statusRank(m.rows[idx[b]].Status)
			})
		}
		if idx == nil {
			idx = []int{}
		}
		m.base = idx
	}
	m.list.SetItems(m.baseLen())
	if m.filter != All || m.revealAll || len(m.revealed) > 0 {
		m.layout() // the secrets shown, and their widest, may have changed
	}
}

// rowAt is the input position of the row shown at list position pos.
func (m *Model) rowAt(pos int) int { return m.baseAt(m.list.Item(pos)) }

// Move moves the cursor by delta rows.
func (m *Model) Move(delta int) { m.rebuild(); m.list.Move(delta) }

// Page is the number of rows a page key moves.
func (m *Model) Page() int { return m.list.Page() }

// Top jumps to the first shown row.
func (m *Model) Top() { m.rebuild(); m.list.SetCursor(0) }

// Follow puts the cursor on row i (input order) when it is shown: the run page keeps the
// latest started row in sight until the technician moves.
func (m *Model) Follow(i int) {
	m.rebuild()
	if m.base == nil && m.list.Query() == "" {
		m.list.SetCursor(i)
		return
	}
	for p := range m.list.Len() {
		if m.rowAt(p) == i {
			m.list.SetCursor(p)
			return
		}
	}
}

// Current returns the input position of the row under the cursor.
func (m *Model) Current() (int, bool) {
	m.rebuild()
	if m.list.Len() == 0 {
		return 0, false
	}
	return m.rowAt(m.list.Cursor()), true
}

// ToggleReveal shows or hides the secret of the row under the cursor.
func (m *Model) ToggleReveal() {
	if i, ok := m.Current(); ok {
		m.revealed[i] = !m.revealed[i]
		m.cache[i] = ""
		m.layout()
	}
}

// SetRevealAll shows or hides every secret.
func (m *Model) SetRevealAll(v bool) {
	if v != m.revealAll {
		m.revealAll = v
		clear(m.revealed)
		m.invalidate()
		m.layout()
	}
}

// RevealAll reports whether every secret is shown.
func (m *Model) RevealAll() bool { return m.revealAll }

// Revealed reports whether row i's secret is shown.
func (m *Model) Revealed(i int) bool { return m.revealAll || m.revealed[i] }

// HideAll hides every secret again.
func (m *Model) HideAll() {
	m.revealAll = false
	clear(m.revealed)
	m.invalidate()
	m.layout()
}
