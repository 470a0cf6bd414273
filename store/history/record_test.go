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

// FinishRun leaves alone only the rows RecordLater committed exactly as they end: a
// final outcome whose message or status changed after its answer was recorded (a
// journal write that failed, say), or that no answer recorded, is written.
func TestFinishRunWritesEveryOutcomeTheHistoryDoesNotHoldAsItEnds(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	id, err := db.StartRun(ctx, RunInfo{OSUser: "tech", Started: time.Now(), Profile: "lab", Kind: "odin", Mode: "sip", Total: 5})
	if err != nil {
		t.Fatal(err)
	}
	answers := []backends.Outcome{
		{Index: 0, User: "same", Status: backends.StatusOK, Message: "done"},
		{Index: 1, User: "message", Status: backends.StatusOK, Message: "done"},
		{Index: 2, User: "status", Status: backends.StatusUnknown, Message: "no answer"},
		{Index: 3, User: "recorded", Status: backends.StatusOK, Message: "done"},
	}
	for _, o := range answers {
		if err := db.Sending(ctx, id, o, time.Now()); err != nil {
			t.Fatal(err)
		}
		db.RecordLater(id, o, time.Now())
	}
	// A write that waits, queued after the late ones: they are committed when it is.
	if err := db.Record(ctx, id, backends.Outcome{Index: 3, User: "recorded", Status: backends.StatusFailed, Message: "refused"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	final := []backends.Outcome{
		answers[0],
		{Index: 1, User: "message", Status: backends.StatusOK, Message: "done [journal write failed: disk full; hand this secret over now]"},
		{Index: 2, User: "status", Status: backends.StatusFailed, Message: "no answer"},
		{Index: 3, User: "recorded", Status: backends.StatusOK, Message: "done"},
		{Index: 4, User: "never", Status: backends.StatusSkipped, Message: "not sent: the run was stopped"},
	}
	if err := db.FinishRun(ctx, id, final, time.Now()); err != nil {
		t.Fatal(err)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != len(final) {
		t.Fatalf("%d outcomes, %v", len(outs), err)
	}
	for i, o := range outs {
		if want := final[i]; o.User != want.User || o.Status != string(want.Status) || o.Message != want.Message {
			t.Errorf("row %d is %s %s %q, want %s %s %q", i, o.User, o.Status, o.Message, want.User, want.Status, want.Message)
		}
	}
}
