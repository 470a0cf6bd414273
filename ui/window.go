package ui

// window is the part of a scrolling list on screen: top is the first row shown. Pages
// move it in Update, after whatever may move the cursor, change the list or its room (a
// key, a resize, a new list), and View only reads it.
type window struct{ top int }

// follow moves the window the least that keeps the cursor among the rows shown.
func (w *window) follow(cursor, rows int) {
	if cursor < w.top {
		w.top = cursor
	} else if cursor >= w.top+rows {
		w.top = cursor - rows + 1
	}
}

// fill keeps a list of n rows from ending above the bottom of the window while it has
// rows above the top to show instead.
func (w *window) fill(n, rows int) { w.top = max(min(w.top, n-rows), 0) }

// span is the rows shown of a list of n: [from, to).
func (w window) span(n, rows int) (from, to int) { return w.top, max(min(w.top+rows, n), w.top) }
