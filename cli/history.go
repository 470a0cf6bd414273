package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"resetdesk/sanitize"
	"resetdesk/store/history"
)

// historyRunLine and historyOutcomeLine are the lines of `history --format json`.
type historyRunLine struct {
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	By       string     `json:"by"`
	Profile  string     `json:"profile"`
	Kind     string     `json:"kind"`
	Mode     string     `json:"mode"`
	Ticket   string     `json:"ticket,omitempty"`
	Users    int        `json:"users"`
	OK       int        `json:"ok"`
	Failed   int        `json:"failed"`
	Unknown  int        `json:"unknown"`
	Skipped  int        `json:"skipped"`
}

type historyOutcomeLine struct {
	Time    time.Time `json:"time"`
	By      string    `json:"by"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	Ticket  string    `json:"ticket,omitempty"`
	User    string    `json:"user"`
	Status  string    `json:"status"`
	Message string    `json:"message"`
	// Verification is the id of the caller verification the reset relied on.
	Verification int64 `json:"verification_id,omitempty"`
}

// historyFlags are the flags of `resetdesk history`.
type historyFlags struct {
	user, since, format, technician, ticket, status string
}

// historyStatuses are the statuses --status takes: the final ones, and sent (a request
// that went out and was never answered: a killed run's).
var historyStatuses = []string{"ok", "failed", "unknown", "skipped", history.StatusSent}

func (a *app) historyCommand() *cobra.Command {
	var hf historyFlags
	cmd := &cobra.Command{
		Use:   "history [--user U] [--since D] [--technician T] [--ticket REF] [--status S]",
		Short: "Who reset whom, when, how and with what result (never a secret)",
		Long: `List the recorded runs, newest first; with --user or --status, the outcomes (that
user's, or those of that status) instead. --technician selects who made the runs (a served
technician, or the account that ran resetdesk here) and --ticket a ticket reference. A run
that was killed shows as unfinished (its new secrets are in ` + "`resetdesk recover`" + `).
Caller verifications and approval requests (who asked, who approved or declined, when,
why) are listed in line with the resets (below the runs in a table of their own), except
with --status; with --user, the requests that name the user.

--format csv prints the same columns as the table, with a header row (a CSV of runs
leaves the verifications and requests out: they are in json, and with --user); json one
object per line ("event":"verification", "event":"approval").

Exit codes: 0 listed (or nothing recorded); 2 a usage error or an unreadable history.`,
		Example: "  resetdesk history --since 7d\n  resetdesk history --user jdoe --format json\n  resetdesk history --status failed --ticket INC-4711 -f csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := hf.filter()
			if err != nil {
				return asUsage(err)
			}
			d, err := a.openDesk()
			if err != nil {
				return err
			}
			ctx, cancel := storeContext(cmd.Context())
			defer cancel()
			outcomes := f.User != "" || f.Status != ""
			runs, outs, err := d.History(ctx, f, outcomes)
			if err != nil {
				return asUsage(err)
			}
			vs, relied, err := a.historyVerifications(ctx, d, f, runs)
			if err != nil {
				return asUsage(err)
			}
			as, err := d.Approvals(ctx, f)
			if err != nil {
				return asUsage(err)
			}
			l := historyRuns(runs)
			if outcomes {
				l = historyOutcomes(outs, relied)
			}
			if f.Status == "" { // a status is an outcome's
				l.events = historyEvents(vs, as, f.User)
			}
			if len(l.rows) == 0 {
				a.warnf("no %s%s recorded", l.what, hf.describe())
				if len(l.events) == 0 || (hf.format == "csv" && !outcomes) {
					return nil
				}
			}
			return l.print(a.env.Stdout, hf.format)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&hf.user, "user", "", "only the resets of this user id")
	fl.StringVar(&hf.since, "since", "", "only runs since: a duration back (24h, 7d) or a date (2026-05-01)")
	fl.StringVar(&hf.technician, "technician", "", "only the runs of this technician (served) or account (local)")
	fl.StringVar(&hf.ticket, "ticket", "", "only the runs of this ticket reference (any case)")
	fl.StringVar(&hf.status, "status", "", "only the outcomes of this status: "+strings.Join(historyStatuses, ", "))
	fl.StringVarP(&hf.format, "format", "f", "table", "output: table, csv or json (one object per line)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(historyStatuses, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "csv", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// filter checks the flags and makes the history's filter.
func (hf *historyFlags) filter() (history.Filter, error) {
	hf.format = strings.ToLower(hf.format)
	if hf.format != "table" && hf.format != "json" && hf.format != "csv" {
		return history.Filter{}, fmt.Errorf("--format %q: use table, csv or json", hf.format)
	}
	hf.status = strings.ToLower(strings.TrimSpace(hf.status))
	if hf.status != "" && !slices.Contains(historyStatuses, hf.status) {
		return history.Filter{}, fmt.Errorf("--status %q: use one of %s", hf.status, strings.Join(historyStatuses, ", "))
	}
	since, err := history.ParseSince(hf.since, time.Now())
	if err != nil {
		return history.Filter{}, fmt.Errorf("--since: %v", err)
	}
	return history.Filter{Since: since, User: strings.TrimSpace(hf.user), By: strings.TrimSpace(hf.technician),
		Ticket: strings.TrimSpace(hf.ticket), Status: hf.status}, nil
}

// describe says what was asked, for "no runs … recorded".
func (hf *historyFlags) describe() string {
	var b strings.Builder
	for _, p := range []struct{ label, v string }{{"of", hf.user}, {"by", hf.technician}, {"for ticket", hf.ticket}, {"with status", hf.status}, {"since", hf.since}} {
		if strings.TrimSpace(p.v) != "" {
			b.WriteString(" " + p.label + " " + sanitize.Line(strings.TrimSpace(p.v)))
		}
	}
	return b.String()
}

// historyListing is one listing of the history in the three formats: the table's and
// the CSV's columns, and one JSON object per row; with the events (verifications,
// approval requests) to print in line (newest first, as the rows).
type historyListing struct {
	what   string // "runs", "resets", for "no … recorded"
	header []string
	rows   []historyRow
	events []historyRow // in the columns of the resets
}

// historyRow is one run, reset or event.
type historyRow struct {
	at    time.Time
	cells []string
	json  any
}

var resetsHeader = []string{"TIME", "BY", "PROFILE", "MODE", "TICKET", "USER", "STATUS", "MESSAGE"}

func historyRuns(runs []*history.Run) historyListing {
	l := historyListing{what: "runs", header: []string{"STARTED", "BY", "PROFILE", "KIND", "MODE", "TICKET", "USERS", "OK", "FAILED", "UNKNOWN", "SKIPPED", "NOTE"}}
	for _, r := range runs {
		line := historyRunLine{Started: r.Started, By: sanitize.Line(r.By()), Profile: sanitize.Line(r.Profile), Kind: sanitize.Line(r.Kind),
			Mode: sanitize.Line(r.Mode), Ticket: sanitize.Line(r.Ticket), Users: r.Total,
			OK: r.Tally.OK, Failed: r.Tally.Failed, Unknown: r.Tally.Unknown, Skipped: r.Tally.Skipped}
		if !r.Finished.IsZero() {
			fin := r.Finished
			line.Finished = &fin
		}
		l.rows = append(l.rows, historyRow{at: r.Started, json: line, cells: []string{r.Started.Local().Format(time.DateTime), line.By, line.Profile, line.Kind, line.Mode, line.Ticket,
			strconv.Itoa(r.Total), strconv.Itoa(r.Tally.OK), strconv.Itoa(r.Tally.Failed), strconv.Itoa(r.Tally.Unknown), strconv.Itoa(r.Tally.Skipped), unfinished(r)}})
	}
	return l
}

// historyOutcomes lists resets; relied says which verification each relied on.
func historyOutcomes(outs []history.Outcome, relied map[int64]map[string]history.Verification) historyListing {
	l := historyListing{what: "resets", header: resetsHeader}
	for _, o := range outs {
		v, hasRelied := relied[o.Run.ID][o.User]
		line := historyOutcomeLine{Time: o.At, By: sanitize.Line(o.Run.By()), Profile: sanitize.Line(o.Run.Profile),
			Mode: sanitize.Line(o.Run.Mode), Ticket: sanitize.Line(o.Run.Ticket), User: sanitize.Line(o.User),
			Status: sanitize.Line(o.Status), Message: sanitize.Line(o.Message), Verification: v.ID}
		msg := line.Message
		if hasRelied {
			msg += " (" + reliedText(v) + ")"
		}
		l.rows = append(l.rows, historyRow{at: o.At, json: line, cells: []string{o.At.Local().Format(time.DateTime), line.By, line.Profile, line.Mode, line.Ticket, line.User, line.Status, msg}})
	}
	return l
}

// print writes the listing as a table (an empty cell drawn "-"), CSV (a header row,
// lower-case) or JSON lines. The events go in line by time where the columns are a
// reset's (and in JSON); beside runs, a table gives them one of their own below.
func (l historyListing) print(w io.Writer, format string) error {
	inline := format == "json" || l.what == "resets"
	var out [][]string // cells, in order
	var objs []any
	pending := l.events
	flush := func(before time.Time) {
		for len(pending) > 0 && (before.IsZero() || pending[0].at.After(before)) {
			objs = append(objs, pending[0].json)
			out = append(out, pending[0].cells)
			pending = pending[1:]
		}
	}
	for _, r := range l.rows {
		if inline {
			flush(r.at)
		}
		objs = append(objs, r.json)
		out = append(out, r.cells)
	}
	if inline {
		flush(time.Time{})
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, v := range objs {
			if err := enc.Encode(v); err != nil {
				return asUsage(err)
			}
		}
		return nil
	case "csv":
		return writeCSV(w, l.header, out)
	}
	if inline || len(out) > 0 {
		if err := writeTable(w, l.header, out); err != nil || inline || len(pending) == 0 {
			return err
		}
		fmt.Fprintln(w)
	}
	var rest [][]string
	for _, e := range pending {
		rest = append(rest, e.cells)
	}
	return writeTable(w, resetsHeader, rest)
}

// writeCSV writes a header row (lower-case) and the rows.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	lower := make([]string, len(header))
	for i, h := range header {
		lower[i] = strings.ToLower(h)
	}
	_ = cw.Write(lower)
	_ = cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		return asUsage(err)
	}
	return nil
}

// writeTable writes aligned columns, an empty cell drawn "-".
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = dash(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return asUsage(err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// unfinished marks a run that never recorded its end (killed, crashed): its outcomes
// are not in the history, but its new secrets are in the journal.
func unfinished(r *history.Run) string {
	if r.Finished.IsZero() {
		return "unfinished: see `resetdesk recover`"
	}
	return ""
}
