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
}

func (a *app) runCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run --profile P --mode M [USER ...] [--users FILE|-]",
		Short: "Reset users from a script, with the console's runner",
		Long: `Reset the given users in profile P with mode M: odin sip|vm|web, admanager generate|set|unlock,
webadm link|set, emm set, prm generate (any case). Users come from the arguments (everything
after -- is a user id), from --users FILE (one per line, or CSV whose first column is the
user) or from stdin with --users -. Every id, option and the login are checked before the
first reset is sent; ids that name one account (jdoe, JDOE, CORP\jdoe, its UPN or DN) are
reset once, the others skipped ("same account as jdoe").

On a terminal run asks for confirmation; otherwise it needs --yes. --format json (the
default off a terminal) prints one object per user, in input order, as results arrive:
{"user", "name", "status", "secret", "message", "profile", "mode", "elapsed_ms"}, status one of ok,
failed, unknown (the request went out and no answer came: check the account, never retry
blindly) or skipped (not sent). Ctrl+C stops dispatching (requests in flight finish, the
rest is skipped); a second Ctrl+C aborts the requests in flight too.

Exit codes: 0 every user ok; 1 at least one user not ok; 2 a usage, config, secret or
login error — nothing was reset.`,
		Example: `  export RESETDESK_SECRET_ODIN_LAB_FILE=~/.config/resetdesk/odin-lab.secret
  resetdesk run -p odin-lab -m sip -y 9871515000@odinapi.net
  resetdesk run -p ad -m set -u users.csv --ticket INC-4711 -o out.csv
  resetdesk run -p webadm -m link --method MAIL --expires 24 -- jdoe`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.profile, "profile", "p", "", "profile to use (required)")
	fl.StringVarP(&f.mode, "mode", "m", "", "reset mode (required): odin sip|vm|web, admanager generate|set|unlock, webadm link|set, emm set, prm generate")
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
	req, err := a.prepareRequest(cmd.Context(), f, args)
	if err != nil {
		return asUsage(err)
	}
	p := req.Profile()
	// Before any question: a caller not verified on a required profile stops here.
	if _, err := d.RequireVerified(cmd.Context(), p, req.Users(), ""); err != nil {
		return asUsage(err)
	}
	if err := a.sayQuota(cmd.Context(), d, req); err != nil {
		return err
	}
	// A transport warning is said even with --yes: a script's log must show it.
	if w := p.TransportWarning(); w != "" {
		a.warnf("WARNING: profile %s: %s", p.Name, w)
	}
	if !f.yes {
		if !a.env.StdinTTY || f.usersFile == "-" || f.passwordStdin {
			return usageErr("stdin is not a terminal to confirm on: add --yes to reset %d user(s) without asking", req.Len())
		}
		if !a.confirm(req) {
			return usageErr("cancelled: nothing was sent")
		}
	}
	record := report.Run{Profile: p.Name, Mode: req.Mode().Name, Ticket: sanitize.Line(req.Options().Ticket)}
	var out *outputFile
	if f.output != "" {
		if out, err = createOutput(f.output, record); err != nil {
			return usageErr("--output: %v", err)
		}
	}

	ctx, soft, stopSignals := signalContext(cmd.Context())
	defer stopSignals()
	prog := a.startProgress(req.Len())
	run, err := d.Start(ctx, req, func(s string) { a.warnf("%s", s) })
	if err != nil {
		prog.finish()
		if out != nil {
			out.discard()
		}
		return usageErr("profile %s: %v", p.Name, err)
	}
	go func() {
		select {
		case <-soft:
			prog.hold(func() {
				fmt.Fprintln(a.env.Stderr, "resetdesk: stopping: requests in flight finish, the rest are skipped (interrupt again to abort them)")
			})
			run.Stop()
		case <-ctx.Done():
		}
	}()
	w := newOutcomeWriter(a.env.Stdout, format, record, slices.ContainsFunc(req.Accounts(), func(a backends.Account) bool { return a.Name != "" }))
	tally, closed := printOutcomes(run, req.Len(), w, out, prog)
	if out != nil {
		if err := out.close(); err != nil {
			a.warnf("--output %s: %v (the journal has every new secret: resetdesk recover)", f.output, err)
			closed = err
		}
	}
	if closed != nil {
		a.warnf("the output was closed (%v): dispatching stopped; every new secret is in `resetdesk recover`", closed)
		return exitCode(ExitSome)
	}
	return a.runSummary(run, tally, req.Len(), format)
}

// runSummary says on stderr how the run went (the counts, unless stdout is JSON lines
// for a program; why it stopped itself; what unknown means) and gives the exit code.
func (a *app) runSummary(run *runner.Run, tally backends.Tally, total int, format string) error {
	if a.env.StdoutTTY || format != "json" {
		fmt.Fprintf(a.env.Stderr, "%d ok, %d failed, %d unknown, %d skipped\n", tally.OK, tally.Failed, tally.Unknown, tally.Skipped)
	}
	if why := run.Halted(); why != "" {
		a.warnf("the run stopped itself: %s", strings.TrimPrefix(why, "not sent: "))
	}
	if tally.Unknown > 0 {
		a.warnf("%d user(s) unknown: the request went out and no answer came; check those accounts before retrying", tally.Unknown)
	}
	if tally.OK == total {
		return nil
	}
	return exitCode(ExitSome)
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

// sayQuota tells, on stderr, what is left of a profile's daily quota and what of the run
// it lets through; a quota that is spent, or cannot be counted, refuses the run.
func (a *app) sayQuota(ctx context.Context, d *desk.Desk, req runner.Request) error {
	p := req.Profile()
	left, has, err := d.QuotaLeft(ctx, p)
	switch {
	case err != nil:
		return usageErr("profile %s: cannot count today's use of the daily quota, nothing sent: %v", p.Name, err)
	case !has:
		return nil
	case left == 0:
		return usageErr("profile %s: the daily quota of %d successful resets is spent: nothing sent", p.Name, p.DailyQuota)
	}
	msg := fmt.Sprintf("daily quota: %d of %d left; this run uses up to %d", left, p.DailyQuota, min(left, req.Sends()))
	if left < req.Sends() {
		msg += fmt.Sprintf("; the %d user(s) past it will be skipped, never sent", req.Sends()-left)
	}
	fmt.Fprintln(a.env.Stderr, msg)
	return nil
}

// printOutcomes prints the run's final outcomes in input order as they arrive (to
// stdout and --output), under the progress line, and counts them. A stdout that closes
// (`| head -1`) stops the run: what is in flight finishes into the journal.
func printOutcomes(run *runner.Run, total int, w *outcomeWriter, out *outputFile, prog *progress) (tally backends.Tally, closed error) {
	results := make([]backends.Outcome, total)
	done := make([]bool, total)
	next := 0
	for o := range run.Outcomes() {
		if !o.Status.Final() {
			continue
		}
		results[o.Index], done[o.Index] = o, true
		tally.Add(o)
		// Everything up to the first user still pending.
		for next < len(done) && done[next] {
			if out != nil {
				out.write(results[next])
			}
			if closed == nil {
				prog.hold(func() { closed = w.write(results[next]) })
				if closed != nil {
					run.Stop()
				}
			}
			next++
		}
		prog.add(o)
	}
	prog.finish()
	w.flush()
	return tally, closed
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

// prepareRequest turns flags and arguments into a checked request; nothing is sent.
func (a *app) prepareRequest(ctx context.Context, f runFlags, args []string) (runner.Request, error) {
	var none runner.Request
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
	b, err := d.Open(ctx, p)
	if err != nil {
		return none, err
	}
	// Who the ids name, asked of the system where it can say (nothing is changed).
	return runner.Prepare(ctx, b, p, spec)
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

// confirm shows what is about to happen and asks on the terminal.
func (a *app) confirm(req runner.Request) bool {
	p := req.Profile()
	fmt.Fprintf(a.env.Stderr, "Reset %s for %d user(s) in profile %s (%s, %s)", req.Mode().Label, req.Sends(), p.Name, p.Kind, sanitize.Line(p.URL))
	if n := req.Len() - req.Sends(); n > 0 {
		fmt.Fprintf(a.env.Stderr, " (%d more not sent: another spelling of an account in the run, or not found)", n)
	}
	if w := p.TransportWarning(); w != "" {
		fmt.Fprint(a.env.Stderr, " — WARNING: "+w)
	}
	fmt.Fprint(a.env.Stderr, "? [y/N] ")
	line, _ := bufio.NewReader(a.env.Stdin).ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}
