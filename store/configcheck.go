package store

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// Bounds of the numbers a profile may set: beyond them a value is a typo, not a choice.
const (
	maxRateLimit   = 1000 // requests per second
	minRateLimit   = 0.01 // one request per 100 s; less would look like a hang
	minTimeout     = 100 * time.Millisecond
	maxTimeout     = 10 * time.Minute
	maxApprovalTTL = 7 * 24 * time.Hour
)

// label names a table in a message: as it is, or quoted when it holds a character that
// would not show.
func label(kind, name string) string {
	if _, unseen := sanitize.Unseen(name); unseen || name == "" {
		return kind + " " + strconv.Quote(name)
	}
	return kind + " " + name
}

func (p *parser) profiles() {
	all, err := table(p.root, "profiles", "want [profiles.NAME] tables, one per system")
	if err != nil {
		p.bad("", fmt.Errorf("key \"profiles\": %v", err))
		return
	}
	names := p.keys("profiles")
	// Each profile (and each account of resetdesk's own) owns two variables,
	// RESETDESK_SECRET_<NAME> and RESETDESK_SECRET_<NAME>_FILE: no two names may share one.
	envNames := map[string]string{}
	for _, a := range reservedAccounts {
		envNames[SecretEnvName(a)], envNames[SecretFileEnvName(a)] = a, a
	}
	for _, n := range names {
		where := label("profile", n)
		tbl, err := table(all, n, "want a table of the profile's keys")
		if err != nil {
			p.bad(where, err)
			continue
		}
		var errs []error
		if strings.TrimSpace(n) == "" || strings.ContainsAny(n, " \t/\\") {
			errs = append(errs, errors.New("the profile name must be a word without spaces or slashes"))
		} else if err := checkString(n); err != nil {
			errs = append(errs, fmt.Errorf("the profile name %v", err))
		} else if err := claimEnvNames(envNames, n); err != nil {
			errs = append(errs, err)
		}
		prof := backends.Profile{Name: n}
		k, ferrs := p.fill(tbl, []string{"profiles", n}, &prof)
		errs = append(errs, ferrs...)
		errs = append(errs, checkProfile(&prof, k)...)
		errs = append(errs, checkPolicy(&prof, k, names, p.cfg.ApprovalTTL)...)
		for _, e := range errs {
			p.bad(where, e)
		}
		p.cfg.Profiles = append(p.cfg.Profiles, prof)
	}
}

// claimEnvNames gives profile n its two secret variables, or says which name has one.
func claimEnvNames(envNames map[string]string, n string) error {
	for _, v := range []string{SecretEnvName(n), SecretFileEnvName(n)} {
		if other, clash := envNames[v]; clash {
			return fmt.Errorf("the name reads as %q to the secret store (%s): rename it", other, v)
		}
	}
	envNames[SecretEnvName(n)], envNames[SecretFileEnvName(n)] = n, n
	return nil
}

// checkProfile normalizes p and returns every problem it has, each naming its key.
func checkProfile(p *backends.Profile, k keys) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	p.Kind = strings.ToLower(strings.TrimSpace(p.Kind))
	p.URL = strings.TrimSpace(p.URL)
	kind, known := backends.Lookup(p.Kind)
	switch {
	case k.missing("kind"):
		bad("key \"kind\" is missing (one of %s)", strings.Join(backends.KindNames(), ", "))
	case k.set("kind") && !known:
		bad("key \"kind\": unknown kind %q (one of %s)", p.Kind, strings.Join(backends.KindNames(), ", "))
	}
	if k.missing("url") {
		bad("key \"url\" is missing")
	} else if err := backends.CheckBaseURL(p.URL); err != nil && k.set("url") {
		bad("key \"url\": %v", err)
	}
	if known {
		var missing []string
		for _, key := range kind.Required {
			if k.missing(key) {
				missing = append(missing, key)
			}
		}
		if len(missing) > 0 {
			bad("key %q is missing (a profile of kind %s needs %s)", missing[0], kind.Name, strings.Join(kind.Required, ", "))
		}
	}
	if p.Concurrency < 0 || p.Concurrency > backends.MaxConcurrency || (p.Concurrency == 0 && k.set("concurrency")) {
		bad("key \"concurrency\": %d is outside 1..%d", p.Concurrency, backends.MaxConcurrency)
	}
	switch r := p.RateLimit; {
	case math.IsNaN(r) || math.IsInf(r, 0) || r < 0:
		bad("key \"rate_limit\": %v is not a number of requests per second (0 = unlimited)", r)
	case r > maxRateLimit:
		bad("key \"rate_limit\": %v requests per second is more than %d", r, maxRateLimit)
	case r > 0 && r < minRateLimit:
		bad("key \"rate_limit\": %v requests per second is less than %v (one per %v s): use 0 for unlimited", r, minRateLimit, 1/minRateLimit)
	}
	if p.DailyQuota < 0 {
		bad("key \"daily_quota\": must not be negative")
	}
	if k.set("timeout") && (p.Timeout < minTimeout || p.Timeout > maxTimeout) {
		bad("key \"timeout\": %v is outside %v..%v", p.Timeout, minTimeout, maxTimeout)
	}
	if p.CAFile != "" {
		if _, err := os.Stat(p.CAFile); err != nil {
			bad("key \"ca_file\": %v", UnwrapPath(err))
		}
	}
	errs = append(errs, checkGlobs("protected", p.Protected, "svc-*")...)
	return errs
}

// checkGlobs refuses a list entry that is not a glob.
func checkGlobs(key string, globs []string, example string) []error {
	var errs []error
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
			errs = append(errs, fmt.Errorf("key %q: %q is not a glob like %q", key, g, example))
		}
	}
	return errs
}

// checkPolicy normalizes and checks the keys of p that the desk reads (verification,
// approval, secret_command); names are the profiles of the file.
func checkPolicy(p *backends.Profile, k keys, names []string, defaultTTL time.Duration) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch v := strings.ToLower(strings.TrimSpace(p.Verify)); v {
	case "":
		p.Verify = backends.VerifyOff
	case backends.VerifyOff, backends.VerifyOffered, backends.VerifyRequired:
		p.Verify = v
	default:
		bad("key \"verify\": %q: use \"off\", \"offered\" or \"required\"", p.Verify)
	}
	methods := []string{backends.VerifyMail, backends.VerifySMS, backends.VerifyCallback}
	for i, m := range p.VerifyMethods {
		m = strings.ToLower(strings.TrimSpace(m))
		switch {
		case !slices.Contains(methods, m):
			bad("key \"verify_methods\": %q: use any of \"mail\", \"sms\", \"callback\"", p.VerifyMethods[i])
		case slices.Contains(p.VerifyMethods[:i], m):
			bad("key \"verify_methods\": %q is listed twice", m)
		}
		p.VerifyMethods[i] = m
	}
	if k.set("verify_methods") && len(p.VerifyMethods) == 0 {
		bad("key \"verify_methods\" is empty: list at least one of \"mail\", \"sms\", \"callback\" (leave it out for every one the account has)")
	}
	if k.set("directory") {
		p.Directory = strings.TrimSpace(p.Directory)
		switch {
		case p.Directory == p.Name:
			bad("key \"directory\": %q is this profile itself: name another profile, whose system holds the caller's mail and mobile (leave it out to use this one's)", p.Directory)
		case !slices.Contains(names, p.Directory):
			bad("key \"directory\": no profile %q in this file (the profiles are %s)", p.Directory, strings.Join(names, ", "))
		}
	}
	if k.set("approval_over") && p.ApprovalOver <= 0 {
		bad("key \"approval_over\": %d: give a number of users of at least 1 (leave it out for no limit)", p.ApprovalOver)
	}
	errs = append(errs, checkGlobs("approve", p.Approve, "adm-*")...)
	if !k.set("approval_ttl") {
		p.ApprovalTTL = defaultTTL
	} else if err := checkApprovalTTL(p.ApprovalTTL); err != nil {
		errs = append(errs, err)
	}
	if k.set("secret_command") && (len(p.SecretCommand) == 0 || strings.TrimSpace(p.SecretCommand[0]) == "") {
		bad("key \"secret_command\": give the program and its arguments, like [\"pass\", \"show\", \"resetdesk/%s\"] (it runs without a shell)", p.Name)
	}
	return errs
}

func checkApprovalTTL(d time.Duration) error {
	if d <= 0 || d > maxApprovalTTL {
		return fmt.Errorf("key \"approval_ttl\": %v is outside 1s..7d (how long a request waits for a second technician; default 1h)", d)
	}
	return nil
}

func (p *parser) technicians() {
	all, err := table(p.root, "technicians", "want [technicians.NAME] tables, one per technician")
	if err != nil {
		p.bad("", fmt.Errorf("key \"technicians\": %v", err))
		return
	}
	for _, n := range p.keys("technicians") {
		where := label("technician", n)
		tbl, err := table(all, n, "want a table of the technician's keys")
		if err != nil {
			p.bad(where, err)
			continue
		}
		var errs []error
		if err := checkString(n); err != nil {
			errs = append(errs, fmt.Errorf("the technician's name %v", err))
		}
		t := Technician{Name: n}
		k, ferrs := p.fill(tbl, []string{"technicians", n}, &t)
		errs = append(errs, ferrs...)
		errs = append(errs, checkTechnician(t, k)...)
		for _, e := range errs {
			p.bad(where, e)
		}
		p.cfg.Technicians = append(p.cfg.Technicians, t)
	}
}

// checkTechnician returns every problem of a technician's table. The keys themselves
// are parsed by `resetdesk serve`, which knows SSH.
func checkTechnician(t Technician, k keys) []error {
	var errs []error
	if k.missing("keys") || (k.set("keys") && len(t.Keys) == 0) {
		errs = append(errs, errors.New("key \"keys\" is missing (the technician's public keys, as in authorized_keys)"))
	}
	errs = append(errs, checkGlobs("profiles", t.Profiles, "odin-*")...)
	if t.MaxUsers < 0 {
		errs = append(errs, errors.New("key \"max_users\": must not be negative"))
	}
	return errs
}

func (p *parser) serve() {
	tbl, err := table(p.root, "serve", "want a table ([serve])")
	if err != nil {
		p.bad("key \"serve\"", err)
		return
	}
	s := &p.cfg.Serve
	k, errs := p.fill(tbl, []string{"serve"}, s)
	for _, e := range errs {
		p.bad("serve", e)
	}
	if k.set("idle_timeout") && s.IdleTimeout <= 0 {
		p.bad("serve", fmt.Errorf("key \"idle_timeout\": %v: give a duration like \"15m\" (leave it out for the default)", s.IdleTimeout))
	}
	if k.set("max_sessions") && s.MaxSessions <= 0 {
		p.bad("serve", fmt.Errorf("key \"max_sessions\": %d: give a number of sessions of at least 1 (leave it out for the default)", s.MaxSessions))
	}
}
