package desk

import (
	"context"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/store/history"
)

// notVerified records, for a run on a profile that offers verification (verify =
// "offered"), that the callers of its users in no verification of relied were not
// verified: an event per user ("not verified"), which their reset relies on (added to
// relied). So the history says, reset by reset, that it was not done. A history that
// cannot record it sends nothing, as for the verifications themselves.
func (d *Desk) notVerified(ctx context.Context, req runner.Request, relied map[string]int64) error {
	p := req.Profile()
	if p.Verify != backends.VerifyOffered {
		return nil
	}
	var users []string
	for _, u := range sentUsers(req) { // a line not sent resets nobody
		if _, ok := relied[u]; !ok {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return nil
	}
	return d.reliedInstead(ctx, req, users, relied, history.MethodNone, history.ResultNotVerified,
		"offered, not done: reset without verifying the caller",
		"the history could not record that the callers were not verified, nothing sent")
}
