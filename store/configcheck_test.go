package store

import (
	"slices"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
)

// Several type errors in several profiles: every one is reported, in the order of the
// file, and the same text comes back on every run (a decoder into a Go map reported one,
// a different one each time).
func TestParseConfigReportsEveryTypeErrorInFileOrder(t *testing.T) {
	text := `secret_store = 5
[profiles.zulu]
kind = "odin"
url = "https://z.example.com/api/v2"
username = 7
service_provider = "SP"
group = "G"
concurrency = "four"
[profiles.alpha]
kind = "odin"
url = "https://a.example.com/api/v2"
username = "u"
service_provider = ["SP"]
group = "G"
timeout = 20
protected = ["ok", 3]
[technicians.mike]
keys = "ssh-ed25519 AAAA"
max_users = 1.5
[serve]
max_sessions = "50"
`
	want := []string{
		`config c.toml: key "secret_store": want a string in quotes, not the whole number 5`,
		`config c.toml: profile zulu: key "username": want a string in quotes, not the whole number 7`,
		`config c.toml: profile zulu: key "concurrency": want a whole number, not the string "four"`,
		`config c.toml: profile alpha: key "service_provider": want a string in quotes, not a list`,
		`config c.toml: profile alpha: key "timeout": want a duration in quotes like "20s", "15m" or "1h", not the whole number 20`,
		`config c.toml: profile alpha: key "protected": item 2: want a string in quotes, not the whole number 3`,
		`config c.toml: technician mike: key "keys": want a list of strings like ["a", "b"], not the string "ssh-ed25519 AAAA"`,
		`config c.toml: technician mike: key "max_users": want a whole number, not the number 1.5`,
		`config c.toml: serve: key "max_sessions": want a whole number, not the string "50"`,
	}
	var first string
	for range 20 {
		_, err := ParseConfig([]byte(text), "c.toml")
		if err == nil {
			t.Fatal("accepted")
		}
		if first == "" {
			first = err.Error()
			if got := strings.Split(first, "\n"); !slices.Equal(got, want) {
				t.Fatalf("errors:\n%s\nwant:\n%s", first, strings.Join(want, "\n"))
			}
		} else if err.Error() != first {
			t.Fatalf("a second parse reports other errors:\n%v\nfirst:\n%s", err, first)
		}
	}
}

// A table written as something else is an error, not silently an empty table.
func TestParseConfigRefusesAWrongTypeForATable(t *testing.T) {
	cases := map[string]string{
		"profiles = 5\n":                                             `config c.toml: key "profiles": want [profiles.NAME] tables, one per system, not the whole number 5`,
		"[[profiles]]\nkind = \"odin\"\n":                            `key "profiles": want [profiles.NAME] tables, one per system, not a list of tables`,
		"[profiles]\nodin-lab = \"odin\"\n":                          `profile odin-lab: want a table of the profile's keys, not the string "odin"`,
		"technicians = [\"alice\"]\n":                                `key "technicians": want [technicians.NAME] tables`,
		"[technicians]\nalice = 1\n":                                 `technician alice: want a table`,
		"serve = \"127.0.0.1:2222\"\n":                               `key "serve": want a table ([serve])`,
		"verify = true\n":                                            `key "verify": want a table ([verify])`,
		"[profiles.x]\nkind = \"odin\"\n[profiles.x.extra]\na = 1\n": `profile x: unknown key "extra"`,
	}
	for text, want := range cases {
		if _, err := ParseConfig([]byte(text), "c.toml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v\nwant %q", text, err, want)
		}
	}
}

// Names and every other string refuse C0/C1 controls and the invisible format characters
// that make one name display as another; the message names the key and the code point.
func TestParseConfigRefusesUnseenCharacters(t *testing.T) {
	cases := map[string]string{
		strings.Replace(goodOdin, "[profiles.odin-lab]", "[profiles.\"odin\u009b-lab\"]", 1): `profile "odin\u009b-lab": the profile name holds U+009B (a control character)`,
		strings.Replace(goodOdin, "[profiles.odin-lab]", "[profiles.\"odin\u200b-lab\"]", 1): `the profile name holds U+200B`,
		strings.Replace(goodOdin, `"john.smith"`, `"john\u202e.smith"`, 1):                   `profile odin-lab: key "username": holds U+202E (an invisible bidi or format character)`,
		strings.Replace(goodOdin, `group = "G"`, `group = "G\u2066"`, 1):                     `key "group": holds U+2066`,
		strings.Replace(goodOdin, `group = "G"`, `group = "\ufeffG"`, 1):                     `key "group": holds U+FEFF`,
		strings.Replace(goodOdin, `group = "G"`, `group = "G\t"`, 1):                         `key "group": holds U+0009 (a control character)`,
		goodOdin + "protected = [\"svc-*\", \"adm\u200f\"]\n":                                `key "protected": item 2: holds U+200F`,
		"secret_store = \"file\u200d\"\n":                                                    `key "secret_store": holds U+200D`,
		"[technicians.\"al\u202aice\"]\nkeys = [\"k\"]\n":                                    `technician "al\u202aice": the technician's name holds U+202A`,
		"[serve]\nlisten = \"127.0.0.1:2222\u0085\"\n":                                       `serve: key "listen": holds U+0085`,
	}
	for text, want := range cases {
		if _, err := ParseConfig([]byte(text), "c.toml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v\nwant %q", text, err, want)
		}
	}
}

const policyOdin = goodOdin + `verify = "Required"
verify_methods = ["mail", "Callback"]
directory = "adm"
approval_over = 20
approve = ["adm-*", "svc-*"]
approval_ttl = "30m"
secret_command = ["pass", "show", "resetdesk/odin-lab"]
[verify]
smtp = "smtps://mail.example.com"
from = "desk@example.com"
[profiles.adm]
kind = "odin"
url = "https://h/api/v2"
username = "u"
service_provider = "SP"
group = "G"
[technicians.alice]
keys = ["ssh-ed25519 AAAA"]
approver = true
`

func TestParseConfigPolicyKeys(t *testing.T) {
	cfg, err := ParseConfig([]byte("approval_ttl = \"2h\"\n"+policyOdin), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Profile("odin-lab")
	if p.Verify != backends.VerifyRequired || !slices.Equal(p.VerifyMethods, []string{"mail", "callback"}) || p.Directory != "adm" ||
		p.ApprovalOver != 20 || !slices.Equal(p.Approve, []string{"adm-*", "svc-*"}) || p.ApprovalTTL != 30*time.Minute ||
		!slices.Equal(p.SecretCommand, []string{"pass", "show", "resetdesk/odin-lab"}) {
		t.Fatalf("%+v", p)
	}
	adm, _ := cfg.Profile("adm")
	if adm.Verify != backends.VerifyOff || adm.VerifyMethods != nil || adm.ApprovalOver != 0 || adm.ApprovalTTL != 2*time.Hour {
		t.Fatalf("defaults: %+v", adm)
	}
	if cfg.ApprovalTTL != 2*time.Hour || !cfg.Technicians[0].Approver {
		t.Fatalf("%+v", cfg)
	}
	cfg, err = ParseConfig([]byte(goodOdin), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := cfg.Profile("odin-lab"); p.ApprovalTTL != backends.DefaultApprovalTTL || cfg.ApprovalTTL != backends.DefaultApprovalTTL {
		t.Fatalf("default approval_ttl: %v, %v", p.ApprovalTTL, cfg.ApprovalTTL)
	}
}

func TestParseConfigRefusesBadPolicyKeys(t *testing.T) {
	cases := map[string]string{
		`verify = "Required"`:                                     `profile odin-lab: key "verify": "always": use "off", "offered" or "required"`,
		`verify_methods = ["mail", "Callback"]`:                   `profile odin-lab: key "verify_methods": "pigeon": use any of "mail", "sms", "callback"`,
		`directory = "adm"`:                                       `profile odin-lab: key "directory": no profile "nowhere" in this file (the profiles are odin-lab, adm)`,
		`approval_over = 20`:                                      `profile odin-lab: key "approval_over": 0: give a number of users of at least 1`,
		`approve = ["adm-*", "svc-*"]`:                            `profile odin-lab: key "approve": "[x" is not a glob`,
		`approval_ttl = "30m"`:                                    `profile odin-lab: key "approval_ttl": 0s is outside 1s..7d`,
		`secret_command = ["pass", "show", "resetdesk/odin-lab"]`: `profile odin-lab: key "secret_command": give the program and its arguments`,
	}
	bad := map[string]string{
		`verify = "Required"`:                                     `verify = "always"`,
		`verify_methods = ["mail", "Callback"]`:                   `verify_methods = ["mail", "pigeon"]`,
		`directory = "adm"`:                                       `directory = "nowhere"`,
		`approval_over = 20`:                                      `approval_over = 0`,
		`approve = ["adm-*", "svc-*"]`:                            `approve = ["[x"]`,
		`approval_ttl = "30m"`:                                    `approval_ttl = "0s"`,
		`secret_command = ["pass", "show", "resetdesk/odin-lab"]`: `secret_command = []`,
	}
	for good, want := range cases {
		text := strings.Replace(policyOdin, good, bad[good], 1)
		_, err := ParseConfig([]byte(text), "c.toml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v\nwant %q", bad[good], err, want)
		}
	}
	for text, want := range map[string]string{
		strings.Replace(policyOdin, `directory = "adm"`, `directory = "odin-lab"`, 1):                  `key "directory": "odin-lab" is this profile itself`,
		strings.Replace(policyOdin, `"mail", "Callback"`, `"sms", "SMS"`, 1):                           `key "verify_methods": "sms" is listed twice`,
		strings.Replace(policyOdin, `verify_methods = ["mail", "Callback"]`, `verify_methods = []`, 1): `key "verify_methods" is empty`,
		strings.Replace(policyOdin, `secret_command = ["pass"`, `secret_command = [" "`, 1):            `key "secret_command"`,
		"approval_ttl = \"8d\"\n" + goodOdin:                                                           `config c.toml: key "approval_ttl": 192h0m0s is outside 1s..7d`,
		strings.Replace(policyOdin, `"mail", "Callback"`, `"mail", "sms"`, 1):                          `profile odin-lab: key "verify_methods": "sms" needs the gateway: set sms_url in the [verify] table`,
		strings.Replace(policyOdin, `smtp = "smtps://mail.example.com"`, ``, 1):                        `profile odin-lab: key "verify_methods": "mail" needs the relay`,
		strings.Replace(policyOdin, "approver = true", "approver = \"yes\"", 1):                        `technician alice: key "approver": want true or false`,
	} {
		if _, err := ParseConfig([]byte(text), "c.toml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant %q", err, want)
		}
	}
}

// A profile may not read as the secrets of the [verify] table, or the gateway's token
// would be sent to a back end as that profile's password.
func TestParseConfigRefusesProfilesNamedLikeVerifySecrets(t *testing.T) {
	for _, name := range []string{"smtp", "SMS", "journal-key", "smtp-file"} {
		text := strings.Replace(goodOdin, "odin-lab", name, 1)
		if _, err := ParseConfig([]byte(text), "c.toml"); err == nil || !strings.Contains(err.Error(), "reads as") {
			t.Errorf("profile %s: err = %v", name, err)
		}
	}
	// lab's file variable is lab-file's secret variable, whichever comes first.
	for _, text := range []string{
		goodOdin + strings.Replace(goodOdin, "odin-lab", "odin-lab-file", 1),
		strings.Replace(goodOdin, "odin-lab", "odin-lab-file", 1) + goodOdin,
	} {
		if _, err := ParseConfig([]byte(text), "c.toml"); err == nil || !strings.Contains(err.Error(), "(RESETDESK_SECRET_ODIN_LAB_FILE): rename it") {
			t.Errorf("err = %v", err)
		}
	}
}
