// Package cli is resetdesk's command line: one command table (cobra, styled by fang)
// for the console, `run`, `serve` and the commands around them. Every command builds
// one desk.Desk and calls its methods: the console, `run` and `serve` share the session
// and the runner.
//
// Exit codes: 0 every user ok (or the command did what it was asked), 1 some user not ok
// (or something asked for was not found), 2 a usage, config, secret or login error, when
// nothing was reset. A code of 2 never follows a reset.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	_ "resetdesk/backends/all" // every kind
	"resetdesk/desk"
	"resetdesk/sanitize"
	"resetdesk/ui"
)

// Exit codes.
const (
	ExitOK    = 0 // every user ok
	ExitSome  = 1 // some user not ok
	ExitUsage = 2 // usage, config or login error: nothing was reset
)

// version is set at build time with -ldflags "-X resetdesk/cli.version=...".
var version = ""

// vaultWorkFactor, set at link time (-ldflags "-X resetdesk/cli.vaultWorkFactor=10"),
// lowers the scrypt cost of new encrypted secrets files: the end-to-end tests build the
// binary so, to spend their time on what they test. A release leaves it empty.
var vaultWorkFactor = ""

// Env is what a command runs with: its streams and environment. Tests give their own, so
// that commands run in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	StdinTTY       bool
	StdoutTTY      bool
	StderrTTY      bool
	// StderrWidth is the columns of the terminal on stderr (nil or 0: 80).
	StderrWidth func() int
	Getenv      func(string) string
}

// OSEnv is the process's own streams and environment.
func OSEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		StderrWidth: func() int {
			w, _, _ := term.GetSize(int(os.Stderr.Fd()))
			return w
		},
		Getenv: os.Getenv,
	}
}

// stderrWidth is the columns of the terminal on stderr.
func (a *app) stderrWidth() int {
	if a.env.StderrWidth != nil {
		if w := a.env.StderrWidth(); w > 0 {
			return w
		}
	}
	return 80
}

// exitError carries a command's exit code; err, when set, is printed on stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr is a refusal before anything was done: exit 2 with the message.
func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// asUsage makes err a usage error (exit 2) unless it already carries a code.
func asUsage(err error) error {
	var e *exitError
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &exitError{code: ExitUsage, err: err}
}

// exitCode is a bare exit code (the command printed what it had to say).
func exitCode(code int) error {
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code}
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	hardenProcess()
	a := &app{env: env}
	a.workFactor, _ = strconv.Atoi(vaultWorkFactor)
	defer a.close()
	return a.main(ctx, args)
}

// main runs args on a; the desk it opened stays open until a.close (tests inspect it).
func (a *app) main(ctx context.Context, args []string) int {
	env := a.env
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	out := env.Stdout
	if !env.StdoutTTY {
		// fang pads help to its width (120 off a terminal): a file or a pipe gets the
		// lines without the padding.
		t := &trailingSpaceTrimmer{w: env.Stdout}
		defer t.flush()
		out = t
	}
	root.SetOut(out)
	root.SetErr(env.Stderr)
	err := fang.Execute(ctx, root,
		fang.WithVersion(versionString()),
		fang.WithoutManpage(), // our own `man`: fang's garbles the title and splits every line into a paragraph
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) {
			var e *exitError
			if errors.As(err, &e) && e.err == nil {
				return
			}
			// Errors carry server and file text: stripped of control sequences here, once.
			fmt.Fprintln(w, "resetdesk: "+sanitize.Text(err.Error()))
		}),
	)
	if err == nil {
		return ExitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitUsage // cobra's own refusals: an unknown flag, a missing argument
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// app is one invocation: the environment, the global flags and the desk the command
// works at, built on first use.
type app struct {
	env        Env
	configPath string
	demo       bool
	debug      bool

	desk *desk.Desk
	// workFactor is the scrypt cost of a new vault (0: the default); tests lower it.
	workFactor int
	// unlockNotice says "unlocking…" once the vault's passphrase is typed (the console).
	unlockNotice bool
	// consoleOwnsTerminal is set while the console draws: nothing may prompt then.
	consoleOwnsTerminal bool
	// prog is run's progress line on stderr, once started (nil: none); notices and
	// warnings are written around it.
	prog *progress
	// consoleNotices takes the desk's notices while the console runs (it shows them).
	consoleNotices *ui.Notices
}

func (a *app) getenv(k string) string {
	if a.env.Getenv == nil {
		return ""
	}
	return a.env.Getenv(k)
}

func (a *app) close() {
	if a.desk != nil {
		a.desk.Close()
	}
}

// openDesk builds the desk from the global flags, once.
func (a *app) openDesk() (*desk.Desk, error) {
	if a.desk != nil {
		return a.desk, nil
	}
	d, err := desk.New(desk.Options{
		ConfigPath: a.configPath,
		Demo:       a.demo,
		Getenv:     a.getenv,
		Passphrase: a.vaultPassphrase,
		Notice:     a.deskNotice,
		Debug:      a.debugLog(),

		VaultWorkFactor: a.workFactor,
	})
	if err != nil {
		return nil, asUsage(err)
	}
	a.desk = d
	return d, nil
}

// deskNotice is a notice of the desk: shown by the console while it owns the terminal,
// else printed.
func (a *app) deskNotice(s string) {
	if a.consoleNotices != nil {
		a.consoleNotices.Notice(s)
		return
	}
	a.notice(s)
}

// notice prints a one-line notice on stderr (under a run's progress line, if any).
func (a *app) notice(s string) {
	a.prog.hold(func() { fmt.Fprintln(a.env.Stderr, "resetdesk: "+sanitize.Line(s)) })
}

// warnf prints a warning on stderr (the run goes on).
func (a *app) warnf(format string, args ...any) {
	a.prog.hold(func() { fmt.Fprintln(a.env.Stderr, "resetdesk: "+sanitize.Text(fmt.Sprintf(format, args...))) })
}

// rootCommand is the command table.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "resetdesk",
		Short: "Reset passwords in " + systemsText(),
		Long: `resetdesk is a helpdesk console for password resets: pick a profile (a configured
system), find or paste the users, choose what to reset, confirm, and watch the results
arrive; then hand the new secrets over, revealed on screen or copied through OSC 52.

With no command it opens the console. ` + "`resetdesk run`" + ` serves scripts with the same runner.`,
		Example: `  resetdesk --demo              # the console on simulated back ends
  resetdesk                     # the console on your config's profiles
  resetdesk run -p odin-lab -m sip 9871515000@odinapi.net
  resetdesk help environment    # every environment variable`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.console(cmd.Context())
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (else $RESETDESK_CONFIG, else $XDG_CONFIG_HOME/resetdesk/config.toml)")
	pf.BoolVar(&a.demo, "demo", false, "use the built-in simulated back ends and their demo profiles")
	pf.BoolVar(&a.debug, "debug", false, "log each request (method, path, status, time) to stderr, secrets redacted (also RESETDESK_DEBUG=1)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		if msg := givenTwice(err); msg != "" {
			return usageErr("%s", msg)
		}
		if strings.Contains(err.Error(), `"--password-stdin"`) {
			// Its value may be the password typed where it does not belong: never quote it.
			return usageErr("--password-stdin takes no value: the password is read from stdin (see --help)")
		}
		return usageErr("%v (see --help)", err)
	})
	root.AddGroup(&cobra.Group{ID: "reset", Title: "Resetting"}, &cobra.Group{ID: "admin", Title: "Profiles, secrets and records"})
	for _, c := range []*cobra.Command{a.runCommand(), a.verifyCommand(), a.serveCommand()} {
		c.GroupID = "reset"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.profilesCommand(), a.checkCommand(), a.credsCommand(), a.historyCommand(), a.recoverCommand(), a.versionCommand(), a.manCommand()} {
		c.GroupID = "admin"
		root.AddCommand(c)
	}
	root.AddCommand(environmentTopic())
	root.SetHelpCommandGroupID("admin")
	root.SetCompletionCommandGroupID("admin")
	refuseRepeatedFlags(root)
	return root
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "resetdesk %s\n", versionString())
			return nil
		},
	}
}

// debugLog is where --debug (or RESETDESK_DEBUG=1) lines go: stderr, one request a line,
// already redacted by the desk. nil when debugging is off.
func (a *app) debugLog() func(string) {
	if !a.debug && a.getenv("RESETDESK_DEBUG") != "1" {
		return nil
	}
	return func(line string) { fmt.Fprintln(a.env.Stderr, "resetdesk: debug: "+sanitize.Line(line)) }
}
