package history

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"resetdesk/backends"
)

// By selects who made a run (a served technician, else the local OS account), Ticket a
// ticket whatever its case, Status the outcomes of one status and the runs that have one.
func TestFilterByTechnicianTicketAndStatus(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	add := func(info RunInfo, outs ...backends.Outcome) {
		info.Started, info.Profile, info.Kind, info.Mode, info.Total = now, "adm", "admanager", "set", len(outs)
		id, err := db.StartRun(ctx, info)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, id, outs, now); err != nil {
			t.Fatal(err)
		}
	}
	ok := func(i int, u string) backends.Outcome {
		return backends.Outcome{Index: i, User: u, Status: backends.StatusOK}
	}
	failed := func(i int, u string) backends.Outcome {
		return backends.Outcome{Index: i, User: u, Status: backends.StatusFailed, Message: "no such user"}
	}
	add(RunInfo{OSUser: "alice", Ticket: "INC-1"}, ok(0, "a1"), failed(1, "a2"))       // local, by alice
	add(RunInfo{OSUser: "svc", Technician: "bob", Ticket: "inc-2"}, ok(0, "b1"))       // served, by bob
	add(RunInfo{OSUser: "svc", Technician: "alice", Ticket: "INC-2"}, failed(0, "c1")) // served, by alice
	count := func(f Filter) (runs, outs int) {
		rs, err := db.Runs(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		os, err := db.Outcomes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs), len(os)
	}
	for _, c := range []struct {
		f          Filter
		runs, outs int
	}{
		{Filter{By: "alice"}, 2, 3},
		{Filter{By: "bob"}, 1, 1},
		{Filter{By: "svc"}, 0, 0}, // the serving account is not who reset
		{Filter{Ticket: "INC-2"}, 2, 2},
		{Filter{Ticket: "inc-1"}, 1, 2},
		{Filter{Status: "failed"}, 2, 2},
		{Filter{Status: "failed", By: "alice", Ticket: "INC-1"}, 1, 1},
		{Filter{Status: "unknown"}, 0, 0},
	} {
		if r, o := count(c.f); r != c.runs || o != c.outs {
			t.Errorf("%+v: %d runs, %d outcomes; want %d, %d", c.f, r, o, c.runs, c.outs)
		}
	}
}
