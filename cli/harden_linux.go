package cli

import "golang.org/x/sys/unix"

// hardenProcess keeps the secrets this process holds (profile secrets, the journal key,
// new passwords) out of core files and away from other processes of the same user: no
// core dump (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0, which also refuses
// ptrace attach and /proc/PID/mem to non-root). Best effort: a failure leaves the
// process as it was.
func hardenProcess() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
