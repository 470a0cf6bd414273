// Package store holds what resetdesk keeps between runs: the config file (profiles), the
// secret stores, the journal of new secrets and the history of runs.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// Config is the loaded config file.
type Config struct {
	Path        string // the file it came from ("" when there was none)
	SecretStore string // "keyring" | "file"
	Profiles    []backends.Profile
	// JournalRetention is how long recovered secrets are kept (default 24h).
	JournalRetention time.Duration
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

type fileProfile struct {
	Kind               string  `toml:"kind"`
	URL                string  `toml:"url"`
	Username           string  `toml:"username"`
	ServiceProvider    string  `toml:"service_provider"`
	Group              string  `toml:"group"`
	Domain             string  `toml:"domain"`
	BaseDN             string  `toml:"base_dn"`
	ProductName        string  `toml:"product_name"`
	DailyQuota         int     `toml:"daily_quota"`
	TimeBasedToken     bool    `toml:"time_based_token"`
	Concurrency        int     `toml:"concurrency"`
	RateLimit          float64 `toml:"rate_limit"`
	Timeout            string  `toml:"timeout"`
	CAFile             string  `toml:"ca_file"`
	InsecureSkipVerify bool    `toml:"insecure_skip_verify"`
}

type fileConfig struct {
	SecretStore      string                 `toml:"secret_store"`
	JournalRetention string                 `toml:"journal_retention"`
	Profiles         map[string]fileProfile `toml:"profiles"`
}

// LoadConfig reads the config file at path. A missing file that was not named
// explicitly is an empty config; every error names the file, and the profile and key
// where there is one.
func LoadConfig(path string, explicit bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return &Config{SecretStore: SecretStoreKeyring, JournalRetention: DefaultJournalRetention}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %v", path, UnwrapPath(err))
	}
	cfg, err := ParseConfig(data, path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// ParseConfig parses config text; name is the file name used in messages.
func ParseConfig(data []byte, name string) (*Config, error) {
	var fc fileConfig
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("config %s: line %d: %s", name, pe.Position.Line, pe.Message)
		}
		return nil, fmt.Errorf("config %s: %v", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		if len(k) >= 3 && k[0] == "profiles" {
			return nil, fmt.Errorf("config %s: profile %s: unknown key %q", name, k[1], strings.Join(k[2:], "."))
		}
		return nil, fmt.Errorf("config %s: unknown key %q", name, k.String())
	}
	cfg := &Config{Path: name, SecretStore: strings.ToLower(fc.SecretStore), JournalRetention: DefaultJournalRetention}
	switch cfg.SecretStore {
	case "":
		cfg.SecretStore = SecretStoreKeyring
	case SecretStoreKeyring, SecretStoreFile:
	default:
		return nil, fmt.Errorf("config %s: secret_store %q: use \"keyring\" or \"file\"", name, fc.SecretStore)
	}
	if fc.JournalRetention != "" {
		d, err := ParseDuration(fc.JournalRetention)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("config %s: journal_retention %q: use a duration like \"24h\" or \"7d\"", name, fc.JournalRetention)
		}
		cfg.JournalRetention = d
	}
	names := make([]string, 0, len(fc.Profiles))
	for n := range fc.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	envNames := map[string]string{SecretEnvName(JournalKeyAccount): JournalKeyAccount}
	for _, n := range names {
		if other, clash := envNames[SecretEnvName(n)]; clash {
			return nil, fmt.Errorf("config %s: profile %s: the name reads as %q to the secret store (%s); rename it", name, n, other, SecretEnvName(n))
		}
		envNames[SecretEnvName(n)] = n
		p, err := profileFrom(n, fc.Profiles[n], md)
		if err != nil {
			return nil, fmt.Errorf("config %s: profile %s: %v", name, n, err)
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	return cfg, nil
}

func profileFrom(name string, fp fileProfile, md toml.MetaData) (backends.Profile, error) {
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t/\\") || !printable(name) {
		return backends.Profile{}, fmt.Errorf("the profile name must be a word without spaces or slashes")
	}
	p := backends.Profile{
		Name: name, Kind: strings.ToLower(fp.Kind), URL: strings.TrimSpace(fp.URL),
		Username: fp.Username, ServiceProvider: fp.ServiceProvider, Group: fp.Group,
		Domain: fp.Domain, BaseDN: fp.BaseDN, ProductName: fp.ProductName,
		DailyQuota: fp.DailyQuota, TimeBasedToken: fp.TimeBasedToken,
		Concurrency: fp.Concurrency, RateLimit: fp.RateLimit,
		CAFile: fp.CAFile, InsecureSkipVerify: fp.InsecureSkipVerify,
	}
	if p.Kind == "" {
		return p, fmt.Errorf("key \"kind\" is missing (one of %s)", strings.Join(backends.KindNames(), ", "))
	}
	kind, ok := backends.Lookup(p.Kind)
	if !ok {
		return p, fmt.Errorf("key \"kind\": unknown kind %q (one of %s)", fp.Kind, strings.Join(backends.KindNames(), ", "))
	}
	if p.URL == "" {
		return p, fmt.Errorf("key \"url\" is missing")
	}
	if err := httpx.CheckBaseURL(p.URL); err != nil {
		return p, fmt.Errorf("key \"url\": %v", err)
	}
	for _, key := range kind.Required {
		if !md.IsDefined("profiles", name, key) {
			return p, fmt.Errorf("key %q is missing (a %s profile needs %s)", key, kind.Name, strings.Join(kind.Required, ", "))
		}
	}
	switch {
	case p.Concurrency < 0 || p.Concurrency > backends.MaxConcurrency:
		return p, fmt.Errorf("key \"concurrency\": %d is outside 1..%d", p.Concurrency, backends.MaxConcurrency)
	case p.RateLimit < 0:
		return p, fmt.Errorf("key \"rate_limit\": must not be negative")
	case p.DailyQuota < 0:
		return p, fmt.Errorf("key \"daily_quota\": must not be negative")
	}
	if fp.Timeout != "" {
		d, err := time.ParseDuration(fp.Timeout)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("key \"timeout\": %q is not a duration like \"20s\"", fp.Timeout)
		}
		p.Timeout = d
	}
	if p.CAFile != "" {
		if _, err := os.Stat(p.CAFile); err != nil {
			return p, fmt.Errorf("key \"ca_file\": %v", UnwrapPath(err))
		}
	}
	return p, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseDuration accepts Go durations and a number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && fmt.Sprint(n) == d {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}
