package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"resetdesk/backends"
)

// mountTmpfs mounts a tmpfs of size bytes on a temporary directory, or skips the test
// when this process may not mount (it needs root, or CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("skipping the real full-disk test: cannot mount a %d-byte tmpfs on %s (%v); needs root", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes to a new file in dir until the file system is full, and returns it.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	must(t, err)
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return name
		}
	}
}

func batchOf(from, n int) []backends.Outcome {
	var b []backends.Outcome
	for i := from; i < from+n; i++ {
		b = append(b, backends.Outcome{Index: i, User: fmt.Sprintf("user%06d@odinapi.net", i), Secret: fmt.Sprintf("pw-%d", i)})
	}
	return b
}

func TestOnAFullDiskOpenFailsAndAFailedAppendIsCutBack(t *testing.T) {
	mnt := mountTmpfs(t, 64<<10)
	id := newIdentity(t)
	dir := filepath.Join(mnt, "journal")
	must(t, os.Mkdir(dir, 0o700))

	filler := fill(t, mnt)
	if w, err := Open(dir, id.Recipient(), RunInfo{Profile: "lab", Mode: "sip"}); !errors.Is(err, syscall.ENOSPC) {
		if err == nil {
			w.Close()
		}
		t.Fatalf("Open on a full disk = %v, want no space left", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("a failed Open left %v", left)
	}
	must(t, os.Remove(filler))

	// The real file, with a record of how much of each write got in.
	var short []int
	w, _, err := openTest(t, dir, id.Recipient(), func(tf *testFile) {
		tf.onWrite = func(f *os.File, p []byte) (int, error) {
			n, err := f.Write(p)
			if err != nil {
				short = append(short, n)
			}
			return n, err
		}
	})
	must(t, err)
	filler = fill(t, mnt)
	// The file's first page has room for a few entries, not for a batch of a hundred:
	// its write stops short, leaving a fragment to cut back.
	if err := w.IntendBatch(batchOf(0, 100)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("IntendBatch on a full disk = %v, want no space left", err)
	}
	if len(short) != 1 || short[0] == 0 {
		t.Fatalf("the batch's write was not cut short by the full disk (%v): the test proves nothing", short)
	}
	must(t, w.Record(backends.Outcome{Index: 500, User: "small", Status: backends.StatusOK, Secret: "pw-small"}))
	must(t, os.Remove(filler))
	must(t, w.IntendBatch(batchOf(0, 100)))

	r := readOne(t, dir, id)
	if len(r.Entries) != 1 || r.NeverSent != 100 || r.Damaged != 0 || r.Entries[0].Secret != "pw-small" {
		t.Fatalf("read back %d entries and %d prepared, %d damaged: %s", len(r.Entries), r.NeverSent, r.Damaged, r.Problem())
	}
}

func TestOpenFailsOnAReadOnlyFileSystem(t *testing.T) {
	mnt := mountTmpfs(t, 64<<10)
	dir := filepath.Join(mnt, "journal")
	must(t, os.Mkdir(dir, 0o700))
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("skipping: cannot remount %s read-only: %v", mnt, err)
	}
	if w, err := Open(dir, newIdentity(t).Recipient(), RunInfo{Profile: "lab", Mode: "sip"}); !errors.Is(err, syscall.EROFS) {
		if err == nil {
			w.Close()
		}
		t.Fatalf("Open on a read-only file system = %v, want read-only file system", err)
	}
}
