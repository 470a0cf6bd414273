package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseConfigVerifyTable(t *testing.T) {
	cfg, err := ParseConfig([]byte(`[verify]
smtp = "smtp://mail.corp.example.com"
from = "Service Desk <servicedesk@corp.example.com>"
smtp_username = "resetdesk"
sms_url = "https://sms.corp.example.com/send"
code_ttl = "5m"
valid_for = "1h"
attempts = 5
`), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	v := cfg.Verify
	if v.SMTPHost != "mail.corp.example.com" || v.SMTPPort != 587 || v.SMTPSecurity != SMTPStartTLS || v.SMTPUsername != "resetdesk" ||
		v.SMSURL != "https://sms.corp.example.com/send" || v.CodeTTL != 5*time.Minute || v.ValidFor != time.Hour || v.Attempts != 5 {
		t.Fatalf("%+v", v)
	}
	cfg, err = ParseConfig([]byte(goodOdin), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Verify != DefaultVerify() || cfg.Verify.CodeTTL != 10*time.Minute || cfg.Verify.ValidFor != 15*time.Minute || cfg.Verify.Attempts != 3 {
		t.Fatalf("defaults: %+v", cfg.Verify)
	}
	if cfg, err := LoadConfig(t.TempDir()+"/none.toml", false); err != nil || cfg.Verify != DefaultVerify() {
		t.Fatalf("no file: %+v, %v", cfg, err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	good := []struct {
		url  string
		host string
		port int
		sec  SMTPSecurity
	}{
		{"smtp://mail.example.com:2525", "mail.example.com", 2525, SMTPStartTLS},
		{"SMTPS://mail.example.com", "mail.example.com", 465, SMTPTLS},
		{"smtp+plain://127.0.0.1:1025", "127.0.0.1", 1025, SMTPPlain},
		{"smtp+plain://[::1]", "::1", 25, SMTPPlain},
		{"smtp+plain://localhost:1025/", "localhost", 1025, SMTPPlain},
	}
	for _, c := range good {
		host, port, sec, err := ParseSMTPURL(c.url)
		if err != nil || host != c.host || port != c.port || sec != c.sec {
			t.Errorf("%s = %s %d %s %v", c.url, host, port, sec, err)
		}
	}
	bad := map[string]string{
		"smtp+plain://mail.example.com:25": "only a loopback address",
		"smtp+plain://10.0.0.1":            "only a loopback address",
		"http://mail.example.com":          "use smtp://HOST:587",
		"mail.example.com:587":             "is not a relay URL like \"smtp://mail.example.com:587\"",
		"smtp://u:pw@mail.example.com":     "must not carry a user or password",
		"smtp://mail.example.com:99999":    "is not a port",
		"smtp://mail.example.com/x?y=1":    "no path or query",
		"smtp://":                          "is not a relay URL",
	}
	for url, want := range bad {
		if _, _, _, err := ParseSMTPURL(url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", url, err, want)
		}
	}
}

func TestParseConfigRefusesBadVerifyKeys(t *testing.T) {
	cases := map[string]string{
		"smtp = \"smtp+plain://mail.example.com\"\nfrom = \"a@b.c\"": `config c.toml: verify: key "smtp": "smtp+plain://mail.example.com": plain SMTP would send the codes unencrypted`,
		"smtp = \"smtp://mail.example.com\"":                         `verify: key "from" is missing`,
		"smtp = \"smtps://h\"\nfrom = \"not an address\"":            `verify: key "from": "not an address" is not a mail address`,
		"sms_url = \"http://sms.example.com/send\"":                  `verify: key "sms_url": "http://sms.example.com/send": plain http`,
		"sms_url = \"ftp://sms.example.com\"":                        `must start with https://`,
		"sms_url = \"https://tok:x@sms.example.com\"":                `must not carry a user or password`,
		"code_ttl = \"0s\"":                                          `verify: key "code_ttl": 0s is outside`,
		"valid_for = \"48h\"":                                        `verify: key "valid_for": 48h0m0s is outside`,
		"attempts = 0":                                               `verify: key "attempts": 0 is outside 1..10`,
		"attempts = \"3\"":                                           `verify: key "attempts": want a whole number`,
		"colour = \"red\"":                                           `verify: unknown key "colour"`,
	}
	for body, want := range cases {
		if _, err := ParseConfig([]byte("[verify]\n"+body+"\n"), "c.toml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v\nwant %q", body, err, want)
		}
	}
	if _, err := ParseConfig([]byte("[verify]\nsms_url = \"http://127.0.0.1:8025/send\"\nsmtp = \"smtp+plain://127.0.0.1:1025\"\nfrom = \"a@example.com\"\n"), "c.toml"); err != nil {
		t.Fatalf("loopback refused: %v", err)
	}
}
