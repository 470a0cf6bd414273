package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/ui/keys"
	"resetdesk/ui/list"
	"resetdesk/ui/slow"
)

// Four-eyes approval: a run that needs a second technician waits in the host's
// registry; every approver who may use its profile sees "N waiting for approval" in the
// header of every page, and a opens the requests, one at a time, in full: who asked and
// when, the profile, mode, options and ticket, every user with their name, the plan as
// it would run now (its facts), and until when it waits. Enter approves (typing the
// count of a large run, as the review asks), d declines with a reason. Nobody approves
// their own request: the technician's own requests are there too, saying so.

type (
	// pendingMsg is the requests this technician may decide (the root keeps them).
	pendingMsg struct {
		reqs []desk.ApprovalRequest
		err  string
	}
	// requestPlanMsg is a request's plan, read at its starter's desk.
	requestPlanMsg struct {
		id   int64
		plan *desk.Plan
		err  string
	}
	// decidedMsg is the end of an approval or a decline.
	decidedMsg struct {
		id   int64
		text string
		err  string
	}
)

// pendingCmd reads the requests this technician may decide.
func pendingCmd(sh *shared) tea.Cmd {
	if !sh.desk.Approver() {
		return nil
	}
	return func() tea.Msg {
		reqs, err := slow.Call(sh.ctx, storeTimeout, sh.desk.Pending)
		return pendingMsg{reqs: reqs, err: cleanErr(err)}
	}
}

// approvalItem is a request as the page shows it: another technician's, which this one
// may decide, or their own, which they may not.
type approvalItem struct {
	id        int64
	by        string
	own       bool
	requested string // "12:04"
	expires   string // "13:04"
	profile   string
	kind      string
	mode      string
	opts      []string
	ticket    string
	why       string
	users     []reviewUser
}

// approvalsPage shows the approval requests one at a time.
type approvalsPage struct {
	sh            *shared
	items         []approvalItem
	at            int // the request shown
	plans         map[int64]requestPlanMsg
	users         list.Model
	count         countField      // the count typed to approve a large run
	reason        textinput.Model // a decline's reason
	declining     bool
	busy          slow.Task
	width, height int
	head          []string // the lines above the users, drawn for the room (layout)
	// swapped: the request shown was replaced by another (the one shown was decided
	// elsewhere): enter first says so.
	swapped bool
}

func newApprovalsPage(sh *shared) *approvalsPage {
	p := &approvalsPage{sh: sh, plans: map[int64]requestPlanMsg{}, users: sh.newList(), count: newCountField(sh),
		reason: sh.newTextInput(), busy: slow.NewTask()}
	p.reason.Prompt, p.reason.Placeholder, p.reason.CharLimit = "reason: ", "why it is declined (the starter reads it)", 500
	p.read()
	return p
}

// read gathers the requests: those the technician may decide (as the root last read
// them), then their own that wait. The request shown stays, with what was typed for
// it; when it is gone (decided elsewhere, expired), the one shown instead must be read
// before enter approves it (swapped).
func (p *approvalsPage) read() {
	cur, had := p.current()
	p.items = nil
	for _, r := range p.sh.pending {
		p.items = append(p.items, itemOfRequest(r))
	}
	me := p.sh.desk.Technician()
	for _, h := range p.sh.desk.Runs() {
		if in := h.Info(); in.State == desk.StateWaiting && in.Technician == me && in.Approval != nil {
			p.items = append(p.items, itemOfRun(in))
		}
	}
	p.at = 0
	for i, it := range p.items {
		if had && it.id == cur.id {
			p.at = i
			return
		}
	}
	if now, ok := p.current(); had && ok && now.id != cur.id {
		p.swapped = true
	}
	p.showItem()
}

func itemOfRequest(r desk.ApprovalRequest) approvalItem {
	it := approvalItem{id: r.ID, by: clean(r.By), requested: runner.TimeText(r.Requested), expires: runner.TimeText(r.Expires),
		profile: clean(r.Profile), kind: clean(r.Kind), mode: modeText(r.Kind, r.Mode), why: clean(r.Why), ticket: clean(r.Options.Ticket)}
	it.opts = optionTexts(modeOfKind(r.Kind, r.Mode), r.Options, "")
	for _, u := range r.Users {
		it.users = append(it.users, reviewUser{id: clean(u.ID), name: clean(u.Name)})
	}
	return it
}

// itemOfRun is the technician's own run waiting for approval, as its request reads.
func itemOfRun(in desk.Info) approvalItem {
	it := itemOfRequest(desk.ApprovalRequest{ID: in.Approval.Request, By: in.Technician, Requested: in.Requested,
		Expires: in.Approval.Expires, Profile: in.Profile, Kind: in.Kind, Mode: in.Mode, Options: in.Options, Users: in.Users,
		Why: in.Approval.Why})
	it.own = true
	return it
}

// modeText is a mode as the review names it: "sip — SIP authentication password".
func modeText(kind, name string) string {
	m := modeOfKind(kind, name)
	if m.Label == "" {
		return clean(name)
	}
	return m.Name + " — " + m.Label
}

// showItem resets what belongs to the request shown: its users' list, the count.
func (p *approvalsPage) showItem() {
	p.count.SetValue("")
	p.declining = false
	p.reason.Blur()
	n := 0
	if it, ok := p.current(); ok {
		n = len(it.users)
	}
	p.users.SetItems(n)
	p.users.SetTyping(p.large())
	if p.large() {
		p.count.Focus() // the count field takes the digits; the arrows scroll
	} else {
		p.count.Blur()
	}
	p.layout()
}

func (p *approvalsPage) current() (approvalItem, bool) {
	if p.at < len(p.items) {
		return p.items[p.at], true
	}
	return approvalItem{}, false
}

// large reports whether the request shown is approved by typing its count.
func (p *approvalsPage) large() bool {
	it, ok := p.current()
	return ok && !it.own && len(it.users) > largeRun
}

func (p *approvalsPage) Title() string { return "approval requests" }
func (p *approvalsPage) Input() input {
	switch {
	case p.declining:
		return inputOf(true, p.reason.Value())
	case p.large():
		return emptyInput // the count field takes digits only
	}
	return noInput
}

func (p *approvalsPage) Help() keys.Help {
	km := p.sh.keys
	if p.declining {
		send := keys.Named(km.Confirm, "decline with this reason")
		return keys.Help{ShortKeys: []key.Binding{send, km.Cancel}, Groups: [][]key.Binding{{send, km.Cancel}}}
	}
	other := []key.Binding{km.PrevRequest, km.NextRequest}
	if len(p.items) < 2 {
		other = nil // ←/→ go to the other requests: there is none
	}
	if it, ok := p.current(); !ok || it.own {
		// Nothing here to decide: the way back and the other requests.
		return keys.Help{ShortKeys: append(other, km.Back), Groups: [][]key.Binding{other, {km.Back}}}
	}
	approve := km.Approve
	if p.large() {
		approve = keys.Named(km.Approve, "approve, once the count is typed")
	}
	short := []key.Binding{approve, km.Decline, km.Back}
	if other != nil {
		short = []key.Binding{approve, km.Decline, km.NextRequest, km.Back}
	}
	return keys.Help{ShortKeys: short,
		Groups: [][]key.Binding{{approve, km.Decline}, other, {km.ArrowUp, km.ArrowDown, km.PageUp, km.PageDown}, {km.Back}}}
}

func (p *approvalsPage) Init() tea.Cmd { return tea.Batch(pendingCmd(p.sh), p.planCmd()) }

// planCmd reads the shown request's plan once (not for the technician's own: nobody
// decides those here).
func (p *approvalsPage) planCmd() tea.Cmd {
	it, ok := p.current()
	if !ok || it.own {
		return nil
	}
	if _, read := p.plans[it.id]; read {
		return nil
	}
	p.plans[it.id] = requestPlanMsg{id: it.id} // under way
	sh := p.sh
	return func() tea.Msg {
		plan, err := slow.Call(sh.ctx, planTimeout, func(ctx context.Context) (*desk.Plan, error) { return sh.desk.RequestPlan(ctx, it.id) })
		return requestPlanMsg{id: it.id, plan: plan, err: cleanErr(err)}
	}
}

func (p *approvalsPage) Update(msg tea.Msg) (tea.Cmd, nav) {
	defer p.layout()
	switch msg := msg.(type) {
	case pendingMsg, runsChangedMsg:
		p.read()
		return p.planCmd(), nil
	case requestPlanMsg:
		p.plans[msg.id] = msg
		return nil, nil
	case decidedMsg:
		p.busy.Done()
		if msg.err != "" {
			return toastBad(msg.err), nil
		}
		return tea.Batch(toast(msg.text), pendingCmd(p.sh)), nil
	case tea.KeyPressMsg:
		if p.busy.Running() {
			return nil, nil // approving or declining: the answer comes
		}
		return p.key(msg)
	case tea.PasteMsg:
		return p.paste(msg), nil
	case tea.MouseWheelMsg:
		cmd, _ := p.users.Update(msg)
		return cmd, nil
	}
	return p.busy.Update(msg), nil
}

func (p *approvalsPage) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case p.declining:
		p.reason, cmd = p.reason.Update(msg)
	case p.large():
		cmd, _ = p.count.take(msg)
	}
	return cmd
}

func (p *approvalsPage) key(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := p.sh.keys
	if p.declining {
		return p.reasonKey(k)
	}
	switch {
	case key.Matches(k, km.Back):
		return nil, back{}
	case key.Matches(k, km.NextRequest), key.Matches(k, km.PrevRequest):
		if len(p.items) > 1 {
			d := 1
			if key.Matches(k, km.PrevRequest) {
				d = len(p.items) - 1
			}
			p.at = (p.at + d) % len(p.items)
			p.swapped = false
			p.showItem()
		}
		return p.planCmd(), nil
	case key.Matches(k, km.Approve):
		return p.approve(), nil
	case key.Matches(k, km.Decline):
		return p.decline()
	}
	if cmd, ok := p.users.Update(k); ok {
		return cmd, nil
	}
	if p.large() {
		cmd, _ := p.count.take(k)
		return cmd, nil
	}
	return nil, nil
}

// approve approves the request shown, once its count is typed (a large run).
func (p *approvalsPage) approve() tea.Cmd {
	it, ok := p.current()
	switch {
	case !ok:
		return nil
	case it.own:
		return toastBad("nobody approves their own request: another approver must")
	case p.swapped:
		p.swapped = false
		return toastBad("the request you read was decided or expired meanwhile: this is another one — read it, then enter approves it")
	case p.plans[it.id].plan == nil:
		// Its plan is what the approver approves: never before it is on screen.
		return toastBad("its plan is not on screen yet: enter approves once it is")
	case p.large() && !p.count.holds(len(it.users)):
		return toastBad(fmt.Sprintf("type %d to approve %d resets", len(it.users), len(it.users)))
	}
	sh := p.sh
	what := fmt.Sprintf("approved: %s's run of %s on %s starts in their name", it.by, plural(len(it.users), "user"), it.profile)
	return p.busy.Start("approving", func() tea.Msg {
		_, err := slow.Call(sh.ctx, planTimeout, func(ctx context.Context) (*desk.Handle, error) { return sh.desk.Approve(ctx, it.id) })
		return decidedMsg{id: it.id, text: what, err: cleanErr(err)}
	})
}

// decline opens the reason field for the request shown.
func (p *approvalsPage) decline() (tea.Cmd, nav) {
	it, ok := p.current()
	switch {
	case !ok:
		return nil, nil
	case it.own:
		return toastBad("your own request: w on its run page withdraws it"), nil
	}
	p.declining = true
	p.reason.SetValue("")
	return p.reason.Focus(), nil
}

// reasonKey is a key in the reason field: enter declines with it, esc gives up.
func (p *approvalsPage) reasonKey(k tea.KeyPressMsg) (tea.Cmd, nav) {
	km := p.sh.keys
	switch {
	case key.Matches(k, km.Cancel):
		p.declining = false
		p.reason.Blur()
		return nil, nil
	case key.Matches(k, km.Confirm):
		it, _ := p.current()
		reason := strings.TrimSpace(p.reason.Value())
		if reason == "" {
			return toastBad("say why it is declined: the starter reads it"), nil
		}
		p.declining = false
		p.reason.Blur()
		sh := p.sh
		what := fmt.Sprintf("declined %s's run of %s on %s", it.by, plural(len(it.users), "user"), it.profile)
		return p.busy.Start("declining", func() tea.Msg {
			_, err := slow.Call(sh.ctx, storeTimeout, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, sh.desk.Decline(ctx, it.id, reason)
			})
			return decidedMsg{id: it.id, text: what, err: cleanErr(err)}
		}), nil
	}
	var cmd tea.Cmd
	p.reason, cmd = p.reason.Update(k)
	return cmd, nil
}
