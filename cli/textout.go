package cli

import (
	"bytes"
	"io"
)

// trailingSpaceTrimmer writes lines without their trailing spaces; flush writes a last
// line that has no line break.
type trailingSpaceTrimmer struct {
	w       io.Writer
	pending []byte
}

func (t *trailingSpaceTrimmer) Write(p []byte) (int, error) {
	t.pending = append(t.pending, p...)
	for {
		i := bytes.IndexByte(t.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(bytes.TrimRight(t.pending[:i], " ")) + "\n"
		if _, err := io.WriteString(t.w, line); err != nil {
			return 0, err
		}
		t.pending = t.pending[i+1:]
	}
}

func (t *trailingSpaceTrimmer) flush() {
	if len(t.pending) > 0 {
		_, _ = t.w.Write(bytes.TrimRight(t.pending, " "))
		t.pending = nil
	}
}
