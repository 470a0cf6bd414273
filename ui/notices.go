package ui

import (
	"sync"

	tea "charm.land/bubbletea/v2"
)

// Notices carries the desk's one-line notices (desk.Options.Notice: a journal key file
// created, say) to the console while it owns the terminal, where each becomes a toast
// and a line of the history page: nothing may write to the terminal under the console.
// Before the console runs and after it has ended they go to the fallback (stderr).
type Notices struct {
	mu       sync.Mutex
	send     func(tea.Msg) // the running console's, nil when none runs
	fallback func(string)
}

// NewNotices passes notices to fallback until a console runs with them (WithNotices).
func NewNotices(fallback func(string)) *Notices { return &Notices{fallback: fallback} }

// Notice tells the technician s: in the console when one runs, else through the fallback.
func (n *Notices) Notice(s string) {
	n.mu.Lock()
	send := n.send
	n.mu.Unlock()
	switch {
	case send != nil:
		send(noticeMsg{text: s})
	case n.fallback != nil:
		n.fallback(s)
	}
}

func (n *Notices) attach(send func(tea.Msg)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.send = send
}

// WithNotices shows the notices of n in the console while it runs (Run).
func WithNotices(n *Notices) Option { return func(c *Console) { c.notices = n } }
