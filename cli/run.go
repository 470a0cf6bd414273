package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"resetdesk/backends"
	"resetdesk/backends/report"
	"resetdesk/backends/runner"
	"resetdesk/backends/userlist"
	"resetdesk/desk"
	"resetdesk/sanitize"
	"resetdesk/store"
)

// runFlags are the flags of `resetdesk run`.
type runFlags struct {
	profile, mode, usersFile, format, ticket, method, comments, output string
	yes, mustChange, passwordStdin, unlock                             bool
	concurrency, expires                                               decimal
	waitApproval                                                       duration
}

func (a *app) runCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --profile P --mode M [USER ...] [--users FILE|-]",
		Short: "Reset users from a script, with the console's runner",
		Long: `Reset the given users in profile P with mode M (any case), one of
` + modesText() + `.

Users come from the arguments (everything after -- is a user id), from --users FILE (one
per line, or CSV whose first column is the user) or from stdin with --users -. Every id,
option and the login are checked before the first reset is sent; ids that name one
account (jdoe, JDOE, CORP\jdoe, its UPN or DN) are reset once, the others skipped
("same account as jdoe").

On a terminal run shows the plan (who is not sent and why, the quota, warnings) and asks
for confirmation; otherwise it needs --yes, and prints the plan on stderr. A run that
needs a second technician's approval (the profile's approval_over or approve) is refused
unless --wait-approval DURATION: the request is filed, an approver decides in the team
console (resetdesk serve on this host), and run goes on when approved; declined,
expired or not decided in time (the request withdrawn; Ctrl+C withdraws it too), it
exits 2.

--format json (the default off a terminal) prints one object per user, in input order,
as results arrive: {"user","name","status","secret","message","profile","mode",
"elapsed_ms"}, status one of ok, failed, unknown (the request went out and no answer
came: check the account, never retry blindly) or skipped (not sent). Ctrl+C stops
dispatching (requests in flight finish, the rest is skipped); a second Ctrl+C aborts the
requests in flight too.

Exit codes: 0 every user ok; 1 at least one user not ok; 2 a usage, config, secret or
login error — nothing was reset.`,
		Example: `  export RESETDESK_SECRET_ODIN_LAB_FILE=~/.config/resetdesk/odin-lab.secret
  resetdesk run -p odin-lab -m sip -y 9871515000@odinapi.net
  resetdesk run -p ad -m set -u users.csv --ticket INC-4711 -o out.csv
  resetdesk run -p webadm -m link --method MAIL --expires 24 -- jdoe
  resetdesk run -p ad -m set -u floor3.txt --wait-approval 30m`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.profile, "profile", "p", "", "profile to use (required)")
	fl.StringVarP(&f.mode, "mode", "m", "", "reset mode (required): "+modesText())
	fl.StringVarP(&f.usersFile, "users", "u", "", "read users from FILE (TXT one per line, or CSV: first column), - for stdin")
	fl.StringVarP(&f.format, "format", "f", "", "output: json (one object per line), csv or table (default: table on a terminal, else json)")
	fl.StringVarP(&f.output, "output", "o", "", "also write the results to FILE: .csv, .json or .jsonl (0600; never overwrites)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	fl.Var(&f.concurrency, "concurrency", "requests in flight at once, 1..64 (default: the profile's, else 4)")
	fl.StringVar(&f.ticket, "ticket", "", "ticket reference, kept in the history")
	fl.StringVar(&f.method, "method", "", "link delivery: MAIL, SMS, MAILSMS or NONE (webadm link)")
	fl.Var(&f.expires, "expires", "link validity in hours, 1..720 (webadm link)")
	fl.StringVar(&f.comments, "comments", "", "text added to the user's message (webadm link)")
	fl.BoolVar(&f.mustChange, "must-change", false, "the user must change the password at next logon, where the system offers it")
	fl.BoolVar(&f.unlock, "unlock", false, "unlock the account too, where the mode offers it (admanager set, generate)")
	fl.BoolVar(&f.passwordStdin, "password-stdin", false, "read the new password from stdin (a single user only)")
	fl.Var(&f.waitApproval, "wait-approval", "a run that needs a second technician's approval: file it and wait this long for an approver in the team console (10m, 1h)")
	_ = cmd.RegisterFlagCompletionFunc("profile", a.completeProfiles)
	_ = cmd.RegisterFlagCompletionFunc("mode", a.completeModes(&f.profile))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"json", "csv", "table"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("method", cobra.FixedCompletions([]string{"MAIL", "SMS", "MAILSMS", "NONE"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) run(cmd *cobra.Command, f runFlags, args []string) error {
	format, err := runFormat(f.format, a.env.StdoutTTY)
	if err != nil {
		return err
	}
	if err := checkOutputName(f.output); err != nil {
		return asUsage(err)
	}
	d, err := a.openDesk()
	if err != nil {
		return err
	}
	plan, err := a.planRun(cmd.Context(), f, args)
	if err != nil {
		return asUsage(err)
	}
	if err := a.review(plan, f); err != nil {
		return err
	}
	req := plan.Request
	p := req.Profile()
	record := report.Run{Profile: p.Name, Mode: req.Mode().Name, Ticket: sanitize.Line(req.Options().Ticket)}
	var out *outputFile
	if f.output != "" {
		if out, err = createOutput(f.output, record); err != nil {
			return usageErr("--output: %v", err)
		}
	}

	ctx, soft, stopSignals := signalContext(cmd.Context())
	defer stopSignals()
	h, err := d.Submit(ctx, plan)
	var w *desk.Watch
	var first desk.Update
	if err == nil {
		w = h.Watch()
		if h.Info().State == desk.StateWaiting {
			first, err = a.awaitApproval(soft, h, w, plan, f.waitApproval.d)
		}
	}
	if err != nil {
		if out != nil {
			out.discard()
		}
		return asUsage(fmt.Errorf("profile %s: %w", p.Name, err))
	}
	named := slices.ContainsFunc(plan.Users, func(u desk.PlanUser) bool { return u.Name != "" })
	fl := &follower{a: a, h: h, out: out, w: newOutcomeWriter(a.env.Stdout, format, record, named),
		results: make([]backends.Outcome, req.Len()), done: make([]bool, req.Len()), prog: a.startProgress(req.Len())}
	info := fl.follow(ctx, soft, w, first)
	if info.Started.IsZero() && info.Err != "" {
		// Approved, but it could not start (a refused login): nothing was sent.
		fl.prog.finish()
		if out != nil {
			out.discard()
		}
		return usageErr("profile %s: %s", p.Name, info.Err)
	}
	return fl.finish(f, format, info)
}

// runFormat is --format, or its default: a table on a terminal, JSON lines otherwise.
func runFormat(flag string, stdoutTTY bool) (string, error) {
	switch format := strings.ToLower(flag); format {
	case "json", "csv", "table":
		return format, nil
	case "":
		if stdoutTTY {
			return "table", nil
		}
		return "json", nil
	}
	return "", usageErr("--format %q: use json, csv or table", flag)
}

// progressInterval is how often the progress line is redrawn between outcomes (its rate
// and time left move on while a slow request is in flight).
const progressInterval = 250 * time.Millisecond

// startProgress starts the progress line on stderr when it is a terminal (nil, which
// draws nothing, otherwise: a script's log gets no carriage returns).
func (a *app) startProgress(total int) *progress {
	if !a.env.StderrTTY {
		return nil
	}
	a.prog = newProgress(a.env.Stderr, total, a.stderrWidth, time.Now, progressInterval)
	return a.prog
}

// planRun turns flags and arguments into the run's plan: the request checked, the ids
// looked up where the system can say who they name, the desk's facts. Nothing is sent.
func (a *app) planRun(ctx context.Context, f runFlags, args []string) (*desk.Plan, error) {
	var none *desk.Plan
	if f.profile == "" {
		return none, errors.New("--profile is required (see `resetdesk profiles`)")
	}
	if f.mode == "" {
		return none, errors.New("--mode is required")
	}
	if f.expires.set && f.expires.n <= 0 {
		return none, fmt.Errorf("--expires %d: must be a number of hours of at least 1", f.expires.n)
	}
	if f.concurrency.set && (f.concurrency.n < 1 || f.concurrency.n > runner.MaxConcurrency) {
		return none, fmt.Errorf("--concurrency %d: use 1..%d", f.concurrency.n, runner.MaxConcurrency)
	}
	d, err := a.openDesk()
	if err != nil {
		return none, err
	}
	p, err := d.Profile(f.profile)
	if err != nil {
		return none, err
	}
	users, err := a.readUsers(args, f.usersFile)
	if err != nil {
		return none, err
	}
	spec := runner.Spec{
		Mode:  f.mode,
		Users: users,
		Options: backends.Options{
			Method: strings.ToUpper(f.method), Expires: f.expires.n, Comments: f.comments,
			MustChange: f.mustChange, Unlock: f.unlock, Ticket: f.ticket,
		},
		Concurrency: f.concurrency.n,
	}
	if f.passwordStdin {
		if f.usersFile == "-" {
			return none, errors.New("--password-stdin and --users - both read stdin: give the users as arguments or a file")
		}
		if len(users) != 1 {
			return none, fmt.Errorf("--password-stdin sets one typed password and is refused for %d users: leave it out to generate a distinct password per user", len(users))
		}
	}
	// Check the mode, the ids and the options before asking the secret store or the
	// server anything.
	if err := runner.Check(p, spec); err != nil {
		return none, err
	}
	if f.passwordStdin {
		pw, err := readLine(a.env.Stdin, "--password-stdin")
		if err != nil {
			return none, err
		}
		spec.Password = pw
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute) // a vault prompt waits for the technician
	defer cancel()
	return d.Prepare(ctx, p, spec)
}

// readUsers gathers users from arguments and --users, in order, without duplicates.
func (a *app) readUsers(args []string, file string) ([]string, error) {
	var users []string
	seen := map[string]bool{}
	add := func(list []string) {
		for _, u := range list {
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
	}
	for _, arg := range args {
		if err := userlist.CheckUserID(arg); err != nil {
			return nil, fmt.Errorf("invalid user id, nothing sent: %s", sanitize.Line(err.Error()))
		}
	}
	add(args)
	if file != "" {
		var r io.Reader
		name := file
		if file == "-" {
			r, name = a.env.Stdin, "stdin"
		} else {
			fh, err := os.Open(file)
			if err != nil {
				return nil, fmt.Errorf("--users: cannot read %s: %v", file, store.UnwrapPath(err))
			}
			defer fh.Close()
			if st, err := fh.Stat(); err == nil && st.IsDir() {
				return nil, fmt.Errorf("--users: %s is a directory", file)
			}
			r = fh
		}
		list, bad, err := userlist.Parse(r)
		if err != nil {
			return nil, fmt.Errorf("--users %s: %v", name, store.UnwrapPath(err))
		}
		if len(bad) > 0 {
			return nil, fmt.Errorf("--users %s: %s", name, sanitize.Line(userlist.Refusal(bad, 3).Error()))
		}
		add(list)
	}
	if len(users) == 0 {
		return nil, errors.New("no users: give user ids as arguments or with --users FILE (- for stdin)")
	}
	return users, nil
}

// readLine reads one line from r: a secret given on stdin (the line break is not part
// of it).
func readLine(r io.Reader, what string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("%s: reading stdin: %v", what, err)
	}
	v := strings.TrimRight(line, "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s: stdin held nothing: pipe it in, or run on a terminal to be asked", what)
	}
	return v, nil
}
