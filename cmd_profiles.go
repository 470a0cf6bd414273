package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"resetdesk/backends"
	"resetdesk/sanitize"
	"resetdesk/store"
)

func cmdProfiles(a *app, args []string) int {
	fs := a.newFlags("profiles")
	if _, err := parseArgs(fs, args); err != nil {
		return exitUsage
	}
	cfg, err := a.config()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	if len(cfg.Profiles) == 0 {
		path := cfg.Path
		if path == "" {
			path, _ = configPathFor(a)
		}
		a.errorf("no profiles: write them in %s (see README.md), or try --demo", path)
		return exitUsage
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tKIND\tURL\tTLS\tSECRET\tMODES")
	secrets := a.secretStore(cfg)
	var storeErr error
	for _, p := range cfg.Profiles {
		tls := p.Transport().String()
		ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
		_, serr := secrets.Get(ctx, p.Name)
		cancel()
		secret := secretSource(a, cfg, p)
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, sanitize.Line(p.URL), tls, secret, strings.Join(modes, ","))
	}
	_ = tw.Flush()
	if storeErr != nil {
		a.errorf("secrets unreadable: %v", storeErr)
	}
	return exitOK
}

func configPathFor(a *app) (string, bool) {
	return store.ConfigPath(a.configPath, a.getenv)
}

func cmdCheck(a *app, args []string) int {
	fs := a.newFlags("check")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 {
		a.errorf("usage: resetdesk check PROFILE")
		return exitUsage
	}
	cfg, err := a.config()
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	p, err := cfg.Profile(pos[0])
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	timeout := 30 * time.Second
	if p.Timeout > 0 {
		timeout = 2 * p.Timeout // a login and one call
	}
	ctx, cancel := context.WithTimeout(a.ctx, timeout)
	defer cancel()
	b, err := a.openBackend(ctx, cfg, p)
	if err != nil {
		a.errorf("%v", err)
		return exitUsage
	}
	if w := p.TransportWarning(); w != "" {
		fmt.Fprintf(a.stderr, "WARNING: profile %s: %s\n", p.Name, w)
	}
	msg, err := b.Check(ctx)
	if err != nil {
		a.errorf("profile %s: %s", p.Name, sanitize.Line(err.Error()))
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "%s: ok: %s\n", p.Name, sanitize.Line(msg))
	return exitOK
}
