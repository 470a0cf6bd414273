package history

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"resetdesk/backends"
)

// reserveAll makes n reservations for run id against quota from c goroutines at once
// and returns how many were granted.
func reserveAll(t testing.TB, db *DB, id int64, first, n, c, quota int) int {
	ctx := context.Background()
	since := Midnight(time.Now())
	var next, granted atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				o := backends.Outcome{Index: first + i, User: fmt.Sprintf("u%d", first+i)}
				ok, err := db.Reserve(ctx, id, o, time.Now(), quota, since)
				if err != nil {
					t.Errorf("Reserve %s: %v", o.User, err)
					return
				}
				if ok {
					granted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(granted.Load())
}

func spent(t *testing.T, path, profile string) int {
	t.Helper()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	n, err := ro.SuccessesSince(context.Background(), profile, Midnight(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Many goroutines, on two DBs of one file (two sessions of one process), reserving
// past the quota: exactly the quota is granted, and only granted places are written.
func TestReserveHoldsTheQuotaAcrossGoroutines(t *testing.T) {
	db, path := openTemp(t)
	other, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const quota = 37
	a, b := startRun(t, db, "adm"), startRun(t, other, "adm")
	var granted atomic.Int64
	var wg sync.WaitGroup
	for _, run := range []struct {
		db *DB
		id int64
	}{{db, a}, {other, b}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			granted.Add(int64(reserveAll(t, run.db, run.id, 0, 100, 32, quota)))
		}()
	}
	wg.Wait()
	if granted.Load() != quota {
		t.Fatalf("granted %d of 200 reservations against a quota of %d", granted.Load(), quota)
	}
	if n := spent(t, path, "adm"); n != quota {
		t.Fatalf("quota use %d after the reservations; want %d (a refused one writes nothing)", n, quota)
	}
	if n := reserveAll(t, db, startRun(t, db, "other"), 0, 10, 4, 10); n != 10 {
		t.Fatalf("another profile got %d of its own 10", n)
	}
}

const (
	childEnv     = "HISTORY_TEST_RESERVE_CHILD" // the history file a child reserves in
	childManyEnv = "HISTORY_TEST_RESERVE_MANY"
	childQuota   = 37
)

// Several processes reserving against one file at once, each past the quota: exactly
// the quota is granted over all of them. The children are this test binary run again;
// each creates (or finds) the file, migrates it, says it is ready, and reserves when
// told to, so that they all contend at once.
func TestReserveHoldsTheQuotaAcrossProcesses(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		reserveChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	const procs, each = 4, 25
	path := filepath.Join(t.TempDir(), FileName)
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines chan string
	}
	var children []*child
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReserveHoldsTheQuotaAcrossProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path, childManyEnv+"="+strconv.Itoa(each))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
		go func() {
			defer close(c.lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				c.lines <- sc.Text()
			}
		}()
		children = append(children, c)
	}
	// expect reads the child's output up to a line starting with prefix.
	expect := func(c *child, prefix string) string {
		for line := range c.lines {
			if strings.HasPrefix(line, prefix) {
				return strings.TrimPrefix(line, prefix)
			}
		}
		t.Fatalf("child %d ended before saying %q", c.cmd.Process.Pid, prefix)
		return ""
	}
	for _, c := range children {
		expect(c, "ready")
	}
	for _, c := range children {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, c := range children {
		n, err := strconv.Atoi(expect(c, "granted "))
		if err != nil {
			t.Fatal(err)
		}
		for range c.lines { // drain to the end so that Wait does not race the reader
		}
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", c.cmd.Process.Pid, err)
		}
		t.Logf("child %d granted %d of %d", c.cmd.Process.Pid, n, each)
		total += n
	}
	if total != childQuota {
		t.Fatalf("%d processes granted %d of %d reservations against a quota of %d", procs, total, procs*each, childQuota)
	}
	if n := spent(t, path, "adm"); n != childQuota {
		t.Fatalf("quota use %d in the file; want %d", n, childQuota)
	}
}

func reserveChild(t *testing.T, path string) {
	each, err := strconv.Atoi(os.Getenv(childManyEnv))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := startRun(t, db, "adm")
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("granted %d\n", reserveAll(t, db, id, 0, each, 8, childQuota))
}

// Reservations committed together are decided in the order they were queued.
func TestReservationsOfAGroupAreDecidedInOrder(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	id := startRun(t, db, "adm")
	since := Midnight(time.Now())
	release := holdWriter(t, db)
	q := newQueue(t, db)
	granted := make([]bool, 5)
	for i := range granted {
		q.add(func() (err error) {
			granted[i], err = db.Reserve(ctx, id, backends.Outcome{Index: i, User: fmt.Sprintf("u%d", i)}, time.Now(), 3, since)
			return err
		})
	}
	release()
	for i, err := range q.wait() {
		if err != nil {
			t.Fatalf("Reserve %d: %v", i, err)
		}
	}
	if want := []bool{true, true, true, false, false}; fmt.Sprint(granted) != fmt.Sprint(want) {
		t.Fatalf("granted %v in queue order; want %v", granted, want)
	}
	outs, err := db.Outcomes(ctx, Filter{})
	if err != nil || len(outs) != 3 || outs[2].User != "u2" {
		t.Fatalf("Outcomes = %+v, %v; want u0..u2 only: a refused reservation writes nothing", outs, err)
	}
	if n := spent(t, path, "adm"); n != 3 {
		t.Fatalf("quota use %d; want 3", n)
	}
}

// What spends the quota: ok, unknown and sent outcomes since the day began; a failed or
// skipped one, or yesterday's, does not, and a request that failed frees its place even
// within the group that reserves it again.
func TestReserveCountsWhatMaySpendTheQuota(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	now := time.Now()
	since := Midnight(now)
	yesterday := since.Add(-time.Hour)
	old, _ := db.StartRun(ctx, RunInfo{OSUser: "t", Started: yesterday, Profile: "adm", Kind: "admanager", Mode: "set", Total: 2})
	if err := db.FinishRun(ctx, old, []backends.Outcome{{Index: 0, User: "y0", Status: backends.StatusOK}, {Index: 1, User: "y1", Status: backends.StatusOK}}, yesterday); err != nil {
		t.Fatal(err)
	}
	id := startRun(t, db, "adm")
	for i, st := range []backends.Status{backends.StatusOK, backends.StatusUnknown, backends.StatusFailed, backends.StatusSkipped} {
		o := backends.Outcome{Index: i, User: fmt.Sprintf("d%d", i), Status: st}
		if err := db.Record(ctx, id, o, now); err != nil {
			t.Fatal(err)
		}
	}
	reserve := func(i int) bool {
		t.Helper()
		ok, err := db.Reserve(ctx, id, backends.Outcome{Index: i, User: fmt.Sprintf("r%d", i), Secret: "Pw-9"}, now, 4, since)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// ok and unknown today: 2 of 4 spent
	if !reserve(10) || !reserve(11) || reserve(12) {
		t.Fatal("want 2 places left of 4 after an ok, an unknown, a failed, a skipped and yesterday's two")
	}
	// r11's request fails: its place is free again, seen by a reservation in the same group
	release := holdWriter(t, db)
	q := newQueue(t, db)
	var again bool
	q.add(func() (err error) {
		again, err = db.Reserve(ctx, id, backends.Outcome{Index: 13, User: "r13"}, now, 4, since)
		return err
	})
	q.add(func() error {
		return db.Record(ctx, id, backends.Outcome{Index: 11, User: "r11", Status: backends.StatusFailed}, now)
	})
	release()
	for i, err := range q.wait() {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if !again {
		t.Fatal("a place freed by a failed request in the same group was not granted")
	}
	if _, err := db.Reserve(ctx, id+100, backends.Outcome{Index: 0, User: "x"}, now, 4, since); err == nil || !strings.Contains(err.Error(), "is not recorded") {
		t.Fatalf("Reserve for a run that does not exist = %v", err)
	}
}
