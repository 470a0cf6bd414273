//go:build unix

package store

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own and makes its cancellation kill the
// whole group: a secret_command's children (a shell's pipeline) end with it.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
