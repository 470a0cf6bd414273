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
// binary: the cost the history pays per user is its transactions (each one a WAL
// append and, at synchronous=NORMAL, no fsync but a lock round).
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

// BenchmarkRecordAsItGoes measures the history's cost per user during a run at the
// runner's concurrencies: the request recorded as it goes out (Sending) and its outcome
// as it arrives (Record), from c goroutines at once. ns/op is per user; tx/user counts
// the transactions committed per user.
func BenchmarkRecordAsItGoes(b *testing.B) {
	countCommits()
	for _, c := range []int{1, 4, 16, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			ctx := context.Background()
			db, err := Open(filepath.Join(b.TempDir(), FileName))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			id, err := db.StartRun(ctx, RunInfo{OSUser: "t", Started: time.Now(), Profile: "p", Kind: "odin", Mode: "sip", Total: b.N})
			if err != nil {
				b.Fatal(err)
			}
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
						if i >= b.N {
							return
						}
						o := backends.Outcome{Index: i, User: fmt.Sprintf("user%d", i), Status: backends.StatusOK, Message: "new SIP password set"}
						if err := db.Sending(ctx, id, o, time.Now()); err != nil {
							errs <- err
							return
						}
						if err := db.Record(ctx, id, o, time.Now()); err != nil {
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
			b.ReportMetric(float64(commits.Load()-before)/float64(b.N), "tx/user")
		})
	}
}
