package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
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

// verifications are the events `history` prints beside the runs or resets, newest
// first, consumed as they are printed; relied says which one each reset relied on.
type verifications struct {
	events []history.Verification
	relied map[int64]map[string]history.Verification
}

// newer takes the events after t (all that are left for a zero t).
func (vs *verifications) newer(t time.Time) []history.Verification {
	n := 0
	for n < len(vs.events) && (t.IsZero() || vs.events[n].At.After(t)) {
		n++
	}
	out := vs.events[:n]
	vs.events = vs.events[n:]
	return out
}

func (vs *verifications) jsonNewer(enc *json.Encoder, t time.Time) {
	for _, v := range vs.newer(t) {
		_ = enc.Encode(verificationLine(v))
	}
}

// rowsNewer writes the events after t as rows of the resets table (TIME BY PROFILE MODE
// TICKET USER STATUS MESSAGE): the method as the mode, the result as the status.
func (vs *verifications) rowsNewer(tw *tabwriter.Writer, t time.Time) {
	for _, v := range vs.newer(t) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.At.Local().Format("2006-01-02 15:04:05"), sanitize.Line(v.By()),
			sanitize.Line(v.Profile), "verify "+sanitize.Line(v.Method), dash(sanitize.Line(v.Ticket)), sanitize.Line(v.User),
			sanitize.Line(v.Result), verificationText(v))
	}
}

// printVerifications prints what is left of the events after the runs: in JSON as more
// lines, in a table of their own below the runs'.
func (a *app) printVerifications(events []history.Verification, format string, enc *json.Encoder, tw *tabwriter.Writer) {
	rest := verifications{events: events}
	if format == "json" {
		rest.jsonNewer(enc, time.Time{})
		return
	}
	if len(events) == 0 {
		return
	}
	tw.Flush()
	fmt.Fprintln(a.env.Stdout)
	fmt.Fprintln(tw, "TIME\tBY\tPROFILE\tMODE\tTICKET\tUSER\tSTATUS\tMESSAGE")
	rest.rowsNewer(tw, time.Time{})
}
