// Command resetdesk is a terminal helpdesk console for password resets in Odin
// (BroadWorks), ADManager Plus, WebADM, WSO2 EMM and the Password Reset Module. With no
// command it opens the console; `run` serves scripts with the same runner.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"

	"resetdesk/backends"
	_ "resetdesk/backends/all" // every kind
	"resetdesk/backends/demo"
	"resetdesk/backends/httpx"
	"resetdesk/sanitize"
	"resetdesk/store"
)

// Exit codes.
const (
	exitOK    = 0 // every user ok
	exitSome  = 1 // some user not ok
	exitUsage = 2 // usage, config or login error: nothing was reset
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// app is one invocation: its streams, environment and global flags. Commands take it so
// that tests can run them in-process.
type app struct {
	ctx        context.Context
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	stdinTTY   bool
	stdoutTTY  bool
	getenv     func(string) string
	configPath string
	demo       bool

	cfg     *store.Config
	demoEnv *demo.Env

	storeMu sync.Mutex
	store   store.SecretStore // the configured secret store, built once (configuredStore)
	// consoleOwnsTerminal is set while the console draws: nothing may prompt on the
	// terminal then.
	consoleOwnsTerminal bool
}

// commands are the subcommands; files add theirs from init.
var commands = map[string]func(a *app, args []string) int{}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{
		ctx: ctx, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		getenv:    os.Getenv,
	}
	code := a.main(os.Args[1:])
	cancel()
	a.close()
	os.Exit(code)
}

func (a *app) close() {
	if a.demoEnv != nil {
		a.demoEnv.Close()
	}
}

// globalFlags adds the flags every command takes.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "config file (else $RESETDESK_CONFIG, else $XDG_CONFIG_HOME/resetdesk/config.toml)")
	fs.BoolVar(&a.demo, "demo", a.demo, "use the built-in simulated back ends and demo profiles")
}

func (a *app) main(args []string) int {
	fs := flag.NewFlagSet("resetdesk", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.globalFlags(fs)
	showVersion := fs.Bool("version", false, "print the version")
	fs.Usage = func() { a.usage() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *showVersion {
		return cmdVersion(a, nil)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return cmdConsole(a, nil)
	}
	name := rest[0]
	cmd, ok := commands[name]
	if !ok {
		if name == "help" {
			a.usage()
			return exitOK
		}
		fmt.Fprintf(a.stderr, "resetdesk: unknown command %q\n", name)
		a.usage()
		return exitUsage
	}
	return cmd(a, rest[1:])
}

func (a *app) usage() {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(a.stderr, `usage:
  resetdesk [--config FILE] [--demo]            the console
  resetdesk run --profile P --mode M [USER ...] [--users FILE|-] [--format json|csv|table] [--yes]
                [--concurrency N] [--ticket REF] [--method MAIL|SMS|MAILSMS|NONE] [--expires HOURS]
                [--comments TEXT] [--must-change] [--password-stdin]
  resetdesk creds set|delete|status P
  resetdesk profiles | check P | history [--user U] [--since D] | recover | version
commands: %s
exit codes: 0 every user ok, 1 some user not ok, 2 usage, config or login error (nothing reset)
`, strings.Join(names, ", "))
}

func init() {
	commands["version"] = cmdVersion
	commands["profiles"] = cmdProfiles
	commands["check"] = cmdCheck
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

func cmdVersion(a *app, _ []string) int {
	fmt.Fprintf(a.stdout, "resetdesk %s\n", versionString())
	return exitOK
}

// parseArgs parses flags that may come before, between or after positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlags makes a command's flag set with the global flags.
func (a *app) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("resetdesk "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.globalFlags(fs)
	return fs
}

// errorf prints a message prefixed with the program name. Errors carry server and file
// text, so the line is stripped of terminal control sequences here, once for all.
func (a *app) errorf(format string, args ...any) {
	fmt.Fprintln(a.stderr, "resetdesk: "+sanitize.Text(fmt.Sprintf(format, args...)))
}

// config loads the config, or, under --demo, starts the demo back ends.
func (a *app) config() (*store.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	if a.demo {
		env, err := demo.Start()
		if err != nil {
			return nil, err
		}
		a.demoEnv = env
		a.cfg = &store.Config{SecretStore: "demo", Profiles: env.Profiles(), JournalRetention: store.DefaultJournalRetention}
		return a.cfg, nil
	}
	path, explicit := store.ConfigPath(a.configPath, a.getenv)
	cfg, err := store.LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

// secretStore is where profile secrets come from: the demo's own under --demo, else the
// environment over the configured store.
func (a *app) secretStore(cfg *store.Config) store.SecretStore {
	if a.demoEnv != nil {
		return store.EnvSecrets{Lookup: func(name string) (string, bool) {
			for _, p := range a.demoEnv.Profiles() {
				if store.SecretEnvName(p.Name) == name {
					return a.demoEnv.Secret(p.Name)
				}
			}
			return "", false
		}}
	}
	return a.secrets(cfg)
}

// openBackend fetches the profile's secret and builds its back end.
func (a *app) openBackend(ctx context.Context, cfg *store.Config, p backends.Profile) (backends.Backend, error) {
	kind, ok := backends.Lookup(p.Kind)
	if !ok {
		return nil, fmt.Errorf("profile %s: unknown kind %q", p.Name, p.Kind)
	}
	secret, err := a.secretStore(cfg).Get(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	client, err := httpx.NewClient(p)
	if err != nil {
		return nil, err
	}
	b, err := kind.New(p, secret, client)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	return b, nil
}

// signalContext returns a context that the first SIGINT/SIGTERM/SIGHUP does not cancel
// but reports on soft (to stop dispatching), and that the second cancels. SIGHUP is a
// dropped SSH session: the requests in flight still finish and reach the journal. A
// reader that went away (SIGPIPE, `| head`) must not kill the run either: writes to it
// fail instead, and the journal still gets every secret.
func signalContext(parent context.Context) (ctx context.Context, soft <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	signal.Ignore(syscall.SIGPIPE)
	softCh := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-ch:
				n++
				if n == 1 {
					close(softCh)
				} else {
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, softCh, func() { signal.Stop(ch); cancel() }
}
