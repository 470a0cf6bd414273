package cli

import (
	"context"
	"fmt"
	"time"

	"resetdesk/desk"
	"resetdesk/sanitize"
	"resetdesk/store/history"
)

// historyVerificationLine is a verification event in `history --format json`.
type historyVerificationLine struct {
	Event       string    `json:"event"` // "verification"
	ID          int64     `json:"id"`
	Time        time.Time `json:"time"`
	By          string    `json:"by"`
	Profile     string    `json:"profile"`
	User        string    `json:"user"`
	Method      string    `json:"method"`
	Result      string    `json:"result"`
	Destination string    `json:"destination"` // masked; a callback's number as dialled
	Ticket      string    `json:"ticket,omitempty"`
	Message     string    `json:"message,omitempty"`
}

func verificationLine(v history.Verification) historyVerificationLine {
	return historyVerificationLine{Event: "verification", ID: v.ID, Time: v.At, By: sanitize.Line(v.By()), Profile: sanitize.Line(v.Profile),
		User: sanitize.Line(v.User), Method: sanitize.Line(v.Method), Result: sanitize.Line(v.Result),
		Destination: sanitize.Line(v.Destination), Ticket: sanitize.Line(v.Ticket), Message: sanitize.Line(v.Message)}
}

// verificationText says what a verification event was, for a table's message column.
func verificationText(v history.Verification) string {
	dest := sanitize.Line(v.Destination)
	var s string
	switch v.Result {
	case history.ResultNotVerified:
		s = "caller not verified"
	case history.ResultSending:
		s = "code being sent to " + dest + " when the process ended"
	case history.ResultSent:
		s = "code sent to " + dest
	case history.ResultUndelivered:
		s = "code not sent to " + dest
	case history.ResultAttested:
		s = "called back on " + dest + " and reached"
	case history.ResultApproved:
		s = "caller not verified"
	default:
		s = "code " + sanitize.Line(v.Result) + " (sent to " + dest + ")"
	}
	if v.Message != "" {
		s += ": " + sanitize.Line(v.Message)
	}
	return fmt.Sprintf("%s [verification #%d]", s, v.ID)
}

// reliedText names the verification a reset relied on, for a table's message column.
func reliedText(v history.Verification) string {
	if v.Result == history.ResultApproved {
		return fmt.Sprintf("%s [verification #%d]", sanitize.Line(v.Message), v.ID) // approved by bob instead of verified
	}
	how := "by " + sanitize.Line(v.Method) + " code"
	if v.Method == "callback" {
		how = "by callback"
	}
	if v.Result == history.ResultNotVerified {
		return fmt.Sprintf("caller not verified (offered) [verification #%d]", v.ID)
	}
	return fmt.Sprintf("caller verified %s at %s [verification #%d]", how, v.At.Local().Format("15:04"), v.ID)
}

// historyVerifications reads the verification events f selects and which one each
// listed run relied on. Neither stops the listing of the runs: a history without them
// (older, or the demo) has none.
func (a *app) historyVerifications(ctx context.Context, d *desk.Desk, f history.Filter, runs []*history.Run) ([]history.Verification, map[int64]map[string]history.Verification, error) {
	if d.Demo() {
		return nil, nil, nil
	}
	vs, err := d.Verifications(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	relied, err := d.Reliance(ctx, ids)
	return vs, relied, err
}

// verificationCells is a verification event in the columns of the resets (TIME BY
// PROFILE MODE TICKET USER STATUS MESSAGE): the method as the mode, the result as the
// status.
func verificationCells(v history.Verification) []string {
	return []string{v.At.Local().Format(time.DateTime), sanitize.Line(v.By()), sanitize.Line(v.Profile), "verify " + sanitize.Line(v.Method),
		sanitize.Line(v.Ticket), sanitize.Line(v.User), sanitize.Line(v.Result), verificationText(v)}
}
