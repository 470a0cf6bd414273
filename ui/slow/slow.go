// Package slow is the console's one way to make a call that may take long (the OS
// keyring, which can hang; the network; the journal and the history): the call runs in
// a tea.Cmd, off the goroutine that draws, under a timeout that holds even when the call
// ignores its context, while a Task shows a spinner and says what is under way.
package slow

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// Call runs fn under a timeout of d in a goroutine of its own and returns its answer,
// or an error saying that none came within d. A call that ignores its context is left
// behind, not waited for.
func Call[T any](parent context.Context, d time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1) // buffered: a call left behind must not block forever
	go func() {
		v, err := fn(ctx)
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		if parent.Err() != nil {
			return zero, parent.Err()
		}
		return zero, fmt.Errorf("no answer within %s", d)
	}
}

// Task is something under way on a page, shown as a spinner and a label ("opening
// lab…") until the page says it is done.
type Task struct {
	spin  spinner.Model
	label string
}

// NewTask is an idle task.
func NewTask() Task { return Task{spin: spinner.New(spinner.WithSpinner(spinner.Dot))} }

// Start shows label with a spinner and returns cmd with the spinner's first tick.
func (t *Task) Start(label string, cmd tea.Cmd) tea.Cmd {
	wasIdle := t.label == ""
	t.label = label
	if !wasIdle {
		return cmd // the spinner ticks already
	}
	return tea.Batch(t.spin.Tick, cmd)
}

// Done stops the spinner.
func (t *Task) Done() { t.label = "" }

// Running reports whether the task is under way.
func (t *Task) Running() bool { return t.label != "" }

// Label is what is under way ("" when idle).
func (t *Task) Label() string { return t.label }

// Update turns the spinner while the task runs; ticks of an idle task stop there.
func (t *Task) Update(msg tea.Msg) tea.Cmd {
	tick, ok := msg.(spinner.TickMsg)
	if !ok || t.label == "" {
		return nil
	}
	var cmd tea.Cmd
	t.spin, cmd = t.spin.Update(tick)
	return cmd
}

// View is the spinner and the label ("" when idle).
func (t *Task) View() string {
	if t.label == "" {
		return ""
	}
	return t.spin.View() + " " + t.label + "…"
}
