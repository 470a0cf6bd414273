package ui

import tea "charm.land/bubbletea/v2"

// secretRows is a list whose rows may hold a secret, masked until revealed: the
// results table and the recover page.
type secretRows interface {
	toggleReveal()    // the row under the cursor
	toggleRevealAll() // every row
	// copyCurrent returns the secret of the row under the cursor ("" when it has none)
	// and what it is, for the toast.
	copyCurrent() (secret, what string)
}

// secretKey handles the keys that reveal and copy secrets (r, R, c) for a page that
// lists them; none is what to say when the current row has no secret to copy. ok is
// false when k is none of these keys.
func secretKey(k tea.KeyPressMsg, rows secretRows, none string) (cmd tea.Cmd, ok bool) {
	switch {
	case matches(k, kReveal):
		rows.toggleReveal()
	case matches(k, kRevealAl):
		rows.toggleRevealAll()
	case matches(k, kCopy):
		secret, what := rows.copyCurrent()
		if secret == "" {
			return toastBad(none), true
		}
		return func() tea.Msg { return copyMsg{secret: secret, what: what} }, true
	default:
		return nil, false
	}
	return nil, true
}
