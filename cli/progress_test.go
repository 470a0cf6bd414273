package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

func TestProgressText(t *testing.T) {
	cases := []struct {
		tally   backends.Tally
		total   int
		elapsed time.Duration
		width   int
		want    string
	}{
		{backends.Tally{}, 10, 0, 80, "0/10 done: 0 ok, 0 failed"},
		{backends.Tally{OK: 2}, 10, 500 * time.Millisecond, 80, "2/10 done: 2 ok, 0 failed"},
		{backends.Tally{OK: 2, Failed: 1}, 10, 2 * time.Second, 80, "3/10 done: 2 ok, 1 failed; 1.5/s, about 5.0s left"},
		{backends.Tally{OK: 99}, 100, 10 * time.Second, 80, "99/100 done: 99 ok, 0 failed; 9.9/s, under a second left"},
		{backends.Tally{OK: 8, Unknown: 1, Skipped: 1}, 10, 4 * time.Second, 80, "10/10 done: 8 ok, 0 failed, 1 unknown, 1 skipped; 2.5/s"},
		{backends.Tally{OK: 1}, 240, 2 * time.Second, 80, "1/240 done: 1 ok, 0 failed; 0.5/s, about 7m58s left"},
		// narrow: whole parts left out, the time left kept longest
		{backends.Tally{OK: 138}, 240, 3 * time.Second, 59, "138/240 done: 138 ok, 0 failed; 46.0/s, about 2.0s left"},
		{backends.Tally{OK: 138}, 240, 3 * time.Second, 50, "138/240 done: 138 ok, 0 failed; about 2.0s left"},
		{backends.Tally{OK: 138}, 240, 3 * time.Second, 40, "138/240 done: 138 ok, 0 failed; 46.0/s"},
		{backends.Tally{OK: 138}, 240, 3 * time.Second, 20, "138/240 done: 138 ok"},
	}
	for _, c := range cases {
		if got := progressText(c.tally, c.total, c.elapsed, c.width); got != c.want {
			t.Errorf("%+v %d %v %d:\n got %q\nwant %q", c.tally, c.total, c.elapsed, c.width, got, c.want)
		}
	}
}

// The line is redrawn in place, fits the terminal, steps aside for what else is written,
// and is gone when the run is over.
func TestProgressRedrawsInPlace(t *testing.T) {
	var buf syncBuffer
	clock := time.Unix(0, 0)
	p := newProgress(&buf, 4, func() int { return 30 }, func() time.Time { return clock }, 0)
	p.add(backends.Outcome{Status: backends.StatusOK})
	if got := buf.String(); got != "\r\x1b[K1/4 done: 1 ok, 0 failed" {
		t.Fatalf("first draw %q", got)
	}
	p.hold(func() { buf.Write([]byte("resetdesk: a warning\n")) })
	p.add(backends.Outcome{Status: backends.StatusUnknown})
	if got := buf.String(); !strings.HasSuffix(got, "failed\r\x1b[Kresetdesk: a warning\n\r\x1b[K2/4 done: 1 ok, 0 failed") {
		t.Fatalf("hold %q", got) // ", 1 unknown" does not fit in 29 columns
	}
	p.finish()
	if got := buf.String(); !strings.HasSuffix(got, "failed\r\x1b[K") {
		t.Fatalf("finish %q", got)
	}
	n := len(buf.String())
	p.add(backends.Outcome{Status: backends.StatusOK})
	p.hold(func() {})
	if len(buf.String()) != n {
		t.Fatalf("drawn after finish: %q", buf.String()[n:])
	}
}

// runCLITerminal is runCLI with stderr on a terminal of the given width.
func runCLITerminal(t *testing.T, width int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb syncBuffer
	home := t.TempDir()
	a := &app{env: Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, StderrTTY: true,
		StderrWidth: func() int { return width },
		Getenv: func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		}}}
	code = a.main(context.Background(), args)
	t.Cleanup(a.close)
	return out.String(), errb.String(), code
}

// `run` with stderr on a terminal shows the progress line there and clears it before the
// summary; off a terminal (every other test) stderr gets no carriage return.
func TestRunShowsProgressOnATerminal(t *testing.T) {
	users := []string{"9871515001@odinapi.net", "9871515002@odinapi.net", "ghost@odinapi.net"}
	stdout, stderr, code := runCLITerminal(t, 200, append([]string{"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "json"}, users...)...)
	if code != ExitSome || strings.Count(stdout, "\n") != 3 || strings.Contains(stdout, "\r") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "\r\x1b[K3/3 done: 2 ok, 1 failed") {
		t.Fatalf("no progress line in %q", stderr)
	}
	if !strings.HasSuffix(stderr, "\r\x1b[K") || strings.Contains(stderr[strings.LastIndex(stderr, "\r"):], "done") {
		t.Fatalf("the line is not cleared at the end: %q", stderr)
	}
	_, stderr, _ = runCLITerminal(t, 200, append([]string{"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "csv"}, users...)...)
	if !strings.HasSuffix(stderr, "\r\x1b[K2 ok, 1 failed, 0 unknown, 0 skipped\n") {
		t.Fatalf("the line is not cleared before the summary: %q", stderr)
	}
	r := runCLI(t, "", nil, append([]string{"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "json"}, users...)...)
	if strings.ContainsAny(r.stderr, "\r\x1b") || strings.Contains(r.stderr, "done:") {
		t.Fatalf("progress off a terminal: %q", r.stderr)
	}
}
