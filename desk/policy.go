package desk

import (
	"time"

	"resetdesk/backends"
	"resetdesk/store"
)

// The four-eyes settings of the config, read in one place.

// approvalOver is the profile's approval_over: a run of more users needs approval.
func approvalOver(p backends.Profile) int { return 0 }

// approveGlobs are the profile's approve globs: accounts whose reset needs approval.
func approveGlobs(p backends.Profile) []string { return nil }

// approvalTTL is how long a request on profile p waits before it expires.
func approvalTTL(p backends.Profile) time.Duration { return time.Hour }

// isApprover reports whether technician t may approve other technicians' runs.
func isApprover(t *store.Technician) bool { return false }
