package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/report"
)

type result struct {
	code           int
	stdout, stderr string
	app            *app
}

// runCLI runs resetdesk in-process with the given stdin and environment.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out bytes.Buffer
	r := runCLIWith(t, stdin, env, &out, args...)
	r.stdout = out.String()
	return r
}

// runCLIWith is runCLI writing stdout to out.
func runCLIWith(t *testing.T, stdin string, env map[string]string, out io.Writer, args ...string) result {
	t.Helper()
	var errb bytes.Buffer
	home := t.TempDir() // config, state and the vault stay inside the test
	a := &app{env: Env{Stdin: strings.NewReader(stdin), Stdout: out, Stderr: &errb,
		Getenv: func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			switch k {
			case "HOME":
				return home
			case "RESETDESK_VAULT_PASSPHRASE":
				return testVaultPassphrase
			}
			return ""
		}}}
	a.workFactor = testWorkFactor
	code := a.main(context.Background(), args)
	t.Cleanup(a.close)
	return result{code, "", errb.String(), a}
}

func demoOdin(t *testing.T, r result) *odintest.Server {
	t.Helper()
	in, ok := r.app.desk.DemoEnv().Instance("demo-odin")
	if !ok {
		t.Fatal("no demo-odin")
	}
	return in.Server.(*odintest.Server)
}

func TestRunDemoJSONInInputOrder(t *testing.T) {
	users := []string{"9871515007@odinapi.net", "ghost@odinapi.net", "9871515001@odinapi.net", "9871515003@odinapi.net"}
	r := runCLI(t, "", nil, append([]string{"run", "--demo", "--profile", "demo-odin", "--mode", "SIP", "--yes", "--concurrency", "3"}, users...)...)
	if r.code != ExitSome {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	srv := demoOdin(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(users) {
		t.Fatalf("%d lines:\n%s", len(lines), r.stdout)
	}
	for i, l := range lines {
		var o report.Record
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if o.User != users[i] || o.Profile != "demo-odin" || o.Mode != "sip" {
			t.Fatalf("line %d = %s", i, l)
		}
		if i == 1 {
			if o.Status != "failed" || o.Secret != "" || !strings.Contains(o.Message, "User not found") {
				t.Fatalf("unknown user line: %s", l)
			}
			continue
		}
		if o.Status != "ok" || o.Secret == "" || srv.SIPPassword(o.User) != o.Secret {
			t.Fatalf("line %s: server holds %q", l, srv.SIPPassword(o.User))
		}
	}
}

func TestRunAllOKExitsZeroAndReadsStdinList(t *testing.T) {
	list := "\xef\xbb\xbf9871515002@odinapi.net\r\n\r\n9871515002@odinapi.net\r\n9871515004@odinapi.net\r\n"
	r := runCLI(t, list, nil, "run", "--demo", "--profile", "demo-odin", "--mode", "vm", "--users", "-", "--yes", "--format", "csv")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "user,status,secret") || !strings.HasPrefix(lines[1], "9871515002@odinapi.net,ok,") {
		t.Fatalf("csv:\n%s", r.stdout)
	}
}

func TestRunRefusesBadInputWithExit2(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n\n# nobody\n"), 0o600)
	base := []string{"run", "--demo", "--yes"}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"unknown mode", "", []string{"--mode", "voicemail", "u@d"}, `unknown mode "voicemail": this system offers sip, vm, web`},
		{"unknown profile", "", []string{"--profile", "nope", "--mode", "sip", "u@d"}, `unknown profile "nope"`},
		{"unreadable file", "", []string{"--mode", "sip", "--users", filepath.Join(dir, "missing.txt")}, "cannot read"},
		{"empty list", "", []string{"--mode", "sip", "--users", empty}, "no users"},
		{"no users", "", []string{"--mode", "sip"}, "no users"},
		{"control characters", "jdoe\nbad\x1b]52;c;eA==\x07id\n", []string{"--mode", "sip", "--users", "-"}, "line 2"},
		{"control characters in argv", "", []string{"--mode", "sip", "a\tb"}, "control character"},
		{"bidi override in a list", "9871515001@odinapi.net\nevil\u202egnp@odinapi.net\n", []string{"--mode", "sip", "--users", "-"}, `line 2: user id "evil\u202egnp@odinapi.net" holds U+202E`},
		{"zero-width space in argv", "", []string{"--mode", "sip", "9871515001\u200b@odinapi.net"}, `holds U+200B`},
		{"typed password for two users", "Secret123!\n", []string{"--mode", "sip", "--password-stdin", "a@d", "b@d"}, "refused for 2 users"},
		{"option the mode lacks", "", []string{"--mode", "sip", "--expires", "5", "a@d"}, "no expiry"},
		{"bad format", "", []string{"--mode", "sip", "--format", "xml", "a@d"}, "--format"},
		{"expires 0", "", []string{"--profile", "demo-webadm", "--mode", "link", "--expires", "0", "jdoe"}, "--expires 0"},
		{"expires 721", "", []string{"--profile", "demo-webadm", "--mode", "LINK", "--expires", "721", "jdoe"}, "between 1 and 720"},
		{"bad method", "", []string{"--profile", "demo-webadm", "--mode", "link", "--method", "FAX", "jdoe"}, "MAIL"},
		{"endless users file", "", []string{"--mode", "sip", "--users", "/dev/zero"}, "larger than 16 MiB"},
		{"one huge line", strings.Repeat("x", 2<<20), []string{"--mode", "sip", "--users", "-"}, "longer than 1 MiB"},
		{"comments with escapes", "", []string{"--profile", "demo-webadm", "--mode", "link", "--comments", "hi\x1b]52;c;aGk=\x07", "jdoe"}, "control character"},
		{"protected account", "", []string{"--profile", "demo-emm", "--mode", "set", "admin"}, "own login"},
		{"typed password with an escape", "pw\x1b[2Jx\n", []string{"--profile", "demo-emm", "--mode", "set", "--password-stdin", "asmith"}, "control character"},
		{"password as a flag value", "", []string{"--mode", "sip", "--password-stdin=S3cr3t-in-argv", "a@d"}, "takes no value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{}, base...)
			if !slices.Contains(c.args, "--profile") {
				args = append(args, "--profile", "demo-odin")
			}
			r := runCLI(t, c.stdin, nil, append(args, c.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "\x1b") {
				t.Fatal("a control sequence reached stderr")
			}
			if r.app.desk != nil && r.app.desk.Demo() && demoOdin(t, r).Resets() != 0 {
				t.Fatal("a reset was sent")
			}
		})
	}
}

func TestRunWithoutYesOffATerminalRefuses(t *testing.T) {
	r := runCLI(t, "", nil, "run", "--demo", "--profile", "demo-odin", "--mode", "sip", "9871515002@odinapi.net")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "--yes") || demoOdin(t, r).Resets() != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// testVaultPassphrase unlocks the encrypted secrets file that test configs use, so that
// tests never depend on a Secret Service being reachable.
const testVaultPassphrase = "test vault passphrase"

// testWorkFactor is the scrypt cost of the tests' vaults: cheap, since what they test is
// the store, not scrypt.
const testWorkFactor = 10

// writeConfig points a profile at a running fake.
func writeConfig(t *testing.T, srv *odintest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	cfg := "secret_store = \"file\"\n" + srv.ProfileTOML("lab")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunSecretAndLogin(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	cfg := writeConfig(t, srv)
	user := srv.Users()[0]

	r := runCLI(t, "", nil, "run", "--config", cfg, "--profile", "lab", "--mode", "sip", "--yes", user)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "RESETDESK_SECRET_LAB") {
		t.Fatalf("missing secret: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"RESETDESK_SECRET_LAB": "wrong-pass"}, "run", "--config", cfg, "--profile", "lab", "--mode", "sip", "--yes", user)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "Invalid username or password") || strings.Contains(r.stderr, "wrong-pass") {
		t.Fatalf("bad login: exit %d %q", r.code, r.stderr)
	}
	if srv.Resets() != 0 {
		t.Fatal("a reset went out after a bad login")
	}
	r = runCLI(t, "", map[string]string{"RESETDESK_CONFIG": cfg, "RESETDESK_SECRET_LAB": odintest.Password}, "run", "--profile", "lab", "--mode", "web", "--yes", user)
	if r.code != ExitOK || srv.WebPassword(user) == "" || !strings.Contains(r.stdout, srv.WebPassword(user)) {
		t.Fatalf("good run: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestConfigErrorsNameFileProfileKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("[profiles.lab]\nkind = \"odin\"\nurl = \"https://x/api/v2\"\nusername = \"a\"\nservice_provider = \"s\"\ngroup = \"g\"\nconcurency = 4\n"), 0o600)
	r := runCLI(t, "", nil, "profiles", "--config", path)
	if r.code != ExitUsage || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "profile lab") || !strings.Contains(r.stderr, `"concurency"`) {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "profiles", "--config", filepath.Join(t.TempDir(), "none.toml"))
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no such file") {
		t.Fatalf("named missing config: exit %d %q", r.code, r.stderr)
	}
}

// The TLS column says how each profile's secrets travel, in the console's words; the
// SECRET column where the secret comes from.
func TestProfilesShowTheTransport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	profile := func(name, url, extra string) string {
		return "[profiles." + name + "]\nkind = \"prm\"\nurl = \"" + url + "\"\n" + extra
	}
	os.WriteFile(path, []byte(profile("clear", "http://prm.example.com", "")+
		profile("skip", "https://prm.example.com", "insecure_skip_verify = true\n")+
		profile("good", "https://prm.example.com", "")), 0o600)
	r := runCLI(t, "", map[string]string{"RESETDESK_SECRET_GOOD": "token"}, "profiles", "--config", path)
	if r.code != ExitOK {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	for name, badge := range map[string]string{"clear": "NO TLS", "skip": "INSECURE TLS", "good": "TLS"} {
		var line string
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, name+" ") {
				line = l
			}
		}
		if !strings.Contains(line, "  "+badge+"  ") {
			t.Errorf("%s: want the badge %q in %q", name, badge, line)
		}
		if name == "good" && !strings.Contains(line, "  env  ") {
			t.Errorf("good: the secret comes from the environment: %q", line)
		}
	}
}

func TestCheckAndProfilesOnDemo(t *testing.T) {
	r := runCLI(t, "", nil, "check", "--demo", "demo-odin")
	if r.code != ExitOK || !strings.Contains(r.stdout, "demo-odin: ok") {
		t.Fatalf("check: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", nil, "--demo", "profiles")
	if r.code != ExitOK || !strings.Contains(r.stdout, "demo-odin") || !strings.Contains(r.stdout, "  demo  ") || !strings.Contains(r.stdout, "  local http  ") {
		t.Fatalf("profiles: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", nil, "frobnicate")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", r.code, r.stderr)
	}
}
