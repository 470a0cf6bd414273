// Package ui is the console: a Bubble Tea program whose root (Console) routes between
// pages — profiles, users, mode, review, run, results, and credentials, recover and
// history beside them — built from the shared parts in its sub-packages: fit (text in
// terminal cells), keys (the key map and its help), list (the one scrolling list),
// table (the results table) and slow (a bounded call with a spinner).
//
// The console reaches the session only through Desk. New builds a console with no
// process-wide side effect (no signal handler, no environment read but through
// Desk.Getenv, the clipboard written through the program's own output), so that one
// process can serve many (`resetdesk serve`); Run is the local console on top of it.
// It knows back ends only through backends.Backend and backends.Mode, so a new kind
// needs no change here.
package ui

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/store"
	"resetdesk/store/history"
	"resetdesk/theme"
	"resetdesk/ui/keys"
)

// Desk is the session the console works at (desk.Desk): every call that may block (the
// keyring, the journal, the history, the network) is made from a tea.Cmd, never in
// Update or View.
type Desk interface {
	Profiles() []backends.Profile
	Demo() bool
	// Open fetches the profile's secret and builds its back end.
	Open(ctx context.Context, p backends.Profile) (backends.Backend, error)
	// SecretSource says where a profile's secret comes from, or why there is none.
	SecretSource(ctx context.Context, p backends.Profile) (string, error)
	// QuotaLeft is the day's quota left for profiles that have one.
	QuotaLeft(ctx context.Context, p backends.Profile) (left int, has bool, err error)
	// Prepare is the way to a review: the profile opened, the system asked who the ids
	// name (one reset per account, the lines not sent and why), and the run planned.
	Prepare(ctx context.Context, p backends.Profile, spec runner.Spec) (*desk.Plan, error)
	// Plan is the pre-flight of req, as the desk computes it for every front end: who is
	// sent and who not, the quota, the warnings, the refusal, the approval it needs and
	// whether the callers were verified (read again after v verified one).
	Plan(ctx context.Context, req runner.Request) (*desk.Plan, error)
	// Submit hands a planned run to the host's registry: it starts, or waits for a
	// second technician's approval. The run is the host's: it goes on when the console
	// ends, and the console only watches it (Handle.Watch).
	Submit(ctx context.Context, plan *desk.Plan) (*desk.Handle, error)
	// Runs are the host's runs this desk sees, newest first; Changes is closed at the
	// next change of them (a run added or ending, an approval request filed or decided).
	Runs() []*desk.Handle
	Changes() <-chan struct{}
	// Reattach is what a technician finds as the console opens: their runs at the host
	// and those a restart cut off.
	Reattach(ctx context.Context) (desk.Reattach, error)
	// Approver says whether this technician decides other technicians' approval
	// requests; Pending lists those they may decide, RequestPlan is one's plan, Approve
	// and Decline decide one.
	Approver() bool
	Pending(ctx context.Context) ([]desk.ApprovalRequest, error)
	RequestPlan(ctx context.Context, id int64) (*desk.Plan, error)
	Approve(ctx context.Context, id int64) (*desk.Handle, error)
	Decline(ctx context.Context, id int64, reason string) error
	// Secrets is the store the credentials page sets and deletes profile secrets in.
	Secrets() store.SecretStore
	// Recover reads the journal's recent secrets, as `resetdesk recover` lists them.
	Recover(ctx context.Context, purge bool) (desk.Recovery, error)
	// History reads the runs f selects, newest first, with their outcomes when asked.
	History(ctx context.Context, f history.Filter, outcomes bool) ([]*history.Run, []history.Outcome, error)
	// Getenv reads the session's environment ($TMUX, $STY, $NO_COLOR, $HOME).
	Getenv(name string) string
	// Technician is the served technician's name ("" for the console of the OS account).
	Technician() string
	// Caller looks a user up and lists the ways to verify them (destinations masked,
	// a callback's number whole); SendCode sends them a code, CheckCode checks the one
	// they read back, PendingCode says whether one is waiting, AttestCallback records a
	// callback. Each verification is this desk's technician's only.
	Caller(ctx context.Context, p backends.Profile, user string) (desk.Caller, error)
	SendCode(ctx context.Context, c desk.Caller, method, ticket string) (desk.SentCode, error)
	CheckCode(ctx context.Context, c desk.Caller, typed string) (verify.Check, error)
	PendingCode(c desk.Caller) (verify.Sent, bool)
	AttestCallback(ctx context.Context, c desk.Caller, ticket string) (history.Verification, error)
}

// Timings the console uses; variables so that tests can shorten them.
var (
	searchDebounce = 250 * time.Millisecond
	clipboardTTL   = 30 * time.Second
	toastTTL       = 4 * time.Second
	// frameInterval bounds how often a run's outcomes reach Update (and so the screen).
	frameInterval = 50 * time.Millisecond
	openTimeout   = 30 * time.Second
	// verifyTimeout bounds a step of a caller's verification: the lookup in the
	// system, a code handed to the mail relay or the SMS gateway.
	verifyTimeout = 30 * time.Second
	// storeTimeout bounds a secret-store call of the credentials page (the OS keyring
	// has a shorter timeout of its own; this one also covers a store that ignores its
	// context) and a read of the journal or the history.
	storeTimeout = 15 * time.Second
)

// Console is the console's Bubble Tea model.
type Console struct {
	sh    *shared
	stack []page

	width, height int
	helpOpen      bool
	helpTop       int // first line of the help overlay shown

	toast      string
	toastBad   bool
	toastID    int
	toastOwner page // the page whose toast it is; nil: the console's own

	question *ask
	// closedAt is when the last question closed: its answer keys typed just after do
	// nothing (lateAnswer).
	closedAt time.Time

	clipID    int
	clipHeld  bool
	clipUntil time.Time
	now       func() time.Time
	// clipCopied are the secrets copied since the clipboard was last cleared: tmux may
	// keep each of them in a paste buffer that the clear must delete.
	clipCopied []string
	// notices reach the console while Run runs it (WithNotices).
	notices *Notices
	// tmuxNoted is set once the console said that a copy stays in tmux's buffers.
	tmuxNoted bool
	quitting  bool
}

// Option changes how New builds the console.
type Option func(*Console)

// LocalTerminal is for the console of this process's own terminal (Run): it may run
// tmux to delete the paste buffers a copy left, and read and write files on this
// machine (import a list of users, export results). A console served over SSH has
// neither: the files and the tmux would be the server's, not the technician's.
func LocalTerminal() Option {
	return func(c *Console) { c.sh.local, c.sh.files = true, true }
}

// New builds the console for d. It changes nothing outside the model: the program that
// runs it owns the terminal and the signals, and the clipboard is written through the
// program's output.
func New(ctx context.Context, d Desk, opts ...Option) *Console {
	sh := &shared{ctx: ctx, desk: d, keys: keys.Default(), quota: map[string]int{}, secrets: map[string]string{}}
	sh.noColor = d.Getenv("NO_COLOR") != ""
	sh.th = theme.New(true, sh.noColor)
	for _, p := range d.Profiles() {
		sh.profiles = append(sh.profiles, newProfile(p))
	}
	c := &Console{sh: sh, width: 80, height: 24, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	c.stack = []page{newProfilesPage(sh)}
	c.layout()
	return c
}

// Run runs the console at d in the alternate screen until the technician quits.
func Run(ctx context.Context, d Desk, opts ...Option) error {
	c := New(ctx, d, append(opts, LocalTerminal())...)
	p := tea.NewProgram(c, tea.WithContext(ctx))
	if c.notices != nil {
		c.notices.attach(p.Send)
		defer c.notices.attach(nil)
	}
	// A dropped SSH session sends SIGHUP, which would kill the process with requests in
	// flight: end the program instead, and let the run below finish what it sent.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ended := make(chan struct{})
	defer close(ended)
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hup:
			hungUp.Store(true)
			p.Kill()
		case <-ended:
		}
	}()
	// The runs are the host's: the desk's Close drains them once, after this returns.
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && (ctx.Err() != nil || hungUp.Load()) {
		return nil
	}
	return err
}
