package cli

import (
	"encoding/json"
	"fmt"
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

func (a *app) historyCommand() *cobra.Command {
	var user, since, format string
	cmd := &cobra.Command{
		Use:   "history [--user U] [--since D]",
		Short: "Who reset whom, when, how and with what result (never a secret)",
		Long: `List the recorded runs, newest first; with --user, that user's outcomes. A run that
was killed shows as unfinished (its new secrets are in ` + "`resetdesk recover`" + `).

Exit codes: 0 listed (or nothing recorded); 2 a usage error or an unreadable history.`,
		Example: "  resetdesk history --since 7d\n  resetdesk history --user jdoe --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: use table or json", format)
			}
			t, err := history.ParseSince(since, time.Now())
			if err != nil {
				return usageErr("--since: %v", err)
			}
			d, err := a.openDesk()
			if err != nil {
				return err
			}
			f := history.Filter{Since: t, User: strings.TrimSpace(user)}
			ctx, cancel := storeContext(cmd.Context())
			defer cancel()
			runs, outs, err := d.History(ctx, f, f.User != "")
			if err != nil {
				return asUsage(err)
			}
			vs, relied, err := a.historyVerifications(ctx, d, f, runs)
			if err != nil {
				return asUsage(err)
			}
			return a.printHistory(f, since, runs, outs, verifications{vs, relied}, format)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "only the resets of this user id")
	cmd.Flags().StringVar(&since, "since", "", "only runs since: a duration back (24h, 7d) or a date (2026-05-01)")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output: table or json (one object per line)")
	return cmd
}

func (a *app) printHistory(f history.Filter, since string, runs []*history.Run, outs []history.Outcome, vs verifications, format string) error {
	enc := json.NewEncoder(a.env.Stdout)
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if f.User == "" {
		defer func() { a.printVerifications(vs.events, format, enc, tw) }()
		if len(runs) == 0 {
			a.warnf("no runs recorded%s", sinceText(since))
			return nil
		}
		if format == "table" {
			fmt.Fprintln(tw, "STARTED\tBY\tPROFILE\tKIND\tMODE\tTICKET\tUSERS\tOK\tFAILED\tUNKNOWN\tSKIPPED\t")
		}
		for _, r := range runs {
			if format == "json" {
				vs.jsonNewer(enc, r.Started)
				line := historyRunLine{Started: r.Started, By: sanitize.Line(r.By()), Profile: sanitize.Line(r.Profile), Kind: sanitize.Line(r.Kind),
					Mode: sanitize.Line(r.Mode), Ticket: sanitize.Line(r.Ticket), Users: r.Total,
					OK: r.Tally.OK, Failed: r.Tally.Failed, Unknown: r.Tally.Unknown, Skipped: r.Tally.Skipped}
				if !r.Finished.IsZero() {
					fin := r.Finished
					line.Finished = &fin
				}
				_ = enc.Encode(line)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Started.Local().Format("2006-01-02 15:04:05"),
				sanitize.Line(r.By()), sanitize.Line(r.Profile), sanitize.Line(r.Kind), sanitize.Line(r.Mode), dash(sanitize.Line(r.Ticket)),
				r.Total, r.Tally.OK, r.Tally.Failed, r.Tally.Unknown, r.Tally.Skipped, unfinished(r))
		}
		return nil
	}
	if len(outs) == 0 && len(vs.events) == 0 {
		a.warnf("no resets of %s recorded%s", sanitize.Line(f.User), sinceText(since))
		return nil
	}
	if format == "table" {
		fmt.Fprintln(tw, "TIME\tBY\tPROFILE\tMODE\tTICKET\tUSER\tSTATUS\tMESSAGE")
	}
	// The user's verifications in line with the resets, newest first.
	for _, o := range outs {
		relied, hasRelied := vs.relied[o.Run.ID][o.User]
		if format == "json" {
			vs.jsonNewer(enc, o.At)
			_ = enc.Encode(historyOutcomeLine{Time: o.At, By: sanitize.Line(o.Run.By()), Profile: sanitize.Line(o.Run.Profile),
				Mode: sanitize.Line(o.Run.Mode), Ticket: sanitize.Line(o.Run.Ticket), User: sanitize.Line(o.User),
				Status: sanitize.Line(o.Status), Message: sanitize.Line(o.Message), Verification: relied.ID})
			continue
		}
		vs.rowsNewer(tw, o.At)
		msg := sanitize.Line(o.Message)
		if hasRelied {
			msg += " (" + reliedText(relied) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.At.Local().Format("2006-01-02 15:04:05"), sanitize.Line(o.Run.By()),
			sanitize.Line(o.Run.Profile), sanitize.Line(o.Run.Mode), dash(sanitize.Line(o.Run.Ticket)), sanitize.Line(o.User),
			sanitize.Line(o.Status), msg)
	}
	if format == "json" {
		vs.jsonNewer(enc, time.Time{})
	} else {
		vs.rowsNewer(tw, time.Time{})
	}
	return nil
}

func sinceText(s string) string {
	if s == "" {
		return ""
	}
	return " since " + sanitize.Line(s)
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
