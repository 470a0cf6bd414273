package history

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"resetdesk/backends"
)

func fileOne(t *testing.T, db *DB, a Approval) int64 {
	t.Helper()
	id, err := db.FileApproval(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func approvalNamed(t *testing.T, db *DB, id int64) *Approval {
	t.Helper()
	as, err := db.Approvals(context.Background(), ApprovalFilter{ID: id})
	if err != nil || len(as) != 1 {
		t.Fatalf("approval %d: %v, %v", id, as, err)
	}
	return as[0]
}

// Two hosts on one history decide a request once: the first approval wins, the second
// (and a decline after it) changes nothing; only the holder starts it, once; the
// decisions keep who and when and why, cleaned of control characters.
func TestApprovalRequestIsDecidedOnceAcrossTwoHosts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", FileName)
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t0 := time.Date(2026, 5, 4, 12, 4, 0, 0, time.UTC)
	id := fileOne(t, a, Approval{Requested: t0, Expires: t0.Add(time.Hour), OSUser: "svc", Technician: "alice\x1b[2J",
		Profile: "adm", Kind: "admanager", Mode: "set", Ticket: "INC-1", Total: 5, Users: `[{"id":"jdoe"}]`, Spec: `{}`,
		Why: "5 users, more than approval_over = 3", Holder: "host-a", HeldUntil: t0.Add(time.Minute)})

	got := approvalNamed(t, b, id)
	if got.State != RequestWaiting || got.By() != "alice" || got.Total != 5 || !got.Requested.Equal(t0) || got.Holder != "host-a" {
		t.Fatalf("filed request as read by the other host: %+v", got)
	}
	approve := Change{From: []string{RequestWaiting}, To: RequestApproved, At: t0.Add(time.Minute), Approver: "bob", Unexpired: true}
	if ok, err := b.ChangeApproval(ctx, id, approve); err != nil || !ok {
		t.Fatalf("bob's approval: %v, %v", ok, err)
	}
	carol := approve
	carol.Approver = "carol"
	if ok, err := a.ChangeApproval(ctx, id, carol); err != nil || ok {
		t.Fatalf("a second approval changed the request: %v, %v", ok, err)
	}
	decline := Change{From: []string{RequestWaiting}, To: RequestDeclined, At: t0.Add(2 * time.Minute), Approver: "carol", Reason: "no"}
	if ok, _ := a.ChangeApproval(ctx, id, decline); ok {
		t.Fatal("a decline after the approval changed it")
	}
	claim := Change{From: []string{RequestApproved}, To: RequestStarted, At: t0.Add(3 * time.Minute), Holder: "host-b", RunID: 0}
	if ok, _ := b.ChangeApproval(ctx, id, claim); ok {
		t.Fatal("a host that does not hold the request started it")
	}
	claim.Holder = "host-a"
	if ok, err := a.ChangeApproval(ctx, id, claim); err != nil || !ok {
		t.Fatalf("the holder's start: %v, %v", ok, err)
	}
	if ok, _ := a.ChangeApproval(ctx, id, claim); ok {
		t.Fatal("started twice")
	}
	got = approvalNamed(t, a, id)
	if got.State != RequestStarted || got.Approver != "bob" || !got.Decided.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("decided request %+v", got)
	}
}

// A request still waiting at its expiry expires and can no longer be approved; one
// whose filing process is gone (its lease lapsed) ends when nobody may take it over,
// and is taken over by another serve when it may; a released request at once.
func TestApprovalRequestsExpireEndAndAreTakenOver(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "state", FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	base := Approval{Requested: t0, Expires: t0.Add(time.Hour), OSUser: "svc", Profile: "adm", Kind: "admanager", Mode: "set",
		Total: 1, Users: `[]`, Spec: `{}`, Why: "w", HeldUntil: t0.Add(10 * time.Minute)}
	late := base
	late.Holder, late.HeldUntil = "run-1", t0.Add(2*time.Hour) // a live waiter, but nobody decides in time
	expiring := fileOne(t, db, late)
	gone := base
	gone.Holder = "run-2" // a `run` killed: nobody may take it over
	goneID := fileOne(t, db, gone)
	served := base
	served.Holder, served.Technician, served.Adoptable = "serve-1", "alice", true
	servedID := fileOne(t, db, served)
	released := served
	released.Holder = "serve-2"
	releasedID := fileOne(t, db, released)

	if n, err := db.ExpireApprovals(ctx, t0.Add(5*time.Minute)); err != nil || n != 0 {
		t.Fatalf("ended %d before any expiry or lapse: %v", n, err)
	}
	if err := db.ReleaseApprovals(ctx, "serve-2"); err != nil {
		t.Fatal(err)
	}
	took, err := db.AdoptApprovals(ctx, "serve-3", t0.Add(20*time.Minute), t0.Add(5*time.Minute))
	if err != nil || len(took) != 1 || took[0].ID != releasedID || took[0].Holder != "serve-3" {
		t.Fatalf("taken over while serve-1 still holds its own: %+v, %v", took, err)
	}
	// serve-1 renews: still its own after the old lease would have lapsed.
	if err := db.HoldApprovals(ctx, "serve-1", t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if took, _ := db.AdoptApprovals(ctx, "serve-3", t0.Add(40*time.Minute), t0.Add(15*time.Minute)); len(took) != 1 {
		t.Fatalf("serve-3 took a renewed request: %+v", took)
	}
	if n, err := db.ExpireApprovals(ctx, t0.Add(15*time.Minute)); err != nil || n != 1 {
		t.Fatalf("ended %d once run-2's lease lapsed, want 1: %v", n, err)
	}
	if a := approvalNamed(t, db, goneID); a.State != RequestWithdrawn || a.Reason != ReasonHolderGone {
		t.Fatalf("the killed run's request: %+v", a)
	}
	if took, _ := db.AdoptApprovals(ctx, "serve-3", t0.Add(50*time.Minute), t0.Add(31*time.Minute)); len(took) != 2 {
		t.Fatalf("serve-3 after serve-1's lease lapsed holds %d, want 2", len(took))
	}
	if a := approvalNamed(t, db, servedID); a.Holder != "serve-3" || a.State != RequestWaiting {
		t.Fatalf("taken-over request %+v", a)
	}

	at := t0.Add(time.Hour)
	if ok, _ := db.ChangeApproval(ctx, expiring, Change{From: []string{RequestWaiting}, To: RequestApproved, At: at, Approver: "bob", Unexpired: true}); ok {
		t.Fatal("approved at its expiry")
	}
	if n, err := db.ExpireApprovals(ctx, at); err != nil || n != 3 {
		t.Fatalf("expired %d at the hour, want the 3 still waiting: %v", n, err)
	}
	if a := approvalNamed(t, db, expiring); a.State != RequestExpired || !a.Decided.Equal(at) {
		t.Fatalf("expired request %+v", a)
	}
	if open, err := db.Approvals(ctx, ApprovalFilter{Open: true}); err != nil || len(open) != 0 {
		t.Fatalf("open after the expiry: %+v, %v", open, err)
	}
}

// A history from before approval requests, opened read-only, lists none; opened to
// write, it gains the table and keeps its runs.
func TestAnOldHistoryHasNoApprovalRequests(t *testing.T) {
	ctx := context.Background()
	path := copyV0(t)
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	if as, err := ro.Approvals(ctx, ApprovalFilter{}); err != nil || len(as) != 0 {
		t.Fatalf("read-only old history: %v, %v", as, err)
	}
	ro.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkV0Rows(t, db)
	t0 := time.Now()
	id := fileOne(t, db, Approval{Requested: t0, Expires: t0.Add(time.Hour), OSUser: "svc", Profile: "adm", Kind: "admanager",
		Mode: "set", Total: 1, Users: `[]`, Spec: `{}`, Why: "w"})
	if a := approvalNamed(t, db, id); a.State != RequestWaiting {
		t.Fatalf("%+v", a)
	}
}

// The cut-off runs of a technician are their unfinished runs that recorded nothing
// since a time, with the time of their last outcome; a finished run, another
// technician's, or one still recording is not one.
func TestCutOffRunsAreUnfinishedAndQuiet(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "state", FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 5, 4, 12, 4, 0, 0, time.UTC)
	start := func(tech string, total int) int64 {
		id, err := db.StartRun(ctx, RunInfo{OSUser: "svc", Technician: tech, Started: t0, Profile: "adm", Kind: "admanager", Mode: "set", Total: total})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	killed := start("alice", 4)
	record := func(id int64, i int, status backends.Status, at time.Time) {
		if err := db.Record(ctx, id, backends.Outcome{Index: i, User: fmt.Sprint("u", i), Status: status}, at); err != nil {
			t.Fatal(err)
		}
	}
	record(killed, 0, backends.StatusOK, t0.Add(time.Minute))
	record(killed, 1, backends.StatusFailed, t0.Add(2*time.Minute))
	if err := db.Sending(ctx, killed, backends.Outcome{Index: 2, User: "u2"}, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	busy := start("alice", 2)
	record(busy, 0, backends.StatusOK, t0.Add(20*time.Minute))
	finished := start("alice", 1)
	if err := db.FinishRun(ctx, finished, nil, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	start("bob", 1)

	cut, err := db.CutOffRuns(ctx, "svc", "alice", t0.Add(-time.Hour), t0.Add(10*time.Minute))
	if err != nil || len(cut) != 1 {
		t.Fatalf("cut-off runs of alice: %+v, %v", cut, err)
	}
	c := cut[0]
	if c.ID != killed || !c.Last.Equal(t0.Add(3*time.Minute)) || c.Tally.OK != 1 || c.Tally.Failed != 1 || c.Tally.Unknown != 1 || c.Total != 4 {
		t.Fatalf("cut-off run %+v (last %s, tally %+v)", c.Run, c.Last, c.Tally)
	}
}

// The runs a shutdown stopped are the finished runs with users skipped for the reason
// the shutdown gave, ended before a time: not a run its technician stopped, one still
// going, nor another technician's.
func TestStoppedRunsAreThoseAShutdownSkipped(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "state", FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 5, 4, 12, 4, 0, 0, time.UTC)
	const why = "not sent: the host shut down"
	run := func(tech, skipped string, end time.Time) int64 {
		id, err := db.StartRun(ctx, RunInfo{OSUser: "svc", Technician: tech, Started: t0, Profile: "adm", Kind: "admanager", Mode: "set", Total: 2})
		if err != nil {
			t.Fatal(err)
		}
		outs := []backends.Outcome{{Index: 0, User: "u0", Status: backends.StatusOK}, {Index: 1, User: "u1", Status: backends.StatusSkipped, Message: skipped}}
		for _, o := range outs {
			if err := db.Record(ctx, id, o, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if !end.IsZero() {
			if err := db.FinishRun(ctx, id, outs, end); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	stopped := run("alice", why, t0.Add(2*time.Minute))
	run("alice", "not sent: the run was stopped", t0.Add(2*time.Minute))
	run("alice", why, time.Time{})
	run("alice", why, t0.Add(20*time.Minute)) // ended after the host that asks started
	run("bob", why, t0.Add(2*time.Minute))

	got, err := db.StoppedRuns(ctx, "svc", "alice", t0.Add(-time.Hour), t0.Add(10*time.Minute), why)
	if err != nil || len(got) != 1 {
		t.Fatalf("alice's stopped runs: %+v, %v", got, err)
	}
	if c := got[0]; c.ID != stopped || !c.Last.Equal(t0.Add(2*time.Minute)) || c.Tally.OK != 1 || c.Tally.Skipped != 1 {
		t.Fatalf("stopped run %+v (last %s)", c.Run, c.Last)
	}
}
