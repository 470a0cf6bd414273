package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"resetdesk/sanitize"
	"resetdesk/store/history"
)

func init() { commands["history"] = cmdHistory }

// cmdHistory lists who reset whom, when, how and with what result. Without --user it
// lists runs; with --user, that user's outcomes. It never holds a secret to show.
func cmdHistory(a *app, args []string) int {
	fs := a.newFlags("history")
	userFlag := fs.String("user", "", "only the resets of this user id")
	sinceFlag := fs.String("since", "", "only runs since: a duration back (24h, 7d) or a date (2026-05-01)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) > 0 {
		a.errorf("history takes no arguments (usage: resetdesk history [--user U] [--since D])")
		return exitUsage
	}
	since, err := history.ParseSince(*sinceFlag, time.Now())
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	if a.demo {
		a.errorf("--demo runs keep no history")
		return exitUsage
	}
	ctx, cancel := a.storeContext()
	defer cancel()
	f := history.Filter{Since: since, User: strings.TrimSpace(*userFlag)}
	runs, outs, err := a.queryHistory(ctx, f, f.User != "")
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if f.User == "" {
		if len(runs) == 0 {
			fmt.Fprintln(a.stderr, "resetdesk: no runs recorded"+sinceText(*sinceFlag))
			return exitOK
		}
		fmt.Fprintln(tw, "STARTED\tBY\tPROFILE\tKIND\tMODE\tTICKET\tUSERS\tOK\tFAILED\tUNKNOWN\tSKIPPED\t")
		for _, r := range runs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Started.Local().Format("2006-01-02 15:04:05"),
				sanitize.Line(r.OSUser), sanitize.Line(r.Profile), sanitize.Line(r.Kind), sanitize.Line(r.Mode), dash(sanitize.Line(r.Ticket)),
				r.Total, r.Tally.OK, r.Tally.Failed, r.Tally.Unknown, r.Tally.Skipped, unfinished(r))
		}
		return exitOK
	}
	if len(outs) == 0 {
		fmt.Fprintf(a.stderr, "resetdesk: no resets of %s recorded%s\n", sanitize.Line(f.User), sinceText(*sinceFlag))
		return exitOK
	}
	fmt.Fprintln(tw, "TIME\tBY\tPROFILE\tMODE\tTICKET\tUSER\tSTATUS\tMESSAGE")
	for _, o := range outs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.At.Local().Format("2006-01-02 15:04:05"), sanitize.Line(o.Run.OSUser),
			sanitize.Line(o.Run.Profile), sanitize.Line(o.Run.Mode), dash(sanitize.Line(o.Run.Ticket)), sanitize.Line(o.User),
			sanitize.Line(o.Status), sanitize.Line(o.Message))
	}
	return exitOK
}

// queryHistory reads the runs that f selects and, when outcomes is set, their outcomes:
// `history` and the console's history page both call it.
func (a *app) queryHistory(ctx context.Context, f history.Filter, outcomes bool) ([]*history.Run, []history.Outcome, error) {
	db, err := a.openHistory()
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	runs, err := db.Runs(ctx, f)
	if err != nil || !outcomes {
		return runs, nil, err
	}
	outs, err := db.Outcomes(ctx, f)
	return runs, outs, err
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
