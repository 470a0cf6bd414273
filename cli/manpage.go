package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manCommand prints the manual page, made from the command table itself (so that it
// never falls behind the help) plus the sections a man page has and help does not:
// ENVIRONMENT, EXIT STATUS, FILES, EXAMPLES.
func (a *app) manCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "man",
		Short:   "Print the manual page (roff): man -l <(resetdesk man)",
		Example: "  man -l <(resetdesk man)\n  resetdesk man > ~/.local/share/man/man1/resetdesk.1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(a.env.Stdout, manPage(cmd.Root()))
			return err
		},
	}
}

// manPage renders the page in the man macros, for man(1) to lay out at any width: prose
// paragraphs are joined into one filled paragraph each (a line break in the source is
// not a paragraph break), indented blocks stay as they are.
func manPage(root *cobra.Command) string {
	var m roffWriter
	m.macro(".TH", "RESETDESK", "1", "", "resetdesk "+versionString(), "User Commands")
	m.line(".nh")   // names like RESETDESK_SECRET_<PROFILE> are not to be hyphenated
	m.line(".ad l") // ragged right: no stretched spaces at 80 columns
	m.section("NAME")
	m.line(`resetdesk \- ` + escapeLine(lowerFirst(root.Short)))
	m.section("SYNOPSIS")
	m.line(`\fBresetdesk\fR [\fB\-\-demo\fR] [\fB\-\-config\fR \fIFILE\fR]`)
	m.line(".br")
	m.line(`\fBresetdesk\fR \fIcommand\fR [\fIoptions\fR] [\fIargument\fR ...]`)
	m.section("DESCRIPTION")
	m.prose(root.Long)
	m.section("COMMANDS")
	for _, c := range manCommands(root) {
		m.command(c)
	}
	m.section("OPTIONS")
	m.text("These options are taken by every command:")
	m.flags(root.PersistentFlags())
	m.section("ENVIRONMENT")
	for _, v := range environmentVars {
		m.line(".TP")
		m.line(`\fB` + escape(v.name) + `\fR`)
		m.text(v.text)
	}
	m.line(".PP")
	m.text(secretChainText)
	m.section("EXIT STATUS")
	for _, e := range [][2]string{
		{"0", "Every user was reset (ok), or the command did what it was asked."},
		{"1", "At least one user was not reset (failed, unknown or skipped), or something asked for was not found (creds status: a secret is missing)."},
		{"2", "A usage, config, secret or login error: nothing was reset. A code of 2 never follows a reset."},
	} {
		m.line(".TP")
		m.line(`\fB` + e[0] + `\fR`)
		m.text(e[1])
	}
	m.section("FILES")
	for _, f := range manFiles {
		m.line(".TP")
		m.line(`\fI` + escape(f[0]) + `\fR`)
		m.text(f[1])
	}
	m.section("EXAMPLES")
	for _, c := range append([]*cobra.Command{root}, manCommands(root)...) {
		if ex := strings.TrimRight(c.Example, "\n"); ex != "" {
			m.block(ex, 0) // at the section's own indent: example lines are long
		}
	}
	m.section("SEE ALSO")
	m.line(`\fBssh\fR(1), \fBtmux\fR(1), \fBage\fR(1)`)
	return m.String()
}

// manFiles are the files resetdesk reads and writes.
var manFiles = [][2]string{
	{"$XDG_CONFIG_HOME/resetdesk/config.toml", "The config: profiles, [serve], [technicians.NAME], [verify] (--config or RESETDESK_CONFIG name another)."},
	{"$XDG_STATE_HOME/resetdesk/history.db", "The history (SQLite): who reset whom, when, how and with what result; never a secret."},
	{"$XDG_STATE_HOME/resetdesk/journal/", "The encrypted journal of new secrets (0600 files in a 0700 directory), read by resetdesk recover."},
	{"$XDG_STATE_HOME/resetdesk/journal.key", "The journal's key file (0600), made only when no secret store can be reached and the secret came from outside it."},
	{"$XDG_DATA_HOME/resetdesk/secrets.age", "The encrypted secrets file (secret_store = \"file\")."},
	{"$XDG_DATA_HOME/resetdesk/ssh_host_ed25519_key", "The SSH host key of resetdesk serve."},
}

// manCommands are the commands the page describes, depth first: every available one,
// and the subcommands of a group (creds set, creds status, ...) in place of the group.
func manCommands(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		if sub.HasAvailableSubCommands() {
			out = append(out, manCommands(sub)...)
			continue
		}
		if sub.Runnable() {
			out = append(out, sub)
		}
	}
	return out
}

// roffWriter builds a page line by line.
type roffWriter struct{ b strings.Builder }

func (m *roffWriter) String() string { return m.b.String() }

func (m *roffWriter) line(s string) { m.b.WriteString(s + "\n") }

// macro writes a request with quoted arguments.
func (m *roffWriter) macro(name string, args ...string) {
	for i, a := range args {
		args[i] = `"` + escape(a) + `"`
	}
	m.line(name + " " + strings.Join(args, " "))
}

func (m *roffWriter) section(name string) { m.line(".SH " + name) }

// text writes one filled paragraph's text.
func (m *roffWriter) text(s string) { m.line(escapeLine(s)) }

// prose writes source text: paragraphs split at blank lines, each filled as one; a
// paragraph of indented lines is a block kept as written.
func (m *roffWriter) prose(s string) {
	for i, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if i > 0 {
			m.line(".PP")
		}
		if lines := strings.Split(para, "\n"); strings.HasPrefix(lines[0], "  ") {
			m.block(para, 4)
			continue
		}
		m.text(strings.Join(strings.Fields(para), " "))
	}
}

// block writes lines as they are (no filling), indented by indent more.
func (m *roffWriter) block(s string, indent int) {
	m.line(".PP")
	m.line(fmt.Sprintf(".RS %d", indent))
	m.line(".nf")
	for _, l := range strings.Split(s, "\n") {
		m.line(escapeLine(strings.TrimPrefix(l, "  ")))
	}
	m.line(".fi")
	m.line(".RE")
}

// command writes one command: its use line, what it does, and its own flags.
func (m *roffWriter) command(c *cobra.Command) {
	use := strings.TrimSpace(strings.TrimPrefix(c.Use, c.Name()))
	m.line(".TP")
	m.line(`\fB` + escape(c.CommandPath()) + `\fR ` + escape(use))
	m.text(c.Short + ".")
	if c.Long != "" {
		m.line(".RS")
		m.line(".PP")
		m.prose(c.Long)
		if c.LocalNonPersistentFlags().HasAvailableFlags() {
			m.line(".PP")
			m.text("Options:")
			m.flags(c.LocalNonPersistentFlags())
		}
		m.line(".RE")
	}
}

// flags writes a tagged paragraph per flag: -p, --profile string, then its usage.
func (m *roffWriter) flags(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		tag := `\fB\-\-` + escape(f.Name) + `\fR`
		if f.Shorthand != "" {
			tag = `\fB\-` + f.Shorthand + `\fR, ` + tag
		}
		if name != "" {
			tag += ` \fI` + escape(name) + `\fR`
		}
		m.line(".TP")
		m.line(tag)
		m.text(usage)
	})
}

// escape makes text safe inside a line: a backslash is printed as one, and a hyphen is
// a minus (so that options copied from the page work).
func escape(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// escapeLine is escape for a whole line: a line starting with a period or an apostrophe
// would be read as a request.
func escapeLine(s string) string {
	s = escape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
