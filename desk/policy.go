package desk

import (
	"time"

	"resetdesk/backends"
	"resetdesk/store"
)

// The four-eyes settings of the config, read in one place.

// approvalOver is the profile's approval_over: a run of more users needs approval.
func approvalOver(p backends.Profile) int { return p.ApprovalOver }

// approveGlobs are the profile's approve globs: accounts whose reset needs approval.
func approveGlobs(p backends.Profile) []string { return p.Approve }

// approvalTTL is how long a request on profile p waits before it expires: its
// approval_ttl, which the config fills in (a profile built elsewhere: the default).
func approvalTTL(p backends.Profile) time.Duration {
	if p.ApprovalTTL > 0 {
		return p.ApprovalTTL
	}
	return backends.DefaultApprovalTTL
}

// isApprover reports whether technician t may approve other technicians' runs.
func isApprover(t *store.Technician) bool { return t.Approver }
