package desk_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/desk"
	"resetdesk/store/journal"
)

// A run left open (killed) lists only the secret whose request was journaled as sent;
// if the host restarted after its last write, the mark of a sent secret may have been
// lost before its sync, so every secret made ahead is listed as possibly set, and the
// notes say why.
func TestRecoverListsSecretsMadeAheadAfterARestartOfTheHost(t *testing.T) {
	srv := odintest.New(1)
	defer srv.Close()
	home := t.TempDir()
	d := testDesk(t, srv, home)
	dir, err := journal.Dir(func(k string) string { return map[string]string{"HOME": home}[k] })
	must(t, err)
	id, err := age.ParseX25519Identity(journalKey)
	must(t, err)
	w, err := journal.Open(dir, id.Recipient(), journal.RunInfo{Profile: "lab", Mode: "sip"})
	must(t, err)
	batch := []backends.Outcome{{Index: 0, User: "a", Secret: "pw-a"}, {Index: 1, User: "b", Secret: "pw-b"}}
	must(t, w.IntendBatch(batch))
	must(t, w.Intend(batch[0]))
	t.Cleanup(func() { w.Close() }) // after the reads: the run is left as a killed one
	files, _ := filepath.Glob(filepath.Join(dir, "*.journal"))
	if len(files) != 1 {
		t.Fatalf("journal files %v", files)
	}

	ctx := context.Background()
	rc, err := d.Recover(ctx, false)
	must(t, err)
	if rc.Entries() != 1 || rc.Runs[0].Entries[0].User != "a" || !strings.Contains(strings.Join(rc.Notes, "\n"), "1 secret(s) made ahead were never sent") {
		t.Fatalf("killed since the boot: %+v", rc)
	}

	// Last written before any boot of this host.
	must(t, os.Chtimes(files[0], time.Unix(1e9, 0), time.Unix(1e9, 0)))
	rc, err = d.Recover(ctx, false)
	must(t, err)
	if rc.Entries() != 2 || rc.Unreadable {
		t.Fatalf("after a restart: %+v", rc)
	}
	b := rc.Runs[0].Entries[1]
	if b.User != "b" || b.Secret != "pw-b" || !strings.Contains(desk.RecoverStatus(b), "may be set") {
		t.Fatalf("after a restart, b is listed as %+v (%s)", b, desk.RecoverStatus(b))
	}
	notes := strings.Join(rc.Notes, "\n")
	if !strings.Contains(notes, "the host restarted before this run ended: 1 secret(s) made ahead may have been sent") || strings.Contains(notes, "never sent") {
		t.Fatalf("notes after a restart: %q", notes)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
