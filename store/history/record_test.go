package history

import (
	"context"
	"testing"
	"time"

	"resetdesk/backends"
)

// RecordLater returns before its row is committed; FinishRun, queued after it, finds it
// committed.
func TestRecordLaterIsCommittedByFinish(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	id, err := db.StartRun(ctx, RunInfo{OSUser: "tech", Started: time.Now(), Profile: "lab", Kind: "odin", Mode: "sip", Total: 1})
	if err != nil {
		t.Fatal(err)
	}
	o := backends.Outcome{Index: 0, User: "alice", Status: backends.StatusOK, Message: "done"}
	if err := db.Sending(ctx, id, o, time.Now()); err != nil {
		t.Fatal(err)
	}
	db.RecordLater(id, o, time.Now())
	if err := db.FinishRun(ctx, id, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != 1 || outs[0].Status != "ok" || outs[0].Message != "done" {
		t.Fatalf("%+v %v", outs, err)
	}
}
