package store

import (
	"os"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/odin" // a registered kind to configure
	"resetdesk/sanitize"
)

const goodOdin = `[profiles.odin-lab]
kind = "ODIN"
url = "https://odin.example.com/api/v2/"
username = "john.smith"
service_provider = "SP"
group = "G"
concurrency = 8
rate_limit = 2.5
timeout = "5s"
`

func TestParseConfigGood(t *testing.T) {
	cfg, err := ParseConfig([]byte("secret_store = \"file\"\njournal_retention = \"2d\"\n"+goodOdin), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := cfg.Profile("odin-lab")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != "odin" || p.Concurrency != 8 || p.RateLimit != 2.5 || p.Timeout != 5*time.Second || p.Group != "G" {
		t.Fatalf("%+v", p)
	}
	if cfg.SecretStore != SecretStoreFile || cfg.JournalRetention != 48*time.Hour {
		t.Fatalf("%+v", cfg)
	}
}

func TestParseConfigErrorsNameFileProfileKey(t *testing.T) {
	cases := map[string]string{
		goodOdin + "colour = \"red\"\n":                                      `c.toml: profile odin-lab: unknown key "colour"`,
		strings.Replace(goodOdin, `kind = "ODIN"`, `kind = "cucm"`, 1):       `profile odin-lab: key "kind": unknown kind "cucm"`,
		strings.Replace(goodOdin, "group = \"G\"\n", "", 1):                  `profile odin-lab: key "group" is missing`,
		strings.Replace(goodOdin, "https://odin.example.com", "odin", 1):     `profile odin-lab: key "url"`,
		strings.Replace(goodOdin, `"5s"`, `"5 minutes"`, 1):                  `key "timeout"`,
		strings.Replace(goodOdin, "concurrency = 8", "concurrency = 0.5", 1): `c.toml`,
		"secret_store = \"plaintext\"\n":                                     `key "secret_store": "plaintext"`,
		"[profiles.x]\nkind = \"odin\"\n":                                    `profile x: key "url" is missing`,
		"verbose = true\n":                                                   `c.toml: unknown key "verbose"`,
		"[profiles.x\n":                                                      `c.toml: line 2: expected`,
		goodOdin + "ca_file = \"/nonexistent/ca.pem\"\n":                     `key "ca_file"`,
	}
	for text, want := range cases {
		_, err := ParseConfig([]byte(text), "c.toml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config:\n%s\nerr = %v, want %q", text, err, want)
		}
	}
}

func TestSecretEnvName(t *testing.T) {
	for in, want := range map[string]string{"odin-lab": "RESETDESK_SECRET_ODIN_LAB", "AD.corp 2": "RESETDESK_SECRET_AD_CORP_2"} {
		if got := SecretEnvName(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

func TestParseConfigRefusesInsaneNumbers(t *testing.T) {
	cases := map[string]string{
		"rate_limit = nan":      `key "rate_limit": NaN`,
		"rate_limit = inf":      `key "rate_limit": +Inf`,
		"rate_limit = 1e-300":   `use 0 for unlimited`,
		"rate_limit = 5000":     `more than 1000`,
		"rate_limit = -1":       `key "rate_limit"`,
		"timeout = 20":          `key "timeout": want a duration in quotes like "20s"`,
		"timeout = \"48h\"":     `key "timeout": 48h0m0s is outside`,
		"daily_quota = -3":      `key "daily_quota"`,
		"concurrency = 0":       `key "concurrency": 0 is outside 1..64`,
		"protected = [\"[a\"]":  `key "protected"`,
		"timeout = \"5 years\"": `profile odin-lab: key "timeout": "5 years" is not a duration`,
	}
	for _, c := range []struct{ text, want string }{
		{"[serve]\nidle_timeout = \"0s\"\n", `serve: key "idle_timeout"`},
		{"[serve]\nmax_sessions = 0\n", `serve: key "max_sessions"`},
	} {
		if _, err := ParseConfig([]byte(c.text), "c.toml"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.text, err, c.want)
		}
	}
	for line, want := range cases {
		text := strings.Replace(goodOdin, "concurrency = 8\nrate_limit = 2.5\ntimeout = \"5s\"\n", "", 1) + line + "\n"
		_, err := ParseConfig([]byte(text), "c.toml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", line, err, want)
		}
	}
}

// A config with several mistakes says all of them at once, each with its profile and key:
// fixing them one run at a time is what a technician at the end of a queue does not need.
func TestParseConfigReportsEveryErrorAtOnce(t *testing.T) {
	text := "colour = 1\n" + strings.Replace(goodOdin, "concurrency = 8", "concurrency = 100", 1) +
		"[profiles.second]\nkind = \"odin\"\nurl = \"https://h/api?x=1\"\n"
	_, err := ParseConfig([]byte(text), "c.toml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`unknown key "colour"`, `profile odin-lab: key "concurrency"`, `profile second: key "url"`, `profile second: key "username" is missing`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("%d lines, want one per problem (4):\n%v", n, err)
	}
}

func TestLoadConfigRefusesAHugeFile(t *testing.T) {
	path := t.TempDir() + "/big.toml"
	if err := os.WriteFile(path, make([]byte, MaxConfigSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(path, true); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseDurationRefusesOverflow(t *testing.T) {
	for _, s := range []string{"213504d", "9999999999999999999d", "100000h", "1e400h"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("%s = %v, accepted", s, d)
		}
	}
	for s, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "90m": 90 * time.Minute, "3650d": MaxDuration} {
		if d, err := ParseDuration(s); err != nil || d != want {
			t.Errorf("%s = %v, %v; want %v", s, d, err, want)
		}
	}
}

// The config loader never panics and, for anything it accepts, gives profiles whose
// every checked field is within its bounds.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodOdin))
	f.Add([]byte("secret_store = \"file\"\njournal_retention = \"7d\"\n" + goodOdin + "protected = [\"svc-*\"]\n"))
	f.Add([]byte("[serve]\nlisten = \"127.0.0.1:2222\"\n[technicians.a]\nkeys = [\"ssh-ed25519 AAAA\"]\nmax_users = 5\n"))
	f.Add([]byte("[profiles.x]\nkind = \"odin\"\nurl = \"https://h/api?x=1\"\nrate_limit = nan\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.toml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("an error that does not name the file: %v", err)
			}
			return
		}
		for _, p := range cfg.Profiles {
			if p.Concurrency < 0 || p.Concurrency > backends.MaxConcurrency || p.RateLimit < 0 || p.RateLimit > maxRateLimit || p.DailyQuota < 0 {
				t.Fatalf("accepted %+v", p)
			}
			if err := backends.CheckBaseURL(p.URL); err != nil {
				t.Fatalf("accepted url %q: %v", p.URL, err)
			}
			if r, ok := sanitize.Unseen(p.Name + p.Username + p.URL + p.Directory); ok {
				t.Fatalf("accepted %U in %+v", r, p)
			}
		}
	})
}

// ParseDuration never panics, never returns a negative duration or one past MaxDuration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"24h", "7d", "213504d", "1e400h", "-5m", "9223372036854775807ns", "0d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && (d > MaxDuration || (d < 0 && !strings.HasPrefix(strings.TrimSpace(s), "-"))) {
			t.Fatalf("%q = %v", s, d)
		}
	})
}
