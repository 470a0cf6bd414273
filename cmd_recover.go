package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"resetdesk/sanitize"
	"resetdesk/store"
	"resetdesk/store/journal"
)

func init() { commands["recover"] = cmdRecover }

// recoverLine is one line of `recover --format json`.
type recoverLine struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	User    string    `json:"user"`
	Status  string    `json:"status"`
	Secret  string    `json:"secret"`
}

// cmdRecover lists the secrets of recent runs from the journal (a dropped SSH session
// loses nothing) and purges what is older than the retention.
func cmdRecover(a *app, args []string) int {
	fs := a.newFlags("recover")
	format := fs.String("format", "table", "output: table or json (one object per line)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) > 0 {
		a.errorf("recover takes no arguments (usage: resetdesk recover [--format table|json])")
		return exitUsage
	}
	if *format != "table" && *format != "json" {
		a.errorf("--format %q: use table or json", *format)
		return exitUsage
	}
	if a.demo {
		a.errorf("--demo runs keep no journal: their passwords are not real")
		return exitUsage
	}
	cfg, err := a.config()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	ctx, cancel := a.storeContext()
	defer cancel()
	jr, err := a.readJournal(ctx, cfg)
	if jr.PurgeErr != nil {
		a.errorf("%v", jr.PurgeErr)
	}
	if jr.Purged > 0 {
		fmt.Fprintf(a.stderr, "resetdesk: purged %d journal file(s) older than %s\n", jr.Purged, jr.Keep)
	}
	if errors.Is(err, journal.ErrNoKey) {
		fmt.Fprintln(a.stderr, "resetdesk: nothing to recover: no run has journaled a secret here yet")
		return exitOK
	}
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	runs := jr.Runs
	if len(runs) == 0 {
		fmt.Fprintf(a.stderr, "resetdesk: nothing to recover from the last %s\n", jr.Keep)
		return exitOK
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		for _, r := range runs {
			for _, e := range r.Entries {
				// Escape sequences are stripped here too: a script may print these.
				_ = enc.Encode(recoverLine{Time: e.Time.Local(), Profile: sanitize.Line(e.Profile), Mode: sanitize.Line(e.Mode),
					User: sanitize.Line(e.User), Status: sanitize.Line(e.Status), Secret: sanitize.Line(e.Secret)})
			}
		}
	} else {
		for i, r := range runs {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			fmt.Fprintf(a.stdout, "run of %s  profile %s  mode %s  %d secret(s)\n", r.Started.Local().Format("2006-01-02 15:04:05"),
				sanitize.Line(r.Profile), sanitize.Line(r.Mode), len(r.Entries))
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  TIME\tUSER\tSTATUS\tSECRET")
			for _, e := range r.Entries {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Time.Local().Format("15:04:05"), sanitize.Line(e.User), recoverStatus(e.Status), sanitize.Line(e.Secret))
			}
			tw.Flush()
		}
	}
	for _, note := range journalProblems(runs) {
		a.errorf("%s", note)
	}
	return exitOK
}

// journalProblems says what could not be read: torn lines, and whole files (another
// key, permissions) whose secrets are not listed.
func journalProblems(runs []journal.Run) []string {
	var notes []string
	damaged := 0
	for _, r := range runs {
		damaged += r.Damaged
		if r.Err != nil {
			notes = append(notes, r.Err.Error())
		}
	}
	if damaged > 0 {
		notes = append(notes, damagedNote(damaged))
	}
	return notes
}

// journalRead is what readJournal found.
type journalRead struct {
	Runs     []journal.Run // newest first
	Keep     time.Duration // the retention
	Purged   int           // journal files purged as older than Keep
	PurgeErr error         // the purge failed (the read went on)
}

// readJournal purges the journal files older than the retention and reads the recent
// runs' secrets: `recover` and the console's recover page both call it. The error wraps
// journal.ErrNoKey when no run has journaled anything yet.
func (a *app) readJournal(ctx context.Context, cfg *store.Config) (journalRead, error) {
	var jr journalRead
	keep, err := a.journalRetention(cfg)
	if err != nil {
		return jr, err
	}
	jr.Keep = keep
	dir, err := journal.Dir(a.getenv)
	if err != nil {
		return jr, err
	}
	cutoff := time.Now().Add(-keep)
	jr.Purged, jr.PurgeErr = journal.Purge(dir, cutoff)
	ks, err := a.journalSecrets(cfg)
	if err != nil {
		return jr, err
	}
	id, err := journal.LoadKey(ctx, ks, false)
	if errors.Is(err, journal.ErrNoKey) {
		return jr, err
	}
	if err != nil {
		return jr, fmt.Errorf("cannot open the journal: %w", err)
	}
	jr.Runs, err = journal.Read(dir, id, cutoff)
	return jr, err
}

// damagedNote warns of journal lines that could not be read.
func damagedNote(n int) string {
	return fmt.Sprintf("%d journal line(s) could not be read (a write cut short by a crash); the secret of that user may be lost: check it", n)
}

// recoverStatus explains a journal status to the technician.
func recoverStatus(s string) string {
	switch s {
	case journal.StatusSent:
		return "sent, no answer recorded: may be set"
	case "unknown":
		return "no answer: may be set"
	}
	return sanitize.Line(s)
}
