package journal

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/backends"
)

// BenchmarkIntendRecord is the runner's pattern on a real file with fsync: C goroutines,
// each journaling a user's intent then its answer and waiting for both to be durable.
// ns/entry is the wall time per entry; fsyncs/entry counts the syncs (the seam's).
func BenchmarkIntendRecord(b *testing.B) {
	for _, c := range []int{1, 4, 16, 32} {
		b.Run(fmt.Sprintf("C=%d", c), func(b *testing.B) {
			w, tf, err := openTest(b, b.TempDir(), newIdentity(b).Recipient(), nil)
			must(b, err)
			syncs0, _ := tf.counts()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range c {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						o := backends.Outcome{Index: i, User: "9871515000@odinapi.net", Status: backends.StatusRunning, Secret: "Zq9-secret-Pw!xyzzy"}
						if err := w.Intend(o); err != nil {
							b.Error(err)
							return
						}
						o.Status = backends.StatusOK
						if err := w.Record(o); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			syncs, _ := tf.counts()
			entries := float64(2 * b.N)
			b.ReportMetric(float64(elapsed.Nanoseconds())/entries, "ns/entry")
			b.ReportMetric(float64(syncs-syncs0)/entries, "fsyncs/entry")
		})
	}
}

// BenchmarkRead100k is `recover` of a run of 100,000 entries (target: under 2 s).
func BenchmarkRead100k(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	id := newIdentity(b)
	w, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"})
	must(b, err)
	// Written a thousand entries per sync: the file is what 100,000 Records make.
	for from := 0; from < n; from += 1000 {
		chunk := make([]backends.Outcome, 0, 1000)
		for i := from; i < from+1000; i++ {
			chunk = append(chunk, backends.Outcome{Index: i, User: fmt.Sprintf("user%06d@odinapi.net", i), Status: backends.StatusOK, Secret: "Zq9-secret-Pw!xyzzy"})
		}
		must(b, w.queue(chunk, untilSynced))
	}
	must(b, w.Close())
	b.ResetTimer()
	for b.Loop() {
		runs, err := Read(dir, id, time.Time{})
		if err != nil || len(runs) != 1 || len(runs[0].Entries) != n {
			b.Fatalf("Read = %d runs, %v", len(runs), err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/recover")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/entry")
}
