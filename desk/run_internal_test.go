package desk

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/store/history"
	"resetdesk/store/journal"
)

// The journal and the history are written side by side before a request goes out; when
// the journal fails, the request is not sent, and the history must not keep it as going
// out: its row says it was not sent and why.
func TestIntendWhoseJournalFailsIsNotSentInTheHistory(t *testing.T) {
	dir := t.TempDir()
	db, err := history.Open(filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.StartRun(context.Background(), history.RunInfo{OSUser: "me", Started: time.Now(), Profile: "lab", Kind: "odin", Mode: "sip", Total: 2})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := age.GenerateX25519Identity()
	jw, err := journal.Open(dir, key.Recipient(), journal.RunInfo{Profile: "lab", Mode: "sip"})
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	rec := &recorder{jw: jw, db: db, id: id, ctx: context.Background(), warn: func(s string) { warned = append(warned, s) }, done: func([]backends.Outcome) {}}
	if err := rec.Intend(backends.Outcome{Index: 0, User: "u0", Status: backends.StatusRunning, Secret: "s0-Secret!"}); err != nil {
		t.Fatal(err)
	}
	if err := jw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Intend(backends.Outcome{Index: 1, User: "u1", Status: backends.StatusRunning, Secret: "s1-Secret!"}); err == nil {
		t.Fatal("Intend on a closed journal said the request may go")
	}
	outs, err := db.Outcomes(context.Background(), history.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range outs {
		got[o.User] = o.Status
	}
	if got["u0"] != history.StatusSent || got["u1"] != string(backends.StatusSkipped) {
		t.Fatalf("history after a journal failure: %v (warnings %q)", got, warned)
	}
	db.Close()
}
