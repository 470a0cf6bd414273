package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"resetdesk/backends"
	"resetdesk/sanitize"
	"resetdesk/store"
)

func init() { commands["run"] = cmdRun }

// runFlags are the flags of `resetdesk run`.
type runFlags struct {
	profile, mode, usersFile, format, ticket, method, comments string
	yes, mustChange, passwordStdin                             bool
	concurrency, expires                                       int
}

func cmdRun(a *app, args []string) int {
	var f runFlags
	fs := a.newFlags("run")
	fs.StringVar(&f.profile, "profile", "", "profile to use (required)")
	fs.StringVar(&f.mode, "mode", "", "reset mode (required): odin sip|vm|web, admanager generate|set, webadm link|set, emm set, prm generate")
	fs.StringVar(&f.usersFile, "users", "", "read users from FILE (TXT one per line, or CSV: first column), - for stdin")
	fs.StringVar(&f.format, "format", "", "output: json (one object per line), csv or table (default: table on a terminal, else json)")
	fs.BoolVar(&f.yes, "yes", false, "do not ask for confirmation (required when stdin is not a terminal)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "requests in flight at once (default: the profile's, else 4)")
	fs.StringVar(&f.ticket, "ticket", "", "ticket reference, kept in the history")
	fs.StringVar(&f.method, "method", "", "link delivery: MAIL, SMS, MAILSMS or NONE (webadm link)")
	fs.IntVar(&f.expires, "expires", 0, "link validity in hours, 1..720 (webadm link)")
	fs.StringVar(&f.comments, "comments", "", "text added to the user's message (webadm link)")
	fs.BoolVar(&f.mustChange, "must-change", false, "the user must change the password at next logon, where the system offers it")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the new password from stdin (a single user only)")
	positional, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	// Options use 0 for "left out": a value typed on the command line must be in range.
	var bad error
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "expires" && f.expires <= 0 {
			bad = fmt.Errorf("--expires %d: must be a number of hours of at least 1", f.expires)
		}
	})
	if bad != nil {
		a.errorf("%v", bad)
		return exitUsage
	}

	job, p, err := a.prepareJob(f, positional)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	format := strings.ToLower(f.format)
	if format == "" {
		format = "json"
		if a.stdoutTTY {
			format = "table"
		}
	}
	if format != "json" && format != "csv" && format != "table" {
		a.errorf("--format %q: use json, csv or table", f.format)
		return exitUsage
	}
	if left, has, err := a.quotaLeft(p); err != nil {
		a.errorf("profile %s: cannot count today's use of the daily quota, nothing sent: %v", p.Name, err)
		return exitUsage
	} else if has {
		if left == 0 {
			a.errorf("profile %s: the daily quota of %d successful resets is spent: nothing sent", p.Name, p.DailyQuota)
			return exitUsage
		}
		fmt.Fprintf(a.stderr, "daily quota: %d of %d left; this run uses up to %d", left, p.DailyQuota, min(left, len(job.Users)))
		if left < len(job.Users) {
			fmt.Fprintf(a.stderr, "; the %d user(s) past it will be skipped, never sent", len(job.Users)-left)
		}
		fmt.Fprintln(a.stderr)
	}
	if !f.yes {
		if !a.stdinTTY || f.usersFile == "-" || f.passwordStdin {
			a.errorf("stdin is not a terminal to confirm on: add --yes to reset %d user(s) without asking", len(job.Users))
			return exitUsage
		}
		if !a.confirm(p, job) {
			a.errorf("cancelled: nothing was sent")
			return exitUsage
		}
	}

	finish, err := a.prepareRun(p, job, a.warn)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	ctx, soft, stopSignals := signalContext(a.ctx)
	defer stopSignals()
	run, err := backends.Start(ctx, *job)
	if err != nil {
		a.errorf("profile %s: %v", p.Name, err)
		if finish != nil {
			finish(backends.SkippedAll(job.Users, "not sent: "+err.Error())) // the history keeps the attempt
		}
		return exitUsage
	}
	go func() {
		select {
		case <-soft:
			fmt.Fprintln(a.stderr, "resetdesk: stopping: requests in flight finish, the rest are skipped (interrupt again to abort them)")
			run.Stop()
		case <-ctx.Done():
		}
	}()
	out := newOutcomeWriter(a.stdout, format, p.Name, job.Mode.Name)
	results := make([]backends.Outcome, len(job.Users))
	done := make([]bool, len(job.Users))
	next := 0
	var tally backends.Tally
	for o := range run.Outcomes() {
		if !o.Status.Final() {
			continue
		}
		results[o.Index], done[o.Index] = o, true
		tally.Add(o)
		// Print in input order: everything up to the first user still pending.
		for next < len(done) && done[next] {
			out.write(results[next])
			next++
		}
	}
	out.flush()
	if finish != nil {
		finish(results)
	}
	if a.stdoutTTY || format != "json" {
		fmt.Fprintf(a.stderr, "%d ok, %d failed, %d unknown, %d skipped\n", tally.OK, tally.Failed, tally.Unknown, tally.Skipped)
	}
	if tally.Unknown > 0 {
		fmt.Fprintf(a.stderr, "resetdesk: %d user(s) unknown: the request went out and no answer came; check those accounts before retrying\n", tally.Unknown)
	}
	if tally.OK == len(job.Users) {
		return exitOK
	}
	return exitSome
}

// prepareJob turns flags and arguments into a validated job; nothing is sent here.
func (a *app) prepareJob(f runFlags, positional []string) (*backends.Job, backends.Profile, error) {
	var p backends.Profile
	if f.profile == "" {
		return nil, p, fmt.Errorf("--profile is required")
	}
	if f.mode == "" {
		return nil, p, fmt.Errorf("--mode is required")
	}
	cfg, err := a.config()
	if err != nil {
		return nil, p, err
	}
	p, err = cfg.Profile(f.profile)
	if err != nil {
		return nil, p, err
	}
	kind, ok := backends.Lookup(p.Kind)
	if !ok {
		return nil, p, fmt.Errorf("profile %s: unknown kind %q", p.Name, p.Kind)
	}
	mode, err := backends.FindMode(kind.Modes, f.mode)
	if err != nil {
		return nil, p, fmt.Errorf("profile %s (%s): %v", p.Name, kind.Name, err)
	}
	users, err := a.readUsers(positional, f.usersFile)
	if err != nil {
		return nil, p, err
	}
	job := &backends.Job{
		Mode:  mode,
		Users: users,
		Options: backends.Options{
			Method: strings.ToUpper(f.method), Expires: f.expires, Comments: f.comments,
			MustChange: f.mustChange, Ticket: f.ticket,
		},
		Concurrency: p.Concurrency,
		RateLimit:   p.RateLimit,
		Timeout:     p.Timeout,
	}
	if f.concurrency != 0 {
		if f.concurrency < 1 || f.concurrency > backends.MaxConcurrency {
			return nil, p, fmt.Errorf("--concurrency %d: use 1..%d", f.concurrency, backends.MaxConcurrency)
		}
		job.Concurrency = f.concurrency
	}
	if f.passwordStdin {
		if f.usersFile == "-" {
			return nil, p, fmt.Errorf("--password-stdin and --users - both read stdin: give the users as arguments or a file")
		}
		if len(users) != 1 {
			return nil, p, fmt.Errorf("--password-stdin sets one typed password and is refused for %d users: leave it out to generate a distinct password per user", len(users))
		}
		if !mode.TypedPassword {
			return nil, p, fmt.Errorf("mode %s does not take a typed password: the system generates it", mode.Name)
		}
		pw, err := a.readPassword()
		if err != nil {
			return nil, p, err
		}
		job.Password = pw
	}
	// Check ids and options before asking the secret store or the server anything.
	if err := backends.ValidateOptions(mode, job.Options); err != nil {
		return nil, p, err
	}
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	b, err := a.openBackend(ctx, cfg, p)
	if err != nil {
		return nil, p, err
	}
	job.Backend = b
	if err := job.Validate(); err != nil {
		return nil, p, fmt.Errorf("%s", sanitize.Line(err.Error()))
	}
	return job, p, nil
}

// readUsers gathers users from arguments and --users, in order, without duplicates.
func (a *app) readUsers(positional []string, file string) ([]string, error) {
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
	for _, arg := range positional {
		if err := backends.CheckUserID(arg); err != nil {
			return nil, fmt.Errorf("invalid user id, nothing sent: %s", sanitize.Line(err.Error()))
		}
	}
	add(positional)
	if file != "" {
		var r io.Reader
		name := file
		if file == "-" {
			r, name = a.stdin, "stdin"
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
		list, bad, err := backends.ParseUsers(r)
		if err != nil {
			return nil, fmt.Errorf("--users %s: %v", name, err)
		}
		if len(bad) > 0 {
			msgs := make([]string, 0, 3)
			for i, b := range bad {
				if i == 3 {
					msgs = append(msgs, fmt.Sprintf("and %d more", len(bad)-3))
					break
				}
				msgs = append(msgs, sanitize.Line(b.String()))
			}
			return nil, fmt.Errorf("--users %s: %d invalid user id(s), nothing sent: %s", name, len(bad), strings.Join(msgs, "; "))
		}
		add(list)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("no users: give user ids as arguments or with --users FILE (- for stdin)")
	}
	return users, nil
}

// readPassword reads one line from stdin: the typed password for --password-stdin.
func (a *app) readPassword() (string, error) {
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("--password-stdin: %v", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-stdin: stdin held no password")
	}
	return pw, nil
}

// confirm shows what is about to happen and asks on the terminal.
func (a *app) confirm(p backends.Profile, job *backends.Job) bool {
	what := job.Mode.Label
	fmt.Fprintf(a.stderr, "Reset %s for %d user(s) in profile %s (%s, %s)", what, len(job.Users), p.Name, p.Kind, sanitize.Line(p.URL))
	if w := p.TransportWarning(); w != "" {
		fmt.Fprint(a.stderr, " — WARNING: "+w)
	}
	fmt.Fprint(a.stderr, "? [y/N] ")
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}

// outcomeWriter prints final outcomes as JSON lines, CSV or an aligned table.
type outcomeWriter struct {
	format, profile, mode string
	w                     io.Writer
	csv                   *csv.Writer
	tab                   *tabwriter.Writer
	enc                   *json.Encoder
}

func newOutcomeWriter(w io.Writer, format, profile, mode string) *outcomeWriter {
	ow := &outcomeWriter{format: format, profile: profile, mode: mode, w: w}
	switch format {
	case "csv":
		ow.csv = csv.NewWriter(w)
		_ = ow.csv.Write(backends.ReportCSVHeader)
	case "table":
		ow.tab = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(ow.tab, "USER\tSTATUS\tSECRET\tMESSAGE\tELAPSED")
	default:
		ow.enc = json.NewEncoder(w)
		ow.enc.SetEscapeHTML(false)
	}
	return ow
}

func (ow *outcomeWriter) write(o backends.Outcome) {
	msg := sanitize.Line(o.Message)
	switch ow.format {
	case "csv":
		_ = ow.csv.Write(backends.NewReport(o, ow.profile, ow.mode, msg).CSV())
		ow.csv.Flush()
	case "table":
		secret := o.Secret
		if !sanitize.Safe(secret) {
			secret = strconv.Quote(secret)
		}
		fmt.Fprintf(ow.tab, "%s\t%s\t%s\t%s\t%s\n", sanitize.Line(o.User), o.Status, secret, msg, o.Elapsed.Round(time.Millisecond))
	default:
		_ = ow.enc.Encode(backends.NewReport(o, ow.profile, ow.mode, msg))
	}
}

func (ow *outcomeWriter) flush() {
	if ow.tab != nil {
		_ = ow.tab.Flush()
	}
	if ow.csv != nil {
		ow.csv.Flush()
	}
}
