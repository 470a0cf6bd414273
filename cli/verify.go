package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/sanitize"
	"resetdesk/store"
)

// verifyFlags are the flags of `resetdesk verify`.
type verifyFlags struct {
	profile, method, ticket string
}

func (a *app) verifyCommand() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify -p PROFILE USER [--method mail|sms|callback]",
		Short: "Verify a caller: a one-time code to the mail or mobile on file, read back",
		Long: `Verify that the caller is the person behind USER before a reset: a 6-digit code goes to the
mail address or mobile number the account's own system holds (or the profile's directory
profile's), and the caller reads it back; or, with --method callback, you call the number on
file back and confirm that you reached them. Destinations are shown masked.

The code is read from the terminal (wrong codes count down), or from the first line of stdin
when stdin is not a terminal. It is never logged and never in the history, which records
every event: code sent (where, masked), passed, failed, expired, out of attempts, callback.

On a profile with verify = "required", ` + "`resetdesk run`" + ` resets only users you verified within
[verify] valid_for (default 15m).

Exit codes: 0 verified; 1 not verified (wrong code, expired, out of attempts, callback not
confirmed); 2 a usage or config error, no address on file, or the code could not be sent.`,
		Example: `  resetdesk verify -p adm-lab jdoe
  resetdesk verify -p adm-lab jdoe --method sms --ticket INC-4711
  resetdesk verify -p odin-lab 9871515000@odinapi.net --method callback`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verify(cmd.Context(), f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.profile, "profile", "p", "", "profile of the account (required)")
	fl.StringVar(&f.method, "method", "", "mail, sms or callback (default: the first the account has: mail, sms, callback)")
	fl.StringVar(&f.ticket, "ticket", "", "ticket reference, kept in the history with the verification")
	_ = cmd.RegisterFlagCompletionFunc("profile", a.completeProfiles)
	_ = cmd.RegisterFlagCompletionFunc("method", cobra.FixedCompletions([]string{backends.VerifyMail, backends.VerifySMS, backends.VerifyCallback}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) verify(ctx context.Context, f verifyFlags, args []string) error {
	if f.profile == "" {
		return usageErr("--profile is required (see `resetdesk profiles`)")
	}
	if len(args) != 1 {
		return usageErr("give one user to verify (got %d)", len(args))
	}
	method := strings.ToLower(strings.TrimSpace(f.method))
	switch method {
	case "", backends.VerifyMail, backends.VerifySMS, backends.VerifyCallback:
	default:
		return usageErr("--method %q: use mail, sms or callback", f.method)
	}
	d, err := a.openDesk()
	if err != nil {
		return err
	}
	p, err := d.Profile(f.profile)
	if err != nil {
		return asUsage(err)
	}
	lookup, cancel := storeContext(ctx)
	defer cancel()
	c, err := d.Caller(lookup, p, args[0])
	if err != nil {
		return asUsage(err)
	}
	o, ok := verify.Pick(c.Options, method)
	if !ok {
		return usageErr("%s has no way to be verified by %s: the ways on file are %s", sanitize.Line(c.User), method, optionLabels(c.Options))
	}
	who := sanitize.Line(c.User)
	if c.Name != "" {
		who += " (" + c.Name + ")"
	}
	fmt.Fprintf(a.env.Stderr, "Verifying %s, profile %s. On file: %s.\n", who, p.Name, optionLabels(c.Options))
	if o.Method == backends.VerifyCallback {
		return a.attestCallback(ctx, d, c, o, f.ticket)
	}
	sent, err := d.SendCode(ctx, c, o.Method, f.ticket)
	if err != nil {
		return asUsage(err)
	}
	if sent.Demo != "" {
		fmt.Fprintln(a.env.Stderr, sent.Demo)
	}
	fmt.Fprintf(a.env.Stderr, "Code sent: %s. Valid until %s, %d tries. Ask the caller to read it back.\n",
		o.Label(), sent.Expires.Local().Format("15:04"), sent.Attempts)
	return a.readBack(ctx, d, c)
}

func optionLabels(opts []verify.Option) string {
	var labels []string
	for _, o := range opts {
		labels = append(labels, o.Label())
	}
	if len(labels) == 0 {
		return "nothing"
	}
	return strings.Join(labels, ", ")
}

// readBack takes the code the caller reads back: on a terminal until it passes or runs
// out (each wrong one counts down), else the first line of stdin, once.
func (a *app) readBack(ctx context.Context, d *desk.Desk, c desk.Caller) error {
	in := bufio.NewReader(io.LimitReader(a.env.Stdin, 4096))
	for {
		if a.env.StdinTTY {
			fmt.Fprint(a.env.Stderr, "Code read back by the caller: ")
		}
		line, err := in.ReadString('\n')
		typed := strings.TrimSpace(line)
		if typed == "" && err != nil {
			fmt.Fprintln(a.env.Stdout, "not verified: no code was read back")
			return exitCode(ExitSome)
		}
		got, cerr := d.CheckCode(ctx, c, typed)
		if errors.Is(cerr, desk.ErrNoCode) {
			return asUsage(cerr)
		}
		if cerr != nil {
			a.warnf("%v", cerr)
		}
		switch got.Outcome {
		case verify.Passed:
			if cerr != nil {
				return exitCode(ExitSome)
			}
			fmt.Fprintf(a.env.Stdout, "verified: %s by %s code to %s; resets of %s by you may go ahead until %s\n",
				sanitize.Line(c.User), got.Sent.Method, got.Sent.Destination, sanitize.Line(c.User),
				time.Now().Add(d.VerifySettings().ValidFor).Local().Format("15:04"))
			return nil
		case verify.Wrong:
			if !a.env.StdinTTY {
				fmt.Fprintf(a.env.Stdout, "not verified: wrong code (%d tries left: run again and type it)\n", got.Left)
				return exitCode(ExitSome)
			}
			fmt.Fprintf(a.env.Stderr, "Wrong code: %d %s left.\n", got.Left, plural(got.Left, "try", "tries"))
			continue
		case verify.Expired:
			fmt.Fprintln(a.env.Stdout, "not verified: the code expired; send a new one")
		case verify.Exhausted:
			fmt.Fprintln(a.env.Stdout, "not verified: out of attempts; send a new code, or verify by callback")
		}
		return exitCode(ExitSome)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// attestCallback has the technician call the number on file back and say whether they
// reached the caller: yes on the terminal, or "yes" as the first line of stdin.
func (a *app) attestCallback(ctx context.Context, d *desk.Desk, c desk.Caller, o verify.Option, ticket string) error {
	fmt.Fprintf(a.env.Stderr, "Call %s back on %s — the number on file, never one the caller gives you.\n", sanitize.Line(c.User), o.Shown)
	if a.env.StdinTTY {
		fmt.Fprint(a.env.Stderr, "Did you reach them on that number? [y/N] ")
	}
	line, _ := bufio.NewReader(io.LimitReader(a.env.Stdin, 4096)).ReadString('\n')
	if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
		fmt.Fprintln(a.env.Stdout, "not verified: the callback was not confirmed")
		return exitCode(ExitSome)
	}
	if _, err := d.AttestCallback(ctx, c, ticket); err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(a.env.Stdout, "verified: %s by callback to %s; resets of %s by you may go ahead until %s\n", sanitize.Line(c.User), o.Shown,
		sanitize.Line(c.User), time.Now().Add(d.VerifySettings().ValidFor).Local().Format("15:04"))
	return nil
}

// verifySecretLabel names the secrets of the [verify] table, which `creds` keeps beside
// the profiles' under their own accounts (smtp, sms).
func verifySecretLabel(account string) (string, bool) {
	switch account {
	case store.SMTPAccount:
		return "mail relay password", true
	case store.SMSAccount:
		return "SMS gateway token", true
	}
	return "", false
}
