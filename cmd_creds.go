package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/journal"
)

func init() { commands["creds"] = cmdCreds }

const credsUsage = "usage: resetdesk creds set|delete|status [PROFILE]  (the secret comes from a hidden prompt or one line of stdin, never an argument)"

// cmdCreds manages the profiles' secrets in the configured store.
func cmdCreds(a *app, args []string) int {
	fs := a.newFlags("creds")
	fs.Usage = func() { fmt.Fprintln(a.stderr, credsUsage) }
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) == 0 {
		a.errorf("%s", credsUsage)
		return exitUsage
	}
	verb, names := pos[0], pos[1:]
	if verb == "status" && len(names) > 1 || verb != "status" && len(names) != 1 {
		a.errorf("%s", credsUsage)
		return exitUsage
	}
	if a.demo {
		a.errorf("--demo profiles have built-in secrets: creds manages the profiles of your config")
		return exitUsage
	}
	cfg, err := a.config()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	var profiles []backends.Profile
	for _, n := range names {
		if n == journal.KeyAccount {
			a.errorf("%q is where resetdesk keeps the journal key, not a profile", n)
			return exitUsage
		}
		p, err := cfg.Profile(n)
		if err != nil {
			a.errorf("%v", err)
			return exitUsage
		}
		profiles = append(profiles, p)
	}
	st, err := a.configuredStore(cfg)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	switch verb {
	case "set":
		return a.credsSet(st, profiles[0])
	case "delete":
		return a.credsDelete(st, profiles[0])
	case "status":
		if len(profiles) == 0 {
			profiles = cfg.Profiles
		}
		if len(profiles) == 0 {
			a.errorf("no profiles configured in %s", configName(cfg))
			return exitUsage
		}
		return a.credsStatus(st, profiles)
	}
	a.errorf("unknown creds command %q: %s", verb, credsUsage)
	return exitUsage
}

func configName(cfg *store.Config) string {
	if cfg.Path == "" {
		return "the config (there is no config file)"
	}
	return cfg.Path
}

// secretLabel names what a profile's secret is ("password", "AuthToken").
func secretLabel(p backends.Profile) string {
	if k, ok := backends.Lookup(p.Kind); ok && k.SecretLabel != "" {
		return k.SecretLabel
	}
	return "secret"
}

// storeContext bounds a command's secret-store calls (the keyring has its own timeout;
// a vault prompt waits for the technician).
func (a *app) storeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.context(), 5*time.Minute)
}

func (a *app) credsSet(st store.SecretStore, p backends.Profile) int {
	label := secretLabel(p)
	var secret string
	var err error
	if a.stdinTTY {
		secret, err = a.readHidden(fmt.Sprintf("%s for profile %s: ", label, p.Name))
	} else {
		secret, err = readSecretLine(a.stdin)
	}
	if err != nil {
		a.errorf("%s for profile %s: %v", label, p.Name, err)
		return exitUsage
	}
	if secret == "" {
		a.errorf("empty %s: nothing stored", label)
		return exitUsage
	}
	ctx, cancel := a.storeContext()
	defer cancel()
	if err := st.Set(ctx, p.Name, secret); err != nil {
		a.errorf("cannot store the %s of profile %s: %v", label, p.Name, err)
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "%s of profile %s stored in the %s\n", label, p.Name, st.Name())
	if env := store.SecretEnvName(p.Name); a.getenv(env) != "" {
		fmt.Fprintf(a.stderr, "resetdesk: note: %s is set and overrides the stored %s\n", env, label)
	}
	return exitOK
}

// readSecretLine reads one line from a pipe: the first line is the secret, the line
// break is not part of it.
func readSecretLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading stdin: %v", err)
	}
	if err == io.EOF && line == "" {
		return "", errors.New("stdin is empty: pipe the secret in, or run on a terminal to be asked")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (a *app) credsDelete(st store.SecretStore, p backends.Profile) int {
	ctx, cancel := a.storeContext()
	defer cancel()
	err := st.Delete(ctx, p.Name)
	if errors.Is(err, store.ErrNoSecret) {
		fmt.Fprintf(a.stderr, "resetdesk: profile %s has no secret in the %s: nothing deleted\n", p.Name, st.Name())
		return exitSome
	}
	if err != nil {
		a.errorf("cannot delete the secret of profile %s: %v", p.Name, err)
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "secret of profile %s deleted from the %s\n", p.Name, st.Name())
	if env := store.SecretEnvName(p.Name); a.getenv(env) != "" {
		fmt.Fprintf(a.stderr, "resetdesk: note: %s is still set and supplies the secret\n", env)
	}
	return exitOK
}

// credsStatus says where each profile's secret comes from. It never prints a secret.
// Exit 0 when every profile has one, 1 when one is missing, 2 when a store failed.
func (a *app) credsStatus(st store.SecretStore, profiles []backends.Profile) int {
	ctx, cancel := a.storeContext()
	defer cancel()
	code := exitOK
	for _, p := range profiles {
		env := store.SecretEnvName(p.Name)
		if a.getenv(env) != "" {
			fmt.Fprintf(a.stdout, "%s: environment (%s)\n", p.Name, env)
			continue
		}
		_, err := st.Get(ctx, p.Name)
		switch {
		case err == nil:
			fmt.Fprintf(a.stdout, "%s: %s\n", p.Name, st.Name())
		case errors.Is(err, store.ErrNoSecret):
			fmt.Fprintf(a.stdout, "%s: missing: run `resetdesk creds set %s` (or set %s)\n", p.Name, p.Name, env)
			code = max(code, exitSome)
		default:
			fmt.Fprintf(a.stdout, "%s: unknown: %v\n", p.Name, err)
			code = exitUsage
		}
	}
	return code
}
