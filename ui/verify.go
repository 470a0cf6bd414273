package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/ui/keys"
	"resetdesk/ui/slow"
)

// verifyPage verifies the caller of a single-user run before the reset: it looks the
// user up in the profile's system (or its directory profile's), lists the ways on file
// (destinations masked, a callback's number whole: the technician dials it), sends a
// one-time code and checks the one the caller reads back, or records a callback the
// technician attests. The desk keeps the code and records every step; every call to it
// runs in a tea.Cmd under a timeout. A verification passed sends the page back to the
// review, which reads it again from the desk.
type verifyPage struct {
	sh            *shared
	profile       *profile
	user, shown   string // the user's id as sent, and as drawn
	ticket        string // the run's ticket, kept with each event
	width, height int

	busy  slow.Task
	stage verifyStage
	// caller is the user as the lookup found them; name and ways are drawn from it.
	caller desk.Caller
	name   string
	ways   []string
	cursor int

	code    textinput.Model // the code the caller reads back (digits only)
	reached textinput.Model // "yes", typed to record a callback
	// sent is how the code waiting for the caller went out (method, masked
	// destination); expires and tries are known for a code this page sent.
	sent    verify.Sent
	sentAt  time.Time
	expires time.Time
	tries   int
	demo    string // the demo outbox's line for the code this page sent, drawn
	// gen counts the codes this page sent and its calls: an answer or an expiry tick
	// of an older one does nothing.
	gen int
	// dead: the code waiting can no longer pass (expired, out of attempts, used up).
	dead bool
	// status is what the last step came to ("wrong code: 2 tries left"); bad when it
	// went wrong. lookupErr keeps the page on the lookup, with a way to try again.
	status    string
	bad       bool
	lookupErr bool
}

// verifyStage is where the verification is.
type verifyStage int

const (
	stageLookup   verifyStage = iota // looking the caller up (or it failed)
	stageWays                        // choosing the way: a code by mail or SMS, a callback
	stageCode                        // a code went out: the caller reads it back
	stageCallback                    // the technician calls the number on file back
)

// Answers of the desk, each for the page (and the call) that asked.
type (
	callerFoundMsg struct {
		pg      *verifyPage
		gen     int
		caller  desk.Caller
		pending verify.Sent
		waiting bool // a code this technician sent is still waiting
		err     string
	}
	codeSentMsg struct {
		pg   *verifyPage
		gen  int
		sent desk.SentCode
		at   time.Time
		err  string
		// waiting: after a code that was not sent, the one before still waits (a send
		// refused before it began: the hourly limit, a secret missing).
		waiting bool
	}
	codeCheckedMsg struct {
		pg    *verifyPage
		gen   int
		check verify.Check
		err   error
	}
	callbackRecordedMsg struct {
		pg  *verifyPage
		gen int
		err string
	}
	codeExpiredMsg struct {
		pg  *verifyPage
		gen int
	}
)

func newVerifyPage(sh *shared, p *profile, user, ticket string) *verifyPage {
	v := &verifyPage{sh: sh, profile: p, user: user, shown: clean(user), ticket: ticket, busy: slow.NewTask(),
		code: sh.newTextInput(), reached: sh.newTextInput()}
	v.code.Prompt = "code: "
	v.code.CharLimit = 12 // six digits, with the spaces or dashes a caller reads them with
	v.code.SetWidth(14)
	v.reached.Prompt = "reached them? "
	v.reached.CharLimit = 8
	v.reached.SetWidth(10)
	return v
}

func (v *verifyPage) Title() string     { return "verify the caller" }
func (v *verifyPage) Profile() *profile { return v.profile }

// Input: the code field takes digits only, so ? shows the help and q is ignored there,
// as in the review's count; the callback's field takes letters.
func (v *verifyPage) Input() input {
	switch v.stage {
	case stageCode:
		return emptyInput
	case stageCallback:
		return inputOf(true, v.reached.Value())
	}
	return noInput
}

func (v *verifyPage) Help() keys.Help {
	km := v.sh.keys
	other := keys.Named(km.Back, "other way")
	switch {
	case v.stage == stageCode:
		return keys.Help{ShortKeys: []key.Binding{km.CheckCode, km.Resend, other},
			Groups: [][]key.Binding{{keys.Hint("0…9", "the code the caller reads back"), km.CheckCode, km.Resend, other}}}
	case v.stage == stageCallback:
		yes := keys.Hint("yes", "type it once you reached them on the number on file")
		return keys.Help{ShortKeys: []key.Binding{km.Attest, other}, Groups: [][]key.Binding{{yes, km.Attest, other}}}
	case v.stage == stageWays:
		send := km.SendCode
		if v.onCallback() {
			send = keys.Named(km.SendCode, "call back")
		}
		return keys.Help{ShortKeys: []key.Binding{send, km.Back},
			Groups: [][]key.Binding{{send, km.Back}, {km.ArrowUp, km.ArrowDown}}}
	case v.lookupErr:
		again := keys.Named(km.Reload, "look up again")
		return keys.Help{ShortKeys: []key.Binding{again, km.Back}, Groups: [][]key.Binding{{again, km.Back}}}
	}
	return keys.Help{ShortKeys: []key.Binding{km.Back}, Groups: [][]key.Binding{{km.Back}}}
}

func (v *verifyPage) SetSize(w, h int) { v.width, v.height = w, h }

func (v *verifyPage) Init() tea.Cmd { return v.lookup() }

// onCallback: the way under the cursor is a callback.
func (v *verifyPage) onCallback() bool {
	return v.cursor < len(v.caller.Options) && v.caller.Options[v.cursor].Method == backends.VerifyCallback
}

// lookup asks the desk who the user is and how they can be reached, and whether a code
// this technician sent them is still waiting.
func (v *verifyPage) lookup() tea.Cmd {
	v.gen++
	v.status, v.bad, v.lookupErr = "", false, false
	sh, pg, gen, p, user := v.sh, v, v.gen, v.profile.p, v.user
	where := v.profile.name
	if p.Directory != "" {
		where = clean(p.Directory)
	}
	return v.busy.Start("looking "+v.shown+" up in "+where, func() tea.Msg {
		c, err := slow.Call(sh.ctx, verifyTimeout, func(ctx context.Context) (desk.Caller, error) {
			return sh.desk.Caller(ctx, p, user)
		})
		if err != nil {
			return callerFoundMsg{pg: pg, gen: gen, err: "cannot verify " + clean(user) + ": " + cleanErr(err)}
		}
		sent, waiting := sh.desk.PendingCode(c)
		return callerFoundMsg{pg: pg, gen: gen, caller: c, pending: sent, waiting: waiting}
	})
}

// send sends a new code by the way o, replacing any code waiting.
func (v *verifyPage) send(o verify.Option) tea.Cmd {
	v.gen++
	v.status, v.bad = "", false
	sh, pg, gen, c, ticket := v.sh, v, v.gen, v.caller, v.ticket
	return v.busy.Start("sending the code: "+clean(o.Label()), func() tea.Msg {
		sent, err := slow.Call(sh.ctx, verifyTimeout, func(ctx context.Context) (desk.SentCode, error) {
			return sh.desk.SendCode(ctx, c, o.Method, ticket)
		})
		if err != nil && sent.Option.Method == "" {
			_, waiting := sh.desk.PendingCode(c)
			return codeSentMsg{pg: pg, gen: gen, err: cleanErr(err), waiting: waiting}
		}
		// Sent, but the history may not have recorded it: the code is out all the same.
		return codeSentMsg{pg: pg, gen: gen, sent: sent, at: time.Now(), err: cleanErr(err)}
	})
}

// check gives the desk the code the caller read back.
func (v *verifyPage) check(typed string) tea.Cmd {
	v.gen++
	v.status, v.bad = "", false
	sh, pg, gen, c := v.sh, v, v.gen, v.caller
	return v.busy.Start("checking the code", func() tea.Msg {
		got, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (verify.Check, error) {
			return sh.desk.CheckCode(ctx, c, typed)
		})
		return codeCheckedMsg{pg: pg, gen: gen, check: got, err: err}
	})
}

// attest records the callback the technician confirmed.
func (v *verifyPage) attest() tea.Cmd {
	v.gen++
	v.status, v.bad = "", false
	sh, pg, gen, c, ticket := v.sh, v, v.gen, v.caller, v.ticket
	return v.busy.Start("recording the callback", func() tea.Msg {
		_, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (struct{}, error) {
			_, err := sh.desk.AttestCallback(ctx, c, ticket)
			return struct{}{}, err
		})
		return callbackRecordedMsg{pg: pg, gen: gen, err: cleanErr(err)}
	})
}

func (v *verifyPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	switch msg := msg.(type) {
	case callerFoundMsg:
		if msg.pg == v && msg.gen == v.gen {
			v.busy.Done()
			return v.found(msg), nil
		}
	case codeSentMsg:
		if msg.pg == v && msg.gen == v.gen {
			v.busy.Done()
			return v.codeSent(msg), nil
		}
	case codeCheckedMsg:
		if msg.pg == v && msg.gen == v.gen {
			v.busy.Done()
			return v.checked(msg)
		}
	case callbackRecordedMsg:
		if msg.pg == v && msg.gen == v.gen {
			v.busy.Done()
			if msg.err != "" {
				v.status, v.bad = msg.err, true
				return nil, nil
			}
			return nil, back{} // the review reads the verification again
		}
	case codeExpiredMsg:
		if msg.pg == v && msg.gen == v.gen && !v.dead && v.stage == stageCode {
			v.expired()
		}
	case tea.KeyPressMsg:
		return v.key(msg)
	case tea.PasteMsg:
		return v.paste(msg), nil
	}
	return v.busy.Update(msg), nil
}

// found shows the ways the lookup found, or why there are none; a code still waiting
// is taken up where it was left.
func (v *verifyPage) found(msg callerFoundMsg) tea.Cmd {
	if msg.err != "" {
		v.status, v.bad, v.lookupErr = msg.err, true, true
		return nil
	}
	v.caller, v.name, v.ways, v.cursor = msg.caller, clean(msg.caller.Name), nil, 0
	for _, o := range msg.caller.Options {
		v.ways = append(v.ways, clean(o.Label()))
	}
	v.stage = stageWays
	if !msg.waiting {
		return nil
	}
	v.sent, v.sentAt, v.expires, v.tries, v.demo, v.dead = msg.pending, time.Time{}, time.Time{}, 0, "", false
	v.status = "a code sent before (" + clean(msg.pending.Method) + " to " + clean(msg.pending.Destination) +
		") is still waiting: type it, or send a new one"
	return v.toCode()
}

// toCode puts the page on the code's field.
func (v *verifyPage) toCode() tea.Cmd {
	v.stage = stageCode
	v.code.SetValue("")
	return v.code.Focus()
}

func (v *verifyPage) codeSent(msg codeSentMsg) tea.Cmd {
	if msg.sent.Option.Method == "" {
		v.status, v.bad = "the code was not sent: "+strings.TrimPrefix(msg.err, "the code was not sent: "), true
		if v.stage == stageCode && !msg.waiting {
			v.dead = true // the failed send voided the code before it
		}
		return nil
	}
	s := msg.sent
	v.sent = verify.Sent{Method: s.Option.Method, Destination: s.Option.Shown, Ticket: v.ticket}
	v.sentAt, v.expires, v.tries, v.demo, v.dead = msg.at, s.Expires, s.Attempts, clean(s.Demo), false
	if msg.err != "" {
		v.status, v.bad = msg.err, true
	}
	gen := v.gen
	tick := tea.Tick(time.Until(s.Expires), func(time.Time) tea.Msg { return codeExpiredMsg{pg: v, gen: gen} })
	return tea.Batch(v.toCode(), tick)
}

// checked says what the code read back came to: verified (back to the review), a try
// less, or a code that can no longer pass.
func (v *verifyPage) checked(msg codeCheckedMsg) (tea.Cmd, nav) {
	v.code.SetValue("")
	if errors.Is(msg.err, desk.ErrNoCode) {
		v.dead = true
		v.status, v.bad = "no code is waiting for "+v.shown+" (used up, or sent by another program): "+v.resendHint(), true
		return nil, nil
	}
	switch msg.check.Outcome {
	case verify.Passed:
		if msg.err != nil {
			v.status, v.bad = cleanErr(msg.err), true // right, but not recorded: it verifies nothing
			v.dead = true
			return nil, nil
		}
		return nil, back{}
	case verify.Wrong:
		v.tries = msg.check.Left
		v.status, v.bad = "wrong code: "+triesLeft(msg.check.Left)+" — ask the caller to read it again", true
	case verify.Expired:
		v.expired()
	case verify.Exhausted:
		v.dead, v.tries = true, 0
		v.status, v.bad = "wrong code, and that was the last try: the code is void, nothing verified; "+v.resendHint(), true
	default:
		v.status, v.bad = cleanErr(msg.err), true
	}
	if msg.err != nil && msg.check.Outcome != verify.Passed {
		v.status += " (" + cleanErr(msg.err) + ")"
	}
	return nil, nil
}

// expired says that the code's time is over.
func (v *verifyPage) expired() {
	v.dead = true
	at := ""
	if !v.expires.IsZero() {
		at = " at " + v.expires.Format("15:04")
	}
	v.status, v.bad = "the code expired"+at+": nothing verified; "+v.resendHint(), true
}

// tries counts tries: "1 try", "3 tries".
func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}

func triesLeft(n int) string { return tries(n) + " left" }

func (v *verifyPage) resendHint() string {
	hint := "ctrl+r sends a new code"
	if _, ok := verify.Pick(v.caller.Options, backends.VerifyCallback); ok {
		hint += ", esc to call back instead"
	}
	return hint
}
