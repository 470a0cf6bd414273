package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"resetdesk/backends"
	"resetdesk/ui/table"
)

// progress is `run`'s live line on a terminal's stderr: done of total, the counts, the
// rate and the time left, redrawn in place (carriage return, erase line) as outcomes
// arrive and every interval in between. Whatever else goes to the terminal during the
// run goes through hold, so that no line is written over it. A nil *progress (stderr is
// not a terminal) draws nothing.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	width func() int // the terminal's columns: a line longer than that would wrap, and \r redraw only its last row
	now   func() time.Time
	total int
	start time.Time
	tally backends.Tally
	shown bool
	over  bool // finish was called: nothing is drawn any more
	stop  chan struct{}
	done  chan struct{}
}

// newProgress starts drawing on w, every interval (0: only as outcomes arrive).
func newProgress(w io.Writer, total int, width func() int, now func() time.Time, interval time.Duration) *progress {
	p := &progress{w: w, width: width, now: now, total: total, start: now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		if interval <= 0 {
			<-p.stop
			return
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.draw()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// add counts a final outcome and redraws.
func (p *progress) add(o backends.Outcome) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tally.Add(o)
	p.draw()
}

// hold clears the line and runs write (which prints to the terminal); the next outcome
// or tick draws the line again, below what was written.
func (p *progress) hold(write func()) {
	if p == nil {
		write()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	write()
}

// finish stops drawing and clears the line: the summary that follows takes its place.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.over = true
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) draw() {
	if p.over {
		return
	}
	line := progressText(p.tally, p.total, p.now().Sub(p.start), p.width()-1)
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.shown = true
}

// progressText is the line, in ASCII (a byte is a column), at most width columns:
// "120/240 done: 118 ok, 2 failed, 1 unknown; 23.5/s, about 5.0s left". Unknown and
// skipped show once there are some; the rate after a second (before, it would be noise),
// the time left once there is a rate and something left. What does not fit is left out
// whole, the time left last; the head is cut only on a terminal too narrow for it.
func progressText(t backends.Tally, total int, elapsed time.Duration, width int) string {
	done := t.Total()
	line := fmt.Sprintf("%d/%d done: %d ok, %d failed", done, total, t.OK, t.Failed)
	if width > 0 && len(line) > width {
		return line[:width]
	}
	add := func(forms ...string) {
		for _, f := range forms {
			if width <= 0 || len(line)+len(f) <= width {
				line += f
				return
			}
		}
	}
	if t.Unknown > 0 {
		add(fmt.Sprintf(", %d unknown", t.Unknown))
	}
	if t.Skipped > 0 {
		add(fmt.Sprintf(", %d skipped", t.Skipped))
	}
	perSecond, eta, ok := table.Pace(done, total-done, elapsed)
	if !ok {
		return line
	}
	rate := fmt.Sprintf("; %.1f/s", perSecond)
	if done >= total {
		add(rate)
		return line
	}
	when := "under a second left"
	if eta >= time.Second {
		when = "about " + table.FormatElapsed(eta) + " left"
	}
	add(rate+", "+when, "; "+when, rate)
	return line
}
