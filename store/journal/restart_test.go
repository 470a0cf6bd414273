package journal

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
)

// preparedRun journals a batch of four made ahead (user0..user3), sends user0 and user1,
// and records user0 as set; closed says whether Close ends it (else it is left as a
// killed process leaves it). It returns the file's last modification.
func preparedRun(t *testing.T, dir string, rcp age.Recipient, closed bool) time.Time {
	t.Helper()
	w, _, err := openTest(t, dir, rcp, nil)
	must(t, err)
	batch := prepare(t, w, 4)
	must(t, w.Intend(batch[0]))
	must(t, w.Intend(batch[1]))
	must(t, w.Record(backends.Outcome{Index: 0, User: "user0", Status: backends.StatusOK, Secret: "pw-0"}))
	if closed {
		must(t, w.Close())
	} else {
		// Record's answer is queued: an Intend behind it waits for both to be written.
		must(t, w.Intend(backends.Outcome{Index: 9, User: "typed", Status: backends.StatusRunning, Secret: "pw-typed"}))
	}
	fi, err := os.Stat(w.path)
	must(t, err)
	return fi.ModTime()
}

func readAt(t *testing.T, dir string, id age.Identity, boot time.Time) Run {
	t.Helper()
	runs, err := readRuns(os.DirFS(dir), dir, id, time.Time{}, boot)
	if err != nil || len(runs) != 1 {
		t.Fatalf("read %d runs, %v; want one", len(runs), err)
	}
	return runs[0]
}

// A run's prepared secrets are hidden (exact) unless the host may have restarted while
// the run was writing: only then may a mark as sent have been lost before its sync.
func TestPreparedSecretsAreListedOnlyAfterARestartDuringTheRun(t *testing.T) {
	id := newIdentity(t)
	const exact = "user0=ok:pw-0 user1=sent:pw-1"
	for _, tc := range []struct {
		name      string
		closed    bool
		boot      func(modified time.Time) time.Time
		want      string
		neverSent int
		restarted int
	}{
		{"closed cleanly, host restarted since", true, func(m time.Time) time.Time { return m.Add(time.Minute) }, exact, 2, 0},
		{"killed since the last boot", false, func(m time.Time) time.Time { return m.Add(-time.Hour) }, exact + " typed=sent:pw-typed", 2, 0},
		{"not closed, host restarted since", false, func(m time.Time) time.Time { return m.Add(time.Minute) },
			exact + " user2=prepared:pw-2 user3=prepared:pw-3 typed=sent:pw-typed", 0, 2},
		{"not closed, boot time unknown", false, func(time.Time) time.Time { return time.Time{} },
			exact + " user2=prepared:pw-2 user3=prepared:pw-3 typed=sent:pw-typed", 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			modified := preparedRun(t, dir, id.Recipient(), tc.closed)
			r := readAt(t, dir, id, tc.boot(modified))
			if got := summary(r); got != tc.want || r.NeverSent != tc.neverSent || r.HostRestarted != tc.restarted {
				t.Fatalf("read %q, %d never sent, %d after a restart; want %q, %d, %d", got, r.NeverSent, r.HostRestarted, tc.want, tc.neverSent, tc.restarted)
			}
			note := r.Restart()
			if (note != "") != (tc.restarted > 0) || (note != "" && (!strings.Contains(note, "host restarted") || !strings.Contains(note, "2 secret(s) made ahead may have been sent") || !strings.Contains(note, r.File))) {
				t.Fatalf("Restart() = %q", note)
			}
			if r.Problem() != "" {
				t.Fatalf("Problem() = %q for a whole file", r.Problem())
			}
		})
	}
}

// A version 2 file (written by the writer of commit 5447bfd, which synced every mark
// before its request left) is exact after a restart, closed or not: it has no end mark.
func TestAVersion2JournalIsExactAfterARestart(t *testing.T) {
	key, err := os.ReadFile("testdata/v2.key")
	must(t, err)
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(key)))
	must(t, err)
	raw, err := os.ReadFile("testdata/v2.journal")
	must(t, err)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "20260101T000000.000000000Z-1.journal"), raw, 0o600))
	r := readAt(t, dir, id, time.Now().Add(time.Hour))
	if got := summary(r); got != "u0=ok:pw-0 u2=sent:pw-2" || r.NeverSent != 3 || r.HostRestarted != 0 || r.Mode != "generate" {
		t.Fatalf("version 2 file read as %q, %d never sent, %d after a restart (%+v)", got, r.NeverSent, r.HostRestarted, r)
	}
}

func TestParseBtime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"cpu  1 2 3\nintr 5\nctxt 7\nbtime 1765000000\nprocesses 9\n": time.Unix(1765000000, 0),
		"cpu  1 2 3\nprocesses 9\n":                                   {},
		"btime soon\n":                                                {},
		"btime 0\n":                                                   {},
	} {
		if got := parseBtime(strings.NewReader(in)); !got.Equal(want) {
			t.Errorf("parseBtime(%q) = %v, want %v", in, got, want)
		}
	}
	if runtime.GOOS == "linux" {
		if b := lastBoot(); b.IsZero() || !b.Before(time.Now()) {
			t.Errorf("lastBoot() = %v on Linux, want a time in the past", b)
		}
	}
}
