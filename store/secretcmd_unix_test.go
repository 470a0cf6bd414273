//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A command that never ends is stopped at the timeout, children and all.
func TestRunSecretCommandTimesOut(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child")
	_, err := RunSecretCommand(context.Background(), []string{script(t, `sleep 600 & echo $! > `+pidFile+`; wait`)}, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 100ms") {
		t.Fatalf("err = %v", err)
	}
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil { // gone, or a zombie of its reaped parent
		if stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(stat), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the command's child %d outlived the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
