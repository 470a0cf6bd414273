// Package list is the console's one scrolling list: a cursor over the rows of a page,
// drawn in the room the page gives it, with paging, a "↓ n more" line whenever rows are
// out of sight, the mouse wheel, and a filter typed after "/". It holds no rows: the
// page keeps its items and draws each one; the list says which items show, in which
// order, and where the cursor is. The window moves in Update (and in the setters), never
// in View, so that drawing changes nothing.
package list

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"resetdesk/ui/keys"
)

// wheelStep is how many rows a turn of the mouse wheel moves.
const wheelStep = 3

// Styles draw the list's own lines.
type Styles struct {
	Marker lipgloss.Style   // "↓ 12 more"
	Filter lipgloss.Style   // the filter line's count
	Field  textinput.Styles // the filter field
}

// Model is a list. The zero value is not usable: call New.
type Model struct {
	keys   keys.Map
	styles Styles

	n      int   // items the page has
	index  []int // the items the filter keeps, in order; nil: every item
	cursor int   // position among the shown items
	top    int   // the first position in the window
	height int   // lines the list may take, its own lines included

	rowLines func(item int) int   // lines an item takes; nil: one
	filterFn func(q string) []int // nil: no filter offered
	input    textinput.Model      // the filter field
	query    string               // the filter applied
	external bool                 // the query came from a field of the page's own: no filter line
	typing   bool                 // the page's own text field has the keys
	focused  bool                 // the filter field has the keys
}

// New is an empty list drawn with st that moves with the bindings of km.
func New(km keys.Map, st Styles) Model {
	in := textinput.New()
	in.Prompt = "/ "
	in.CharLimit = 200
	in.SetWidth(30)
	st.Field.Cursor.Blink = false // a blinking cursor repaints twice a second: noise over SSH
	in.SetStyles(st.Field)
	return Model{keys: km, styles: st, height: 10, input: in}
}

// SetItems tells the list how many items the page has now (the filter is applied again).
func (m *Model) SetItems(n int) {
	m.n = max(n, 0)
	m.refilter()
}

// SetHeight sets the lines the list may take, its filter and marker lines included.
func (m *Model) SetHeight(h int) {
	m.height = max(h, 1)
	m.follow()
}

// Height is the lines the list may take.
func (m *Model) Height() int { return m.height }

// SetRowLines says how many lines each item takes, for items that wrap.
func (m *Model) SetRowLines(fn func(item int) int) {
	m.rowLines = fn
	m.follow()
}

// SetFilter offers a filter ("/"): fn gives the items to show for a query, in order
// (nil: every item).
func (m *Model) SetFilter(fn func(q string) []int) {
	m.filterFn = fn
	m.refilter()
}

// SetTyping tells the list that the page's text field has the keys: it then moves
// only with the arrows, the page keys and the wheel, and leaves the letters alone.
func (m *Model) SetTyping(typing bool) { m.typing = typing }

// Filtering reports whether the filter field has the keys.
func (m *Model) Filtering() bool { return m.focused }

// Query is the filter applied.
func (m *Model) Query() string { return m.query }

// SetQuery applies q as the filter, typed in a field of the page's own: the list draws
// no filter line for it.
func (m *Model) SetQuery(q string) {
	if q == m.query && m.external {
		return
	}
	m.external = true
	m.input.SetValue("")
	m.query = q
	m.cursor, m.top = 0, 0
	m.refilter()
}

// ClearFilter empties the filter and gives the keys back to the list.
func (m *Model) ClearFilter() {
	m.focused = false
	m.input.Blur()
	m.input.SetValue("")
	m.query, m.external = "", false
	m.cursor, m.top = 0, 0
	m.refilter()
}

// Len is the number of items shown.
func (m *Model) Len() int {
	if m.index == nil {
		return m.n
	}
	return len(m.index)
}

// Total is the number of items the page has.
func (m *Model) Total() int { return m.n }

// Item is the item at position pos of the shown ones.
func (m *Model) Item(pos int) int {
	if m.index == nil {
		return pos
	}
	return m.index[pos]
}

// Cursor is the cursor's position among the shown items.
func (m *Model) Cursor() int { return m.cursor }

// Current is the item under the cursor; false when nothing is shown.
func (m *Model) Current() (int, bool) {
	if m.Len() == 0 {
		return 0, false
	}
	return m.Item(m.cursor), true
}

// SetCursor puts the cursor at position pos.
func (m *Model) SetCursor(pos int) {
	m.cursor = pos
	m.follow()
}

// Move moves the cursor by d positions.
func (m *Model) Move(d int) { m.SetCursor(m.cursor + d) }

// Page is how far a page key moves: the rows in the window, less one kept in sight.
func (m *Model) Page() int {
	from, to := m.Span()
	return max(to-from-1, 1)
}

// Update moves the cursor for a key or the mouse wheel, and takes the filter's keys
// while it has them. handled reports whether msg was the list's.
func (m *Model) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.Move(-wheelStep)
			return nil, true
		case tea.MouseWheelDown:
			m.Move(wheelStep)
			return nil, true
		}
	case tea.PasteMsg:
		if m.focused {
			return m.typeFilter(msg), true
		}
	case tea.KeyPressMsg:
		if m.focused {
			return m.filterKey(msg), true
		}
		return nil, m.key(msg)
	}
	return nil, false
}

func (m *Model) key(k tea.KeyPressMsg) bool {
	up, down := m.keys.Up, m.keys.Down
	if m.typing {
		up, down = m.keys.ArrowUp, m.keys.ArrowDown
	}
	switch {
	case key.Matches(k, up):
		m.Move(-1)
	case key.Matches(k, down):
		m.Move(1)
	case key.Matches(k, m.keys.PageUp):
		m.Move(-m.Page())
	case key.Matches(k, m.keys.PageDown):
		m.Move(m.Page())
	case !m.typing && key.Matches(k, m.keys.Home):
		m.SetCursor(0)
	case !m.typing && key.Matches(k, m.keys.End):
		m.SetCursor(m.Len() - 1)
	case !m.typing && m.filterFn != nil && key.Matches(k, m.keys.Filter):
		m.focused = true
		m.input.SetValue(m.query)
		m.input.CursorEnd()
		m.input.Focus()
		m.follow() // the filter line takes a line
	default:
		return false
	}
	return true
}

func (m *Model) filterKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Clear):
		m.ClearFilter()
		return nil
	case key.Matches(k, m.keys.Accept), key.Matches(k, m.keys.LeaveField):
		m.focused = false
		m.input.Blur()
		m.follow()
		return nil
	case key.Matches(k, m.keys.ArrowUp):
		m.Move(-1)
		return nil
	case key.Matches(k, m.keys.ArrowDown):
		m.Move(1)
		return nil
	}
	return m.typeFilter(k)
}

func (m *Model) typeFilter(msg tea.Msg) tea.Cmd {
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != before {
		m.query, m.external = m.input.Value(), false
		m.cursor, m.top = 0, 0
		m.refilter()
	}
	return cmd
}

func (m *Model) refilter() {
	m.index = nil
	if q := strings.TrimSpace(m.query); q != "" && m.filterFn != nil {
		m.index = m.filterFn(q)
		if m.index == nil {
			m.index = []int{}
		}
	}
	m.follow()
}

// filterLine reports whether the filter takes a line.
func (m *Model) filterLine() bool { return m.focused || (!m.external && m.query != "") }

func (m *Model) lines(item int) int {
	if m.rowLines == nil {
		return 1
	}
	return max(m.rowLines(item), 1)
}

// room is the lines for rows: the height less the filter line and, when not every row
// fits, the marker line.
func (m *Model) room() int {
	h := m.height
	if m.filterLine() {
		h--
	}
	n := m.Len()
	if m.rowLines == nil {
		if n > h {
			h--
		}
		return max(h, 1)
	}
	total := 0
	for p := range n {
		total += m.lines(m.Item(p))
		if total > h {
			h--
			break
		}
	}
	return max(h, 1)
}

// follow clamps the cursor and moves the window the least that keeps the cursor in
// it, then keeps the window from ending above the bottom while rows above could show.
func (m *Model) follow() {
	n := m.Len()
	m.cursor = min(max(m.cursor, 0), max(n-1, 0))
	room := m.room()
	if m.rowLines == nil {
		if m.cursor < m.top {
			m.top = m.cursor
		} else if m.cursor >= m.top+room {
			m.top = m.cursor - room + 1
		}
		m.top = max(min(m.top, n-room), 0)
		return
	}
	if m.cursor < m.top {
		m.top = m.cursor
	}
	for m.top < m.cursor && m.linesBetween(m.top, m.cursor) > room {
		m.top++
	}
	for m.top > 0 && m.linesBetween(m.top-1, n-1) <= room {
		m.top--
	}
	m.top = max(min(m.top, max(n-1, 0)), 0)
}

func (m *Model) linesBetween(from, to int) int {
	total := 0
	for p := from; p <= to; p++ {
		total += m.lines(m.Item(p))
	}
	return total
}

// Span is the positions in the window: [from, to).
func (m *Model) Span() (from, to int) {
	n := m.Len()
	room := m.room()
	if m.rowLines == nil {
		return m.top, max(min(m.top+room, n), m.top)
	}
	used := 0
	to = m.top
	for to < n {
		l := m.lines(m.Item(to))
		if used+l > room && to > m.top {
			break
		}
		used += l
		to++
	}
	return m.top, to
}

// View draws the filter line, the items in the window (draw gives an item's lines,
// current for the one under the cursor) and the marker; no more lines than the height.
func (m *Model) View(draw func(item int, current bool) string) string {
	var b strings.Builder
	m.Render(&b, draw)
	return strings.TrimSuffix(b.String(), "\n")
}

// Render is View written to b, ending in a line break: a page that builds a large
// screen (the results table) writes the rows once, where they go.
func (m *Model) Render(b *strings.Builder, draw func(item int, current bool) string) {
	if m.filterLine() {
		b.WriteString(m.input.View())
		b.WriteString(m.styles.Filter.Render(fmt.Sprintf("   %d of %d", m.Len(), m.n)))
		b.WriteByte('\n')
	}
	from, to := m.Span()
	room := m.room()
	used := 0
	for p := from; p < to; p++ {
		text := draw(m.Item(p), p == m.cursor)
		if m.rowLines == nil {
			b.WriteString(text) // one line a row: nothing to count
			b.WriteByte('\n')
			continue
		}
		lines := strings.Split(text, "\n")
		if used+len(lines) > room {
			lines = lines[:max(room-used, 1)]
		}
		used += len(lines)
		b.WriteString(strings.Join(lines, "\n"))
		b.WriteByte('\n')
	}
	if above, below := from, m.Len()-to; above > 0 || below > 0 {
		b.WriteString(m.styles.Marker.Render(Marker(above, below)))
		b.WriteByte('\n')
	}
}

// Marker is the line that says how many rows are out of sight.
func Marker(above, below int) string {
	switch {
	case above > 0 && below > 0:
		return fmt.Sprintf("  ↓ %d more · ↑ %d above", below, above)
	case below > 0:
		return fmt.Sprintf("  ↓ %d more", below)
	case above > 0:
		return fmt.Sprintf("  ↑ %d above", above)
	}
	return ""
}

// Contains is a filter for n items: those whose text holds the query, case ignored.
func Contains(n func() int, text func(item int) string) func(q string) []int {
	return func(q string) []int {
		q = strings.ToLower(q)
		var out []int
		for i := range n() {
			if strings.Contains(strings.ToLower(text(i)), q) {
				out = append(out, i)
			}
		}
		return out
	}
}
