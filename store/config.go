// Package store holds what resetdesk keeps between runs: the config file (profiles), the
// secret stores, the journal of new secrets and the history of runs.
package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// ApprovalTTL is the top-level approval_ttl: how long an approval request waits
	// (default backends.DefaultApprovalTTL). A profile's own approval_ttl overrides it;
	// every profile's ApprovalTTL holds the value that applies to it.
	ApprovalTTL time.Duration
	// Verify is the [verify] table: how one-time codes reach a caller.
	Verify Verify
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
	Approver bool     `toml:"approver"`  // may approve other technicians' runs
}

// MaxConfigSize bounds the config file: a config is a few kilobytes, and a path like
// /dev/zero must be refused, not read until memory runs out.
const MaxConfigSize = 1 << 20

// newConfig is the config of an empty file: every default in place.
func newConfig(path string) *Config {
	return &Config{Path: path, SecretStore: SecretStoreKeyring, JournalRetention: DefaultJournalRetention,
		ApprovalTTL: backends.DefaultApprovalTTL, Verify: DefaultVerify()}
}

// LoadConfig reads the config file at path. A missing file that was not named
// explicitly is an empty config; every error names the file, and the profile and key
// where there is one.
func LoadConfig(path string, explicit bool) (*Config, error) {
	data, err := readLimited(path, MaxConfigSize)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return newConfig(""), nil
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
// the file holds is reported at once, one per line, in the order of the file.
func ParseConfig(data []byte, name string) (*Config, error) {
	t, err := decodeTree(data)
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
	p := &parser{tree: t, cfg: newConfig(name)}
	p.parse()
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return p.cfg, nil
}

// parser checks a decoded config file table by table, in file order.
type parser struct {
	*tree
	cfg  *Config
	errs []error
}

// bad records err, prefixed with the file and where (a profile, a table) it is.
func (p *parser) bad(where string, err error) {
	if where != "" {
		where += ": "
	}
	p.errs = append(p.errs, fmt.Errorf("config %s: %s%w", p.cfg.Path, where, err))
}

// The tables of the file, each read by its own method.
var configTables = []string{"profiles", "technicians", "serve", "verify"}

func (p *parser) parse() {
	top := struct {
		SecretStore      string        `toml:"secret_store"`
		JournalRetention time.Duration `toml:"journal_retention"`
		ApprovalTTL      time.Duration `toml:"approval_ttl"`
	}{}
	k, errs := p.fill(p.root, nil, &top, configTables...)
	for _, e := range errs {
		p.bad("", e)
	}
	switch s := strings.ToLower(top.SecretStore); s {
	case "", SecretStoreKeyring, SecretStoreFile:
		if s != "" {
			p.cfg.SecretStore = s
		}
	default:
		p.bad("", fmt.Errorf("key \"secret_store\": %q: use \"keyring\" or \"file\"", top.SecretStore))
	}
	if k.set("journal_retention") && top.JournalRetention <= 0 {
		p.bad("", errors.New("key \"journal_retention\": give a duration like \"24h\" or \"7d\""))
	} else if top.JournalRetention > 0 {
		p.cfg.JournalRetention = top.JournalRetention
	}
	if k.set("approval_ttl") {
		if err := checkApprovalTTL(top.ApprovalTTL); err != nil {
			p.bad("", err)
		} else {
			p.cfg.ApprovalTTL = top.ApprovalTTL
		}
	}
	for _, k := range p.keys() {
		switch k {
		case "profiles":
			p.profiles()
		case "technicians":
			p.technicians()
		case "serve":
			p.serve()
		case "verify":
			p.verify()
		}
	}
	p.checkMethods()
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
