package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/journal"
)

func (a *app) credsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "creds",
		Short: "Set, delete or show where the profiles' secrets come from",
		Long: `Manage the profiles' secrets (Odin, WebADM and EMM passwords, the ADManager AuthToken,
the PRM shared token) in the configured secret store: the OS keyring
(secret_store = "keyring") or an encrypted file (secret_store = "file"). A secret is read
from a hidden prompt on a terminal, else from one line of stdin — never from an argument.
RESETDESK_SECRET_<PROFILE> overrides the store.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:               "set PROFILE",
		Short:             "Store a profile's secret (hidden prompt, or one line of stdin)",
		Example:           "  resetdesk creds set odin-lab\n  printf '%s\\n' \"$TOKEN\" | resetdesk creds set ad-prod",
		Args:              exactArgs(1, "usage: resetdesk creds set PROFILE (the secret comes from a hidden prompt or stdin, never an argument)"),
		ValidArgsFunction: a.completeProfiles,
		RunE:              func(cmd *cobra.Command, args []string) error { return a.credsSet(cmd.Context(), args[0]) },
	})
	cmd.AddCommand(&cobra.Command{
		Use:               "delete PROFILE",
		Short:             "Delete a profile's secret from the store (exit 1 when it had none)",
		Args:              exactArgs(1, "usage: resetdesk creds delete PROFILE"),
		ValidArgsFunction: a.completeProfiles,
		RunE:              func(cmd *cobra.Command, args []string) error { return a.credsDelete(cmd.Context(), args[0]) },
	})
	var format string
	status := &cobra.Command{
		Use:   "status [PROFILE]",
		Short: "Say where each profile's secret comes from; never prints a secret",
		Long: `Say where each profile's secret comes from: the environment, the store, or missing.

Exit codes: 0 every profile has a secret; 1 one is missing; 2 a store could not be read.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: use table or json", format)
			}
			return a.credsStatus(cmd.Context(), args, format)
		},
	}
	status.Flags().StringVarP(&format, "format", "f", "table", "output: table or json (one object per line)")
	cmd.AddCommand(status)
	return cmd
}

// credsProfiles are the named profiles, refused before any store is touched.
func (a *app) credsProfiles(names []string) ([]backends.Profile, error) {
	d, err := a.openDesk()
	if err != nil {
		return nil, err
	}
	if d.Demo() {
		return nil, usageErr("--demo profiles have built-in secrets: creds manages the profiles of your config")
	}
	var out []backends.Profile
	for _, n := range names {
		if n == journal.KeyAccount {
			return nil, usageErr("%q is where resetdesk keeps the journal key, not a profile", n)
		}
		if _, ok := verifySecretLabel(n); ok {
			out = append(out, backends.Profile{Name: n}) // the [verify] table's secrets
			continue
		}
		p, err := d.Profile(n)
		if err != nil {
			return nil, asUsage(err)
		}
		out = append(out, p)
	}
	return out, nil
}

// secretLabel names what a profile's secret is ("password", "AuthToken").
func secretLabel(p backends.Profile) string {
	if label, ok := verifySecretLabel(p.Name); ok {
		return label
	}
	if k, ok := backends.Lookup(p.Kind); ok && k.SecretLabel != "" {
		return k.SecretLabel
	}
	return "secret"
}

// storeContext bounds a command's secret-store calls (the keyring has its own timeout;
// a vault prompt waits for the technician).
func storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 5*time.Minute)
}

// credsStore is the profile named name and the configured store, for set and delete.
func (a *app) credsStore(name string) (backends.Profile, store.SecretStore, error) {
	ps, err := a.credsProfiles([]string{name})
	if err != nil {
		return backends.Profile{}, nil, err
	}
	st, err := a.desk.ConfiguredStore()
	if err != nil {
		return backends.Profile{}, nil, asUsage(err)
	}
	return ps[0], st, nil
}

func (a *app) credsSet(ctx context.Context, name string) error {
	p, st, err := a.credsStore(name)
	if err != nil {
		return err
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	// Reach the store before asking for the secret: typing a long token into a prompt
	// only to learn there is no keyring here wastes the technician's time.
	if err := store.Reachable(ctx, st); err != nil {
		return usageErr("cannot reach the %s: %v", st.Name(), err)
	}
	label := secretLabel(p)
	var secret string
	if a.env.StdinTTY {
		secret, err = a.readHidden(fmt.Sprintf("%s for profile %s: ", label, p.Name))
		if err != nil {
			err = fmt.Errorf("%s for profile %s: %w", label, p.Name, err)
		}
	} else {
		secret, err = readLine(a.env.Stdin, label+" for profile "+p.Name)
	}
	if err != nil {
		return asUsage(err)
	}
	if secret == "" {
		return usageErr("empty %s: nothing stored", label)
	}
	if err := st.Set(ctx, p.Name, secret); err != nil {
		return usageErr("cannot store the %s of profile %s: %v", label, p.Name, err)
	}
	fmt.Fprintf(a.env.Stdout, "%s of profile %s stored in the %s\n", label, p.Name, st.Name())
	if src := a.desk.SecretOutside(p); src != "" {
		a.warnf("note: the %s comes from the %s, which overrides the stored one", label, describeSource(src, p))
	}
	return nil
}

func (a *app) credsDelete(ctx context.Context, name string) error {
	p, st, err := a.credsStore(name)
	if err != nil {
		return err
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	err = st.Delete(ctx, p.Name)
	if errors.Is(err, store.ErrNoSecret) {
		a.warnf("profile %s has no secret in the %s: nothing deleted", p.Name, st.Name())
		return exitCode(ExitSome)
	}
	if err != nil {
		return usageErr("cannot delete the secret of profile %s: %v", p.Name, err)
	}
	fmt.Fprintf(a.env.Stdout, "secret of profile %s deleted from the %s\n", p.Name, st.Name())
	if src := a.desk.SecretOutside(p); src != "" {
		a.warnf("note: the %s still supplies the secret", describeSource(src, p))
	}
	return nil
}

// statusLine is one line of `creds status --format json`.
type statusLine struct {
	Profile string `json:"profile"`
	Source  string `json:"source"` // environment, the store's name, missing, unknown
	Detail  string `json:"detail,omitempty"`
}

// credsStatus says where each profile's secret comes from, by reading it through the
// desk's one chain (SecretSource), as a run would. It never prints a secret. Exit 0 when
// every profile has one, 1 when one is missing, 2 when a link of the chain failed.
func (a *app) credsStatus(ctx context.Context, names []string, format string) error {
	ps, err := a.credsProfiles(names)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		ps = a.desk.Profiles()
	}
	if len(ps) == 0 {
		return asUsage(a.desk.NoProfiles())
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	enc := json.NewEncoder(a.env.Stdout)
	code := ExitOK
	for _, p := range ps {
		line := statusLine{Profile: p.Name}
		src, err := a.desk.SecretSource(ctx, p)
		switch {
		case err == nil:
			line.Source = describeSource(src, p)
		case errors.Is(err, store.ErrNoSecret):
			line.Source = "missing"
			line.Detail = fmt.Sprintf("run `resetdesk creds set %s` (or set %s)", p.Name, store.SecretEnvName(p.Name))
			code = max(code, ExitSome)
		default:
			line.Source, line.Detail = "unknown", strings.TrimPrefix(err.Error(), "profile "+p.Name+": ")
			code = ExitUsage
		}
		if format == "json" {
			_ = enc.Encode(line)
			continue
		}
		text := line.Source
		if line.Detail != "" {
			text += ": " + line.Detail
		}
		fmt.Fprintf(a.env.Stdout, "%s: %s\n", p.Name, text)
	}
	return exitCode(code)
}

// describeSource says in words where a secret came from (desk.SecretSource's answer).
func describeSource(src string, p backends.Profile) string {
	switch src {
	case store.SourceEnv:
		return "environment (" + store.SecretEnvName(p.Name) + ")"
	case store.SourceFile:
		return "file (" + store.SecretFileEnvName(p.Name) + ")"
	case store.SourceCommand:
		return "secret_command (" + p.SecretCommand[0] + ")"
	}
	return src
}

// vaultPassphrase gives the encrypted secrets file's passphrase (the desk tries
// RESETDESK_VAULT_PASSPHRASE first): a hidden prompt on the terminal, twice for a new
// file.
func (a *app) vaultPassphrase(create bool) (string, error) {
	if !a.env.StdinTTY {
		return "", fmt.Errorf("the encrypted secrets file needs its passphrase: set %s (stdin is not a terminal to ask on)", store.VaultPassphraseEnv)
	}
	if a.consoleOwnsTerminal {
		// The console draws the screen: a prompt now would write over it and fight it for
		// the keys. The passphrase is asked before the console starts; creating the file
		// needs `creds set`, which asks twice.
		return "", fmt.Errorf("the encrypted secrets file does not exist yet: create it with `resetdesk creds set PROFILE` (it asks for a new passphrase), or set %s", store.VaultPassphraseEnv)
	}
	prompt := "Passphrase for resetdesk's encrypted secrets file: "
	if create {
		prompt = "New passphrase for resetdesk's encrypted secrets file: "
	}
	p, err := a.readHidden(prompt)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("empty passphrase: nothing done")
	}
	if create {
		again, err := a.readHidden("Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("the passphrases differ: nothing done")
		}
	}
	if a.unlockNotice {
		a.notice("unlocking the encrypted secrets file…")
	}
	return p, nil
}

// readHidden reads a line from the terminal on stdin without echoing it.
func (a *app) readHidden(prompt string) (string, error) {
	f, ok := a.env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("stdin is not a terminal to ask on")
	}
	fmt.Fprint(a.env.Stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.env.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading from the terminal: %v", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
