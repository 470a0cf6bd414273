package store

import (
	"strings"
	"testing"
	"time"

	_ "resetdesk/backends/odin" // a registered kind to configure
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
		"secret_store = \"plaintext\"\n":                                     `secret_store "plaintext"`,
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
