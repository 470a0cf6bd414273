package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"resetdesk/backends"
	"resetdesk/sanitize"
	"resetdesk/store"
)

// profileLine is one line of `profiles --format json`.
type profileLine struct {
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	URL        string   `json:"url"`
	TLS        string   `json:"tls"`
	Secret     string   `json:"secret"` // env, keyring, file, demo, missing, unreadable
	Modes      []string `json:"modes"`
	QuotaLeft  *int     `json:"quota_left,omitempty"`
	DailyQuota int      `json:"daily_quota,omitempty"`
}

func (a *app) profilesCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the configured profiles: kind, URL, TLS, where the secret comes from, modes",
		Long: `List the profiles of the config: kind, URL, how the connection is protected (TLS,
TLS (ca_file), INSECURE TLS, NO TLS), where the secret comes from (env, the keyring, the
encrypted file, demo; missing; unreadable with the store's reason), and the modes.

Exit codes: 0 listed; 2 a config error, or no profiles.`,
		Example: "  resetdesk profiles\n  resetdesk --demo profiles --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format %q: use table or json", format)
			}
			return a.profiles(cmd.Context(), format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output: table or json (one object per line)")
	return cmd
}

func (a *app) profiles(ctx context.Context, format string) error {
	d, err := a.openDesk()
	if err != nil {
		return err
	}
	if len(d.Profiles()) == 0 {
		return asUsage(d.NoProfiles())
	}
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	enc := json.NewEncoder(a.env.Stdout)
	if format == "table" {
		fmt.Fprintln(tw, "PROFILE\tKIND\tURL\tTLS\tSECRET\tMODES")
	}
	var storeErr error
	for _, p := range d.Profiles() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		secret, serr := d.SecretSource(sctx, p)
		cancel()
		switch {
		case errors.Is(serr, store.ErrNoSecret):
			secret = "missing"
		case serr != nil:
			// The store itself failed (no keyring here, a wrong passphrase): say why once,
			// under the table, rather than call every secret missing.
			secret = "unreadable"
			storeErr = serr
		}
		var modes []string
		if k, ok := backends.Lookup(p.Kind); ok {
			for _, m := range k.Modes {
				modes = append(modes, m.Name)
			}
		}
		if format == "json" {
			badge, _ := p.Badge()
			line := profileLine{Name: p.Name, Kind: p.Kind, URL: sanitize.Line(p.URL), TLS: badge, Secret: secret, Modes: modes, DailyQuota: p.DailyQuota}
			if left, has, err := d.QuotaLeft(ctx, p); err == nil && has {
				line.QuotaLeft = &left
			}
			_ = enc.Encode(line)
			continue
		}
		badge, _ := p.Badge()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, sanitize.Line(p.URL), badge, secret, strings.Join(modes, ","))
	}
	_ = tw.Flush()
	if storeErr != nil {
		a.warnf("secrets unreadable: %v", storeErr)
	}
	return nil
}

func (a *app) checkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check PROFILE",
		Short: "Log in to a profile's system and test the connection; nothing is reset",
		Long: `Log in with the profile's secret and ask the system what it offers (version, the
configured service provider and group, features). Nothing is reset.

Exit codes: 0 the connection works; 2 it does not (the reason is printed).`,
		Example:           "  resetdesk check odin-lab",
		Args:              exactArgs(1, "check needs one profile (usage: resetdesk check PROFILE)"),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.check(cmd.Context(), args[0])
		},
	}
}

func (a *app) check(ctx context.Context, name string) error {
	d, err := a.openDesk()
	if err != nil {
		return err
	}
	p, err := d.Profile(name)
	if err != nil {
		return asUsage(err)
	}
	timeout := 30 * time.Second
	if p.Timeout > 0 {
		timeout = 2 * p.Timeout // a login and one call
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := d.Open(ctx, p)
	if err != nil {
		return asUsage(err)
	}
	if w := p.TransportWarning(); w != "" {
		a.warnf("WARNING: profile %s: %s", p.Name, w)
	}
	msg, err := b.Check(ctx)
	if err != nil {
		return usageErr("profile %s: %s", p.Name, sanitize.Line(err.Error()))
	}
	fmt.Fprintf(a.env.Stdout, "%s: ok: %s\n", p.Name, sanitize.Line(msg))
	return nil
}

// exactArgs is cobra.ExactArgs with a message that says how to call the command.
func exactArgs(n int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s", usage)
		}
		return nil
	}
}

// completeProfiles completes profile names from the config.
func (a *app) completeProfiles(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	d, err := a.openDesk()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, p := range d.Profiles() {
		names = append(names, p.Name+"\t"+p.Kind+" "+sanitize.Line(p.URL))
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completeModes completes the modes of the profile given with --profile (every kind's
// when none is given yet).
func (a *app) completeModes(profile *string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		kinds := backends.Kinds()
		if d, err := a.openDesk(); err == nil && *profile != "" {
			if p, err := d.Profile(*profile); err == nil {
				if k, ok := backends.Lookup(p.Kind); ok {
					kinds = []backends.Kind{k}
				}
			}
		}
		seen := map[string]bool{}
		var modes []string
		for _, k := range kinds {
			for _, m := range k.Modes {
				if !seen[m.Name] {
					seen[m.Name] = true
					modes = append(modes, m.Name+"\t"+m.Label)
				}
			}
		}
		return modes, cobra.ShellCompDirectiveNoFileComp
	}
}
