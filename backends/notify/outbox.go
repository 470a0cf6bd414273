package notify

import (
	"context"
	"sync"
)

// Outbox is a Sender that delivers nowhere: it keeps what it was given, for the demo
// (whose sample people have no mailbox) and for tests. It is never used with a real
// person's address.
type Outbox struct {
	mu   sync.Mutex
	sent []Message
}

// Send keeps msg.
func (o *Outbox) Send(_ context.Context, msg Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, msg)
	return nil
}

// Sent lists what was sent, oldest first.
func (o *Outbox) Sent() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.sent...)
}

// Last is the latest message sent to, and whether there was one.
func (o *Outbox) Last(to string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.sent) - 1; i >= 0; i-- {
		if o.sent[i].To == to {
			return o.sent[i], true
		}
	}
	return Message{}, false
}
