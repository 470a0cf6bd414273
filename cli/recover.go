package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"resetdesk/desk"
	"resetdesk/sanitize"
)

// recoverLine is one line of `recover --format json`.
type recoverLine struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	User    string    `json:"user"`
	Status  string    `json:"status"`
	Secret  string    `json:"secret"`
	Note    string    `json:"note"` // the status explained: "possibly reset, password unknown — reset again"
}

func (a *app) recoverCommand() *cobra.Command {
	var format string
	var purge bool
	cmd := &cobra.Command{
		Use:   "recover",
		Short: "List the new secrets of recent runs from the journal (a dropped session loses nothing)",
		Long: `List the secrets the journal holds from the recent runs (journal_retention, 24 h by
default), newest run first, with each user's status: a password is on disk before it is
ever shown, so a dropped SSH session or a killed run loses none.

Reading changes nothing; --purge also removes the journal files older than the retention
(every run does that as it starts).

Exit codes: 0 listed (or nothing to recover); 1 some journal could not be read (each is
named, with why); 2 a usage error or no journal key.`,
		Example: "  resetdesk recover\n  resetdesk recover -f json | jq -r 'select(.user==\"jdoe\").secret'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: use table or json", format)
			}
			d, err := a.openDesk()
			if err != nil {
				return err
			}
			ctx, cancel := storeContext(cmd.Context())
			defer cancel()
			rc, err := d.Recover(ctx, purge)
			for _, n := range rc.Notes {
				a.warnf("%s", n)
			}
			if err != nil {
				return asUsage(err)
			}
			return a.printRecovery(rc, format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output: table or json (one object per line)")
	cmd.Flags().BoolVar(&purge, "purge", false, "also remove journal files older than the retention")
	return cmd
}

func (a *app) printRecovery(rc desk.Recovery, format string) error {
	if rc.Nothing {
		a.warnf("nothing to recover: no journal here (no run has journaled a secret yet, or every one is older than the retention)")
		return nil
	}
	if rc.Entries() == 0 {
		if !rc.Unreadable {
			a.warnf("nothing to recover from the last %s", rc.Keep)
		}
		return exitCode(recoverCode(rc))
	}
	if format == "json" {
		enc := json.NewEncoder(a.env.Stdout)
		for _, r := range rc.Runs {
			for _, e := range r.Entries {
				// Escape sequences are stripped here too: a script may print these.
				_ = enc.Encode(recoverLine{Time: e.Time.Local(), Profile: sanitize.Line(e.Profile), Mode: sanitize.Line(e.Mode),
					User: sanitize.Line(e.User), Status: sanitize.Line(e.Status), Secret: sanitize.Secret(e.Secret),
					Note: sanitize.Line(desk.RecoverStatus(e))})
			}
		}
		return exitCode(recoverCode(rc))
	}
	first := true
	for _, r := range rc.Runs {
		if len(r.Entries) == 0 {
			continue
		}
		if !first {
			fmt.Fprintln(a.env.Stdout)
		}
		first = false
		fmt.Fprintf(a.env.Stdout, "run of %s  profile %s  mode %s  %d user(s)\n", r.Started.Local().Format("2006-01-02 15:04:05"),
			sanitize.Line(r.Profile), sanitize.Line(r.Mode), len(r.Entries))
		tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  TIME\tUSER\tSTATUS\tSECRET")
		for _, e := range r.Entries {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Time.Local().Format("15:04:05"), sanitize.Line(e.User),
				sanitize.Line(desk.RecoverStatus(e)), sanitize.Secret(e.Secret))
		}
		tw.Flush()
	}
	return exitCode(recoverCode(rc))
}

// recoverCode is 1 when some journal could not be read: a script must not take a
// partial list for the whole.
func recoverCode(rc desk.Recovery) int {
	if rc.Unreadable {
		return ExitSome
	}
	return ExitOK
}
