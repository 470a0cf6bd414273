package history

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"

	"resetdesk/backends"
)

// commits counts the write transactions committed by every connection of this test
// binary: the history's cost per user is mostly its transactions (each one a write
// lock taken and WAL frames written).
var commits atomic.Int64

var countCommitsOnce sync.Once

func countCommits() {
	countCommitsOnce.Do(func() {
		sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
			if h, ok := c.(sqlite.HookRegisterer); ok {
				h.RegisterCommitHook(func() int32 { commits.Add(1); return 0 })
			}
			return nil
		})
	})
}

// eachUser calls user(i) for i in [0, n) from c goroutines at once, as the runner's
// workers do, and reports tx/user: the transactions committed per user.
func eachUser(b *testing.B, c, n int, user func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c)
	b.ResetTimer()
	before := commits.Load()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := user(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(commits.Load()-before)/float64(n), "tx/user")
}

func benchDB(b *testing.B) (*DB, int64) {
	ctx := context.Background()
	db, err := Open(filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	id, err := db.StartRun(ctx, RunInfo{OSUser: "t", Started: time.Now(), Profile: "p", Kind: "admanager", Mode: "set", Total: b.N})
	if err != nil {
		b.Fatal(err)
	}
	return db, id
}

// BenchmarkRecordAsItGoes measures the history's cost per user during a run at the
// runner's concurrencies: the request recorded as it goes out (Sending) and its outcome
// as it arrives (Record), from c goroutines at once. ns/op is per user.
func BenchmarkRecordAsItGoes(b *testing.B) {
	countCommits()
	ctx := context.Background()
	for _, c := range []int{1, 4, 16, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			db, id := benchDB(b)
			eachUser(b, c, b.N, func(i int) error {
				o := backends.Outcome{Index: i, User: fmt.Sprintf("user%d", i), Status: backends.StatusOK, Message: "new SIP password set"}
				if err := db.Sending(ctx, id, o, time.Now()); err != nil {
					return err
				}
				return db.Record(ctx, id, o, time.Now())
			})
		})
	}
}

// BenchmarkReserveAsItGoes is BenchmarkRecordAsItGoes for a profile with a daily quota:
// Reserve (the day's use counted under the write lock) then Record, with the day's
// history already holding 2000 outcomes of the profile.
func BenchmarkReserveAsItGoes(b *testing.B) {
	countCommits()
	ctx := context.Background()
	for _, c := range []int{1, 4, 16, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			db, id := benchDB(b)
			now := time.Now()
			earlier, err := db.StartRun(ctx, RunInfo{OSUser: "t", Started: now, Profile: "p", Kind: "admanager", Mode: "set", Total: 2000})
			if err != nil {
				b.Fatal(err)
			}
			var day []backends.Outcome
			for i := range 2000 {
				day = append(day, backends.Outcome{Index: i, User: fmt.Sprintf("early%d", i), Status: backends.StatusOK})
			}
			if err := db.FinishRun(ctx, earlier, day, now); err != nil {
				b.Fatal(err)
			}
			midnight := Midnight(now)
			eachUser(b, c, b.N, func(i int) error {
				o := backends.Outcome{Index: i, User: fmt.Sprintf("user%d", i), Status: backends.StatusOK, Message: "password set"}
				granted, err := db.Reserve(ctx, id, o, time.Now(), 1<<30, midnight)
				if err != nil || !granted {
					return fmt.Errorf("reserve %d: granted %v, %v", i, granted, err)
				}
				return db.Record(ctx, id, o, time.Now())
			})
		})
	}
}
