package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"resetdesk/desk"
	"resetdesk/sanitize"
	"resetdesk/store/history"
)

// historyApprovalLine is an approval request in `history --format json`: who asked,
// when, for whom and why; how it went (state), who decided, when and why.
type historyApprovalLine struct {
	Event     string     `json:"event"` // "approval"
	ID        int64      `json:"id"`
	Time      time.Time  `json:"time"` // requested
	Requester string     `json:"requester"`
	Profile   string     `json:"profile"`
	Kind      string     `json:"kind"`
	Mode      string     `json:"mode"`
	Ticket    string     `json:"ticket,omitempty"`
	Users     []string   `json:"users"`
	Why       string     `json:"why"`
	State     string     `json:"state"`
	Expires   time.Time  `json:"expires"`
	Approver  string     `json:"approver,omitempty"`
	Decided   *time.Time `json:"decided,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	RunID     int64      `json:"run_id,omitempty"` // the run it started, in the history
}

func approvalLine(r desk.ApprovalRequest) historyApprovalLine {
	line := historyApprovalLine{Event: "approval", ID: r.ID, Time: r.Requested, Requester: sanitize.Line(r.By), Profile: sanitize.Line(r.Profile),
		Kind: sanitize.Line(r.Kind), Mode: sanitize.Line(r.Mode), Ticket: sanitize.Line(r.Options.Ticket), Users: []string{}, Why: sanitize.Line(r.Why),
		State: r.State, Expires: r.Expires, Approver: sanitize.Line(r.Approver), Reason: sanitize.Line(r.Reason), RunID: r.HistoryRun}
	for _, u := range r.Users {
		line.Users = append(line.Users, sanitize.Line(u.ID))
	}
	if !r.Decided.IsZero() {
		d := r.Decided
		line.Decided = &d
	}
	return line
}

// approvalText says how a request went, for a table's message column.
func approvalText(r desk.ApprovalRequest) string {
	at := func(t time.Time) string { return t.Local().Format("15:04") }
	who := sanitize.Line(r.Approver)
	var how string
	switch r.State {
	case history.RequestWaiting:
		how = "waiting for approval until " + at(r.Expires)
	case history.RequestApproved:
		how = "approved by " + who + " at " + at(r.Decided)
	case history.RequestStarted:
		how = "approved by " + who + " at " + at(r.Decided) + ", run started"
	case history.RequestFailed:
		how = "approved by " + who + ", could not start: " + sanitize.Line(r.Reason)
	case history.RequestDeclined:
		how = "declined by " + who + " at " + at(r.Decided) + ": " + sanitize.Line(r.Reason)
	case history.RequestExpired:
		how = "expired at " + at(r.Expires) + ": nobody decided"
	default:
		how = "withdrawn at " + at(r.Decided)
		if r.Reason != "" {
			how += ": " + sanitize.Line(r.Reason)
		}
	}
	return fmt.Sprintf("asked for approval (%s); %s [request #%d]", sanitize.Line(r.Why), how, r.ID)
}

// approvalCells is a request in the columns of the resets (TIME BY PROFILE MODE TICKET
// USER STATUS MESSAGE): the time it was asked, the requester, the state as the status;
// the user is user when the listing is one user's, else the request's one user or its
// count.
func approvalCells(r desk.ApprovalRequest, user string) []string {
	switch {
	case user != "":
	case len(r.Users) == 1:
		user = r.Users[0].ID
	default:
		user = strconv.Itoa(len(r.Users)) + " users"
	}
	return []string{r.Requested.Local().Format(time.DateTime), sanitize.Line(r.By), sanitize.Line(r.Profile), "approval " + sanitize.Line(r.Mode),
		sanitize.Line(r.Options.Ticket), sanitize.Line(user), r.State, approvalText(r)}
}

// historyEvents are the verification events and the approval requests as rows of the
// resets' columns, newest first; user is the listing's --user.
func historyEvents(vs []history.Verification, as []desk.ApprovalRequest, user string) []historyRow {
	var out []historyRow
	for _, v := range vs {
		out = append(out, historyRow{at: v.At, json: verificationLine(v), cells: verificationCells(v)})
	}
	for _, r := range as {
		out = append(out, historyRow{at: r.Requested, json: approvalLine(r), cells: approvalCells(r, user)})
	}
	slices.SortStableFunc(out, func(a, b historyRow) int { return cmp.Compare(b.at.UnixNano(), a.at.UnixNano()) })
	return out
}
