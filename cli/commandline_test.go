package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"resetdesk/backends/report"
)

// Everything after -- is a user id: `run … -- u1 --mode=web` must not reset the web
// password of u1, and `--mode=web` is refused as an id (it is not one in Odin).
func TestDoubleDashMakesTheRestUserIDs(t *testing.T) {
	r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "json", "--", "9871515002@odinapi.net", "--mode=web")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("exit %d, %d lines:\n%s\n%s", r.code, len(lines), r.stdout, r.stderr)
	}
	for _, l := range lines {
		var rec report.Record
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Mode != "sip" {
			t.Fatalf("%s: %v", l, err)
		}
	}
	if !strings.Contains(lines[1], `"user":"--mode=web"`) {
		t.Fatalf("--mode=web after -- was not taken as a user id:\n%s", r.stdout)
	}
	if srv := demoOdin(t, r); srv.WebPassword("9871515002@odinapi.net") != "" {
		t.Fatal("the web password was reset")
	}
}

// Help goes to stdout with exit 0, per command, with examples and exit codes.
func TestHelpIsOnStdoutWithExitZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"help", "run"}, {"help", "environment"}, {"recover", "-h"}} {
		r := runCLI(t, "", nil, args...)
		if r.code != ExitOK || r.stdout == "" || r.stderr != "" {
			t.Fatalf("%v: exit %d, stdout %d bytes, stderr %q", args, r.code, len(r.stdout), r.stderr)
		}
	}
	r := runCLI(t, "", nil, "run", "--help")
	for _, want := range []string{"--profile", "-p", "Exit codes", "resetdesk run -p"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
	r = runCLI(t, "", nil, "help", "environment")
	for _, want := range []string{"RESETDESK_SECRET_JOURNAL_KEY", "RESETDESK_VAULT_PASSPHRASE", "XDG_STATE_HOME"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help environment lacks %q", want)
		}
	}
}

// Shell completion completes profile names and modes from the config.
func TestCompletionOfProfilesAndModes(t *testing.T) {
	r := runCLI(t, "", nil, "completion", "bash")
	if r.code != ExitOK || !strings.Contains(r.stdout, "__resetdesk") {
		t.Fatalf("completion bash: %d %q", r.code, r.stderr)
	}
	r = runCLI(t, "", nil, "__complete", "--demo", "run", "--profile", "")
	if !strings.Contains(r.stdout, "demo-odin") || !strings.Contains(r.stdout, "demo-prm") {
		t.Fatalf("profile completion:\n%s", r.stdout)
	}
	r = runCLI(t, "", nil, "__complete", "--demo", "run", "--profile", "demo-odin", "--mode", "")
	if !strings.Contains(r.stdout, "sip") || strings.Contains(r.stdout, "generate") {
		t.Fatalf("mode completion for an odin profile:\n%s", r.stdout)
	}
}

// Numbers are decimal: 010 is ten, 0x10 is refused; an explicit 0 is refused where 0
// means nothing.
func TestNumbersAreDecimal(t *testing.T) {
	base := []string{"run", "--demo", "-p", "demo-webadm", "-m", "link", "-y", "--method", "NONE"}
	for flag, want := range map[string]string{"--expires=0x10": "not a whole number", "--expires=0": "at least 1", "--concurrency=0": "--concurrency 0: use 1..64", "--concurrency=1e3": "not a whole number"} {
		r := runCLI(t, "", nil, append(base, flag, "jdoe")...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d %q, want %q", flag, r.code, r.stderr, want)
		}
	}
	r := runCLI(t, "", nil, append(base, "--expires=010", "-f", "json", "jdoe")...)
	if r.code != ExitOK {
		t.Fatalf("--expires 010: exit %d %s", r.code, r.stderr)
	}
}

// --output writes the results 0600 and never overwrites a file.
func TestOutputFileIsPrivateAndNeverOverwritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-o", path, "9871515003@odinapi.net")
	if r.code != ExitOK {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("output: %v %v", fi, err)
	}
	data, _ := os.ReadFile(path)
	srv := demoOdin(t, r)
	if !strings.HasPrefix(string(data), "user,status,secret") || !strings.Contains(string(data), srv.SIPPassword("9871515003@odinapi.net")) {
		t.Fatalf("output holds:\n%s", data)
	}
	r = runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-o", path, "9871515004@odinapi.net")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "never overwrites") || demoOdin(t, r).Resets() != 0 {
		t.Fatalf("second run onto the same file: exit %d %q", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Fatal("the file was changed")
	}
}

// closedWriter is a stdout whose reader went away after n writes (`| head -1`).
type closedWriter struct{ n int }

func (c *closedWriter) Write(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errors.New("write |1: broken pipe")
	}
	c.n--
	return len(p), nil
}

// A closed stdout stops dispatching: what is in flight finishes into the journal, stderr
// says where the rest is, and the exit code is not 0.
func TestClosedStdoutStopsTheRun(t *testing.T) {
	var users []string
	for i := range 60 {
		users = append(users, fmt.Sprintf("%d@odinapi.net", 9871515000+i))
	}
	r := runCLIWith(t, "", nil, &closedWriter{n: 1}, append([]string{"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "json", "--concurrency", "1"}, users...)...)
	if r.code != ExitSome || !strings.Contains(r.stderr, "the output was closed") || !strings.Contains(r.stderr, "resetdesk recover") {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	if n := demoOdin(t, r).Resets(); n >= len(users) {
		t.Fatalf("%d resets: dispatching went on after the reader left", n)
	}
}

// The ticket reference goes with every record of the run, as in the console's export.
func TestRunRecordsCarryTheTicket(t *testing.T) {
	r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "json", "--ticket", "INC-4711", "9871515005@odinapi.net")
	var rec report.Record
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &rec); err != nil || rec.Ticket != "INC-4711" {
		t.Fatalf("exit %d %q: %+v %v", r.code, r.stdout, rec, err)
	}
	r = runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-f", "csv", "--ticket", "INC-4711", "9871515005@odinapi.net")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 2 || len(rows[0]) != len(rows[1]) || rows[0][7] != "ticket" || rows[1][7] != "INC-4711" {
		t.Fatalf("csv (%v):\n%s", err, r.stdout)
	}
}

// A flag that takes one value, given twice, is refused before anything is opened or sent,
// naming the flag: `-p a -p b` used to reset in b, `-u a.txt -u b.txt` dropped a.txt.
func TestRepeatedFlagIsRefused(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, []byte("9871515001@odinapi.net\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string][]string{
		"-p/--profile is given twice": {"run", "--demo", "-p", "demo-odin", "-p", "demo-admanager", "-m", "sip", "-y", "9871515001@odinapi.net"},
		"-m/--mode is given twice":    {"run", "--demo", "-p", "demo-odin", "-m", "sip", "--mode=web", "-y", "9871515001@odinapi.net"},
		"-u/--users is given twice":   {"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-u", a, "-u", b},
		"--config is given twice":     {"--config", a, "profiles", "--config", b},
		"-f/--format is given twice":  {"history", "-f", "json", "-f", "table"},
	}
	for want, args := range cases {
		r := runCLI(t, "", nil, args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, r.code, r.stderr, want)
		}
		if r.app.desk != nil {
			t.Errorf("%v: the desk was opened", args)
		}
	}
	// The same value twice says one thing.
	if r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "--profile=demo-odin", "-m", "sip", "-y", "-f", "json", "9871515001@odinapi.net"); r.code != ExitOK {
		t.Fatalf("the same profile twice: exit %d %q", r.code, r.stderr)
	}
}

// A bad RESETDESK_JOURNAL_RETENTION is refused by every command that opens the desk, with
// the same message, before anything is sent (run used to ignore it and send).
func TestBadJournalRetentionIsRefusedByEveryCommand(t *testing.T) {
	commands := [][]string{
		{"run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "9871515001@odinapi.net"},
		{"run", "-p", "odin-lab", "-m", "sip", "-y", "9871515001@odinapi.net"},
		{"recover"}, {"history"}, {"profiles"}, {"check", "odin-lab"}, {"creds", "status"}, {"serve", "--listen", "127.0.0.1:0"},
	}
	for _, v := range []string{"bogus", "-1h", "0"} {
		want := `RESETDESK_JOURNAL_RETENTION="` + v + `": give a positive duration`
		for _, args := range commands {
			r := runCLI(t, "", map[string]string{"RESETDESK_JOURNAL_RETENTION": v}, args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, want) || r.stdout != "" {
				t.Errorf("%s %v: exit %d %q", v, args, r.code, r.stderr)
			}
			if r.app.desk != nil {
				t.Errorf("%s %v: the desk was opened", v, args)
			}
		}
	}
}

// --output is a file name: a bare format name (kubectl's `-o json`) is refused with a
// hint to --format, and so is an extension resetdesk does not write; nothing is sent and
// no file is made.
func TestOutputNameIsAFileOfAKnownFormat(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where `-o json` would write its file named json
	cases := map[string]string{
		"json":                           "use --format json, csv or table",
		"yaml":                           "use --format json, csv or table",
		"wide":                           "use --format json, csv or table",
		filepath.Join(dir, "CSV"):        "use --format json, csv or table",
		filepath.Join(dir, "out.yaml"):   "resetdesk does not write .yaml: name the file .csv, .json or .jsonl",
		filepath.Join(dir, "out.txt"):    "does not write .txt",
		filepath.Join(dir, "results"):    "give the file an extension",
		filepath.Join(dir, "out.ndjson"): "does not write .ndjson",
	}
	for out, want := range cases {
		r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-o", out, "9871515001@odinapi.net")
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) || r.app.desk != nil {
			t.Errorf("-o %s: exit %d %q, want %q", out, r.code, r.stderr, want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("-o %s: the file was made", out)
		}
	}
	for _, name := range []string{"r.json", "r.JSONL", "r.csv"} {
		out := filepath.Join(dir, name)
		if r := runCLI(t, "", nil, "run", "--demo", "-p", "demo-odin", "-m", "sip", "-y", "-o", out, "9871515001@odinapi.net"); r.code != ExitOK {
			t.Errorf("-o %s: exit %d %q", out, r.code, r.stderr)
		}
	}
}
