package history

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestVerificationsAreListedAndFoundByWhoVerified(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	now := time.Now()
	events := []Verification{
		{At: now.Add(-20 * time.Minute), OSUser: "svc", Technician: "alice", Profile: "adm", User: "jdoe", Method: "mail", Result: ResultPassed, Destination: "j•••@corp.example.com", Ticket: "INC-1"},
		{At: now.Add(-5 * time.Minute), OSUser: "svc", Technician: "alice", Profile: "adm", User: "jdoe", Method: "callback", Result: ResultAttested, Destination: "+33 6 12 34 56 03"},
		{At: now.Add(-4 * time.Minute), OSUser: "svc", Technician: "bob", Profile: "adm", User: "kim", Method: "sms", Result: ResultPassed},
		{At: now.Add(-3 * time.Minute), OSUser: "carol", Profile: "adm", User: "kim", Method: "mail", Result: ResultFailed},
		{At: now.Add(-2 * time.Minute), OSUser: "carol", Profile: "adm", User: "kim", Method: "mail", Result: ResultPassed},
	}
	for _, v := range events {
		if _, err := db.RecordVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.Verifications(ctx, Filter{})
	if err != nil || len(all) != 5 || all[0].OSUser != "carol" || all[4].Ticket != "INC-1" || all[4].Destination != "j•••@corp.example.com" {
		t.Fatalf("all = %+v, %v", all, err)
	}
	if kim, _ := db.Verifications(ctx, Filter{User: "kim"}); len(kim) != 3 {
		t.Fatalf("kim: %+v", kim)
	}
	if bob, _ := db.Verifications(ctx, Filter{Technician: "bob"}); len(bob) != 1 || bob[0].By() != "bob" {
		t.Fatalf("bob: %+v", bob)
	}
	since := now.Add(-15 * time.Minute)
	cases := []struct {
		who        Verifier
		user, want string // want: the method of the event found, "" none
	}{
		{Verifier{OSUser: "svc", Technician: "alice"}, "jdoe", "callback"}, // the newest, within the window
		{Verifier{OSUser: "svc", Technician: "bob"}, "jdoe", ""},           // alice's does not count for bob
		{Verifier{OSUser: "svc", Technician: "alice"}, "kim", ""},
		{Verifier{OSUser: "carol"}, "kim", "mail"}, // a local desk: the OS account
		{Verifier{OSUser: "svc"}, "kim", ""},       // a local desk is not the served technician
		{Verifier{OSUser: "carol"}, "KIM", ""},     // ids compare as given
		{Verifier{OSUser: "svc", Technician: "bob"}, "kim", "sms"},
	}
	for _, c := range cases {
		vs, err := db.VerifiedSince(ctx, c.who, "adm", since)
		if err != nil {
			t.Fatal(err)
		}
		got := vs[c.user].Method
		if got != c.want {
			t.Errorf("%+v %s: found %q, want %q", c.who, c.user, got, c.want)
		}
	}
	// Out of the window, alice's mail verification no longer counts.
	if vs, _ := db.VerifiedSince(ctx, Verifier{OSUser: "svc", Technician: "alice"}, "adm", now.Add(-time.Minute)); len(vs) != 0 {
		t.Fatalf("stale verification counted: %+v", vs)
	}
}

func TestReserveCodeHoldsTheLimitAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	other, err := Open(path) // another process on the same file
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	since := time.Now().Add(-time.Hour)
	v := Verification{At: time.Now(), OSUser: "tech", Profile: "adm", User: "jdoe", Method: "mail", Destination: "j•••@corp.example.com"}
	var mu sync.Mutex
	granted := 0
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := db
			if i%2 == 1 {
				d = other
			}
			_, ok, err := d.ReserveCode(ctx, v, 5, since)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if granted != 5 {
		t.Fatalf("%d codes granted, want 5", granted)
	}
	// Another user of the profile, or the same user elsewhere, has limits of their own.
	if _, ok, _ := db.ReserveCode(ctx, Verification{At: time.Now(), OSUser: "tech", Profile: "adm", User: "kim", Method: "mail"}, 5, since); !ok {
		t.Fatal("kim refused for jdoe's codes")
	}
}

func TestUndeliveredCodesDoNotCount(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	since := time.Now().Add(-time.Hour)
	v := Verification{At: time.Now(), OSUser: "tech", Profile: "adm", User: "jdoe", Method: "mail"}
	id, ok, err := db.ReserveCode(ctx, v, 1, since)
	if err != nil || !ok {
		t.Fatalf("first: %v %v", ok, err)
	}
	if _, ok, _ := db.ReserveCode(ctx, v, 1, since); ok {
		t.Fatal("a code being sent does not hold the limit")
	}
	if err := db.SettleCode(ctx, id, ResultUndelivered, "mail relay refused\x1b[2J the recipient"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.ReserveCode(ctx, v, 1, since); !ok {
		t.Fatal("an undelivered code still counts")
	}
	vs, _ := db.Verifications(ctx, Filter{User: "jdoe"})
	if len(vs) != 2 || vs[1].Result != ResultUndelivered || vs[1].Message != "mail relay refused the recipient" || vs[0].Result != ResultSending {
		t.Fatalf("events %+v", vs)
	}
}

func TestRelianceNamesTheVerificationOfEachUser(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	vid, err := db.RecordVerification(ctx, Verification{At: time.Now(), OSUser: "tech", Profile: "adm", User: "jdoe", Method: "sms", Result: ResultPassed, Destination: "+33 •• 03"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := db.StartRun(ctx, RunInfo{OSUser: "tech", Started: time.Now(), Profile: "adm", Kind: "admanager", Mode: "set", Total: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordReliance(ctx, run, map[string]int64{"jdoe": vid}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Reliance(ctx, run)
	if err != nil || len(got) != 1 || got["jdoe"].ID != vid || got["jdoe"].Method != "sms" {
		t.Fatalf("reliance %+v, %v", got, err)
	}
}

func TestAnOldHistoryReadOnlyHasNoVerifications(t *testing.T) {
	db, err := OpenReadOnly(copyV0(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vs, err := db.Verifications(context.Background(), Filter{})
	if err != nil || vs != nil {
		t.Fatalf("%v, %v", vs, err)
	}
	if vs, err := db.VerifiedSince(context.Background(), Verifier{OSUser: "alice"}, "adm", time.Time{}); err != nil || vs != nil {
		t.Fatalf("%v, %v", vs, err)
	}
}
