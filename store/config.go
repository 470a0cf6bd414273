// Package store holds what resetdesk keeps between runs: the config file (profiles), the
// secret stores, the journal of new secrets and the history of runs.
package store

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"resetdesk/backends"
)

// Config is the loaded config file.
type Config struct {
	Path        string // the file it came from ("" when there was none)
	SecretStore string // "keyring" | "file"
	Profiles    []backends.Profile
	// JournalRetention is how long recovered secrets are kept (default 24h).
	JournalRetention time.Duration
	Serve            Serve
	Technicians      []Technician
}

// Secret store names.
const (
	SecretStoreKeyring = "keyring"
	SecretStoreFile    = "file"
)

// JournalKeyAccount is the secret-store account that holds the journal's key; no
// profile may use it (or its RESETDESK_SECRET_ variable), or the key would be sent to a
// server as that profile's password.
const JournalKeyAccount = "journal-key"

// DefaultJournalRetention is how long the journal keeps a secret by default.
const DefaultJournalRetention = 24 * time.Hour

// Profile returns the profile named name.
func (c *Config) Profile(name string) (backends.Profile, error) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	var names []string
	for _, p := range c.Profiles {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		where := "no config file"
		if c.Path != "" {
			where = c.Path + " defines none"
		}
		return backends.Profile{}, fmt.Errorf("unknown profile %q: %s (try --demo for the built-in demo profiles)", name, where)
	}
	return backends.Profile{}, fmt.Errorf("unknown profile %q: the profiles are %s", name, strings.Join(names, ", "))
}

// ConfigPath picks the config file: the flag, else $RESETDESK_CONFIG, else
// $XDG_CONFIG_HOME/resetdesk/config.toml (~/.config when unset). explicit reports whether
// the user named it, in which case it must exist.
func ConfigPath(flag string, getenv func(string) string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	if v := getenv("RESETDESK_CONFIG"); v != "" {
		return v, true
	}
	return filepath.Join(XDGDir(getenv, "XDG_CONFIG_HOME", ".config"), "resetdesk", "config.toml"), false
}

// XDGDir returns $name, else $HOME/fallback.
func XDGDir(getenv func(string) string, name, fallback string) string {
	if v := getenv(name); v != "" && filepath.IsAbs(v) {
		return v
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, fallback)
}

// Serve is the [serve] table: `resetdesk serve`'s listener and limits.
type Serve struct {
	Listen      string        `toml:"listen"`       // default DefaultListen
	HostKey     string        `toml:"host_key"`     // default $XDG_DATA_HOME/resetdesk/ssh_host_ed25519_key
	IdleTimeout time.Duration `toml:"idle_timeout"` // default 15m
	MaxSessions int           `toml:"max_sessions"` // default 50
}

// Technician is one [technicians.NAME] table: who may connect to `resetdesk serve`
// (their public keys) and what they may do there.
type Technician struct {
	Name     string   `toml:"-"`
	Keys     []string `toml:"keys"`      // authorized_keys lines
	Profiles []string `toml:"profiles"`  // globs of profile names; none = all
	MaxUsers int      `toml:"max_users"` // most users in one run; 0 = no limit
}

// MaxConfigSize bounds the config file: a config is a few kilobytes, and a path like
// /dev/zero must be refused, not read until memory runs out.
const MaxConfigSize = 1 << 20

type fileConfig struct {
	SecretStore      string                      `toml:"secret_store"`
	JournalRetention string                      `toml:"journal_retention"`
	Profiles         map[string]backends.Profile `toml:"profiles"`
	Serve            Serve                       `toml:"serve"`
	Technicians      map[string]Technician       `toml:"technicians"`
}

// LoadConfig reads the config file at path. A missing file that was not named
// explicitly is an empty config; every error names the file, and the profile and key
// where there is one.
func LoadConfig(path string, explicit bool) (*Config, error) {
	data, err := readLimited(path, MaxConfigSize)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &Config{SecretStore: SecretStoreKeyring, JournalRetention: DefaultJournalRetention}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", path, UnwrapPath(err))
	}
	return ParseConfig(data, path)
}

// readLimited reads a regular file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d KiB: is this the config file?", limit>>10)
	}
	return data, nil
}

// ParseConfig parses config text; name is the file name used in messages. Every error
// the file holds is reported at once, one per line.
func ParseConfig(data []byte, name string) (*Config, error) {
	var fc fileConfig
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			where := fmt.Sprintf("line %d", pe.Position.Line)
			if k := strings.Split(pe.LastKey, "."); len(k) >= 3 && k[0] == "profiles" && pe.LastKey != "" {
				where += fmt.Sprintf(": profile %s: key %q", k[1], strings.Join(k[2:], "."))
			}
			return nil, fmt.Errorf("config %s: %s: %s", name, where, pe.Message)
		}
		return nil, fmt.Errorf("config %s: %v", name, err)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("config %s: "+format, append([]any{name}, args...)...))
	}
	for _, k := range md.Undecoded() {
		switch {
		case len(k) >= 3 && k[0] == "profiles":
			bad("profile %s: unknown key %q", k[1], strings.Join(k[2:], "."))
		case len(k) >= 3 && k[0] == "technicians":
			bad("technician %s: unknown key %q", k[1], strings.Join(k[2:], "."))
		default:
			bad("unknown key %q", k.String())
		}
	}
	cfg := &Config{Path: name, SecretStore: strings.ToLower(fc.SecretStore), JournalRetention: DefaultJournalRetention, Serve: fc.Serve}
	switch cfg.SecretStore {
	case "":
		cfg.SecretStore = SecretStoreKeyring
	case SecretStoreKeyring, SecretStoreFile:
	default:
		bad("secret_store %q: use \"keyring\" or \"file\"", fc.SecretStore)
	}
	if fc.JournalRetention != "" {
		d, err := ParseDuration(fc.JournalRetention)
		if err != nil || d <= 0 {
			bad("journal_retention %q: use a duration like \"24h\" or \"7d\"", fc.JournalRetention)
		} else {
			cfg.JournalRetention = d
		}
	}
	names := make([]string, 0, len(fc.Profiles))
	for n := range fc.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	envNames := map[string]string{SecretEnvName(JournalKeyAccount): JournalKeyAccount}
	for _, n := range names {
		if other, clash := envNames[SecretEnvName(n)]; clash {
			bad("profile %s: the name reads as %q to the secret store (%s); rename it", n, other, SecretEnvName(n))
			continue
		}
		envNames[SecretEnvName(n)] = n
		p := fc.Profiles[n]
		p.Name = n
		perrs := checkProfile(&p, md)
		for _, e := range perrs {
			bad("profile %s: %v", n, e)
		}
		if len(perrs) == 0 {
			cfg.Profiles = append(cfg.Profiles, p)
		}
	}
	tnames := make([]string, 0, len(fc.Technicians))
	for n := range fc.Technicians {
		tnames = append(tnames, n)
	}
	sort.Strings(tnames)
	for _, n := range tnames {
		t := fc.Technicians[n]
		t.Name = n
		for _, e := range checkTechnician(t) {
			bad("technician %s: %v", n, e)
		}
		cfg.Technicians = append(cfg.Technicians, t)
	}
	if cfg.Serve.IdleTimeout < 0 || (cfg.Serve.IdleTimeout == 0 && md.IsDefined("serve", "idle_timeout")) {
		bad("serve: key \"idle_timeout\": %v: give a duration like \"15m\" (leave it out for the default)", cfg.Serve.IdleTimeout)
	}
	if cfg.Serve.MaxSessions < 0 || (cfg.Serve.MaxSessions == 0 && md.IsDefined("serve", "max_sessions")) {
		bad("serve: key \"max_sessions\": %d: give a number of sessions of at least 1 (leave it out for the default)", cfg.Serve.MaxSessions)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// Bounds of the numbers a profile may set: beyond them a value is a typo, not a choice.
const (
	maxRateLimit = 1000 // requests per second
	minRateLimit = 0.01 // one request per 100 s; less would look like a hang
	minTimeout   = 100 * time.Millisecond
	maxTimeout   = 10 * time.Minute
)

// checkProfile normalizes p and returns every problem it has, each naming its key.
func checkProfile(p *backends.Profile, md toml.MetaData) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(p.Name) == "" || strings.ContainsAny(p.Name, " \t/\\") || !printable(p.Name) {
		bad("the profile name must be a word without spaces or slashes")
	}
	p.Kind = strings.ToLower(strings.TrimSpace(p.Kind))
	p.URL = strings.TrimSpace(p.URL)
	kind, known := backends.Lookup(p.Kind)
	switch {
	case p.Kind == "":
		bad("key \"kind\" is missing (one of %s)", strings.Join(backends.KindNames(), ", "))
	case !known:
		bad("key \"kind\": unknown kind %q (one of %s)", p.Kind, strings.Join(backends.KindNames(), ", "))
	}
	if p.URL == "" {
		bad("key \"url\" is missing")
	} else if err := backends.CheckBaseURL(p.URL); err != nil {
		bad("key \"url\": %v", err)
	}
	if known {
		var missing []string
		for _, key := range kind.Required {
			if !md.IsDefined("profiles", p.Name, key) {
				missing = append(missing, key)
			}
		}
		if len(missing) > 0 {
			bad("key %q is missing (a profile of kind %s needs %s)", missing[0], kind.Name, strings.Join(kind.Required, ", "))
		}
	}
	if p.Concurrency < 0 || p.Concurrency > backends.MaxConcurrency || (p.Concurrency == 0 && md.IsDefined("profiles", p.Name, "concurrency")) {
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
	if md.IsDefined("profiles", p.Name, "timeout") && (p.Timeout < minTimeout || p.Timeout > maxTimeout) {
		bad("key \"timeout\": %v is outside %v..%v (write it as a string like \"20s\")", p.Timeout, minTimeout, maxTimeout)
	}
	if p.CAFile != "" {
		if _, err := os.Stat(p.CAFile); err != nil {
			bad("key \"ca_file\": %v", UnwrapPath(err))
		}
	}
	for _, g := range p.Protected {
		if _, err := path.Match(g, ""); err != nil || strings.TrimSpace(g) == "" {
			bad("key \"protected\": %q is not a glob like \"svc-*\"", g)
		}
	}
	return errs
}

// checkTechnician returns every problem of a technician's table. The keys themselves
// are parsed by `resetdesk serve`, which knows SSH.
func checkTechnician(t Technician) []error {
	var errs []error
	if len(t.Keys) == 0 {
		errs = append(errs, errors.New("key \"keys\" is missing (the technician's public keys, as in authorized_keys)"))
	}
	for _, g := range t.Profiles {
		if _, err := path.Match(g, ""); err != nil {
			errs = append(errs, fmt.Errorf("key \"profiles\": %q is not a glob like \"odin-*\"", g))
		}
	}
	if t.MaxUsers < 0 {
		errs = append(errs, errors.New("key \"max_users\": must not be negative"))
	}
	return errs
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// MaxDuration bounds every duration a user gives (ten years): beyond it a number is a
// typo, and days multiplied past int64 would wrap to a few minutes.
const MaxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration accepts Go durations and a whole number of days ("7d"), at most
// MaxDuration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok && d != "" && strings.Trim(d, "0123456789") == "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n > int64(MaxDuration/(24*time.Hour)) {
			return 0, fmt.Errorf("%q is longer than %d days", s, MaxDuration/(24*time.Hour))
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 24h, 90m or 7d", s)
	}
	if d > MaxDuration {
		return 0, fmt.Errorf("%q is longer than %d days", s, MaxDuration/(24*time.Hour))
	}
	return d, nil
}
