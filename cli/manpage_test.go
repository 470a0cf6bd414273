package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The page's source: a title line man can lay out, every section a reader looks for, a
// source paragraph as one filled paragraph (not a paragraph per line), and no text line
// that roff would read as a request.
func TestManPageSource(t *testing.T) {
	r := runCLI(t, "", nil, "man")
	if r.code != ExitOK {
		t.Fatalf("exit %d %q", r.code, r.stderr)
	}
	page := r.stdout
	if !strings.HasPrefix(page, `.TH "RESETDESK" "1" "" "resetdesk `) || !strings.Contains(strings.SplitN(page, "\n", 2)[0], `"User Commands"`) {
		t.Fatalf("title line: %q", strings.SplitN(page, "\n", 2)[0])
	}
	for _, s := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ENVIRONMENT", "EXIT STATUS", "FILES", "EXAMPLES"} {
		if !strings.Contains(page, "\n.SH "+s+"\n") {
			t.Errorf("no section %s", s)
		}
	}
	for _, want := range []string{
		`CSV whose first column is the user) or from stdin with \-\-users \-.`, // one paragraph of run's help, its lines joined
		`\fBRESETDESK_SECRET_<PROFILE>_FILE\fR`,
		`\fB\-p\fR, \fB\-\-profile\fR \fIstring\fR`,
		`\fBresetdesk creds status\fR [PROFILE]`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	requests := regexp.MustCompile(`^\.(TH|SH|PP|TP|RS|RE|nf|fi|br|nh|ad)( |$)`)
	for i, l := range strings.Split(page, "\n") {
		if (strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'")) && !requests.MatchString(l) {
			t.Errorf("line %d would be read as a request: %q", i+1, l)
		}
	}
}

// Laid out by man at 80 columns: the title is whole, nothing is wider than the terminal.
func TestManPageReadsAt80Columns(t *testing.T) {
	manPath, err := exec.LookPath("man")
	if err != nil {
		if os.Getenv("RESETDESK_E2E") != "" {
			t.Fatal("man is not installed (.ci/run installs man-db and groff-base)")
		}
		t.Skip("man is not installed")
	}
	r := runCLI(t, "", nil, "man")
	src := filepath.Join(t.TempDir(), "resetdesk.1")
	if err := os.WriteFile(src, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(manPath, "-l", src)
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", "LANG=C.UTF-8", "MAN_KEEP_FORMATTING=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("man -l: %v", err)
	}
	text := regexp.MustCompile(".\b").ReplaceAllString(string(out), "") // overstrike bold
	lines := strings.Split(text, "\n")
	if !regexp.MustCompile(`^RESETDESK\(1\) +User Commands +RESETDESK\(1\)$`).MatchString(lines[0]) {
		t.Fatalf("title line %q", lines[0])
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
	for _, want := range []string{"\nENVIRONMENT\n", "\nEXIT STATUS\n", "\nFILES\n", "\nEXAMPLES\n", "resetdesk run -p odin-lab -m sip -y 9871515000@odinapi.net"} {
		if !strings.Contains(text, want) {
			t.Errorf("the laid-out page lacks %q", want)
		}
	}
}

// Help written to a file or a pipe has no padding after the text of a line.
func TestHelpOffATerminalHasNoTrailingSpaces(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"help", "environment"}} {
		r := runCLI(t, "", nil, args...)
		for i, l := range strings.Split(r.stdout, "\n") {
			if strings.HasSuffix(l, " ") {
				t.Fatalf("%v: line %d ends in spaces: %q", args, i+1, l)
			}
		}
	}
}
