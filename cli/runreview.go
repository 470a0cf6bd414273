package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/sanitize"
)

// review shows the plan's facts and asks to go on: on the terminal, the confirmation;
// with --yes, the facts on stderr (a script's log shows them). A blocked plan, or one
// that needs an approval `run` was not told to wait for, stops here: nothing was sent.
func (a *app) review(plan *desk.Plan, f runFlags) error {
	if why := plan.Blocked(); why != "" {
		return usageErr("%s", why)
	}
	switch need := plan.Approval; {
	case need.Needed && len(need.Approvers) == 0:
		return usageErr("this run needs a second technician's approval (%s), and no technician may approve it on profile %s: "+
			"set approver = true for one in the config; nothing was sent", need.Why, plan.Request.Profile().Name)
	case need.Needed && !f.waitApproval.set:
		return usageErr("this run needs a second technician's approval (%s): start it from the team console (resetdesk serve), "+
			"or file it and wait for an approver with --wait-approval DURATION; nothing was sent", need.Why)
	}
	if f.yes {
		for _, fact := range plan.Facts() {
			a.warnf("%s", factLine(fact))
		}
		return nil
	}
	if !a.env.StdinTTY || f.usersFile == "-" || f.passwordStdin {
		return usageErr("stdin is not a terminal to confirm on: add --yes to reset %d user(s) without asking", plan.Sending())
	}
	fmt.Fprint(a.env.Stderr, confirmation(plan))
	line, _ := bufio.NewReader(a.env.Stdin).ReadString('\n')
	if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
		return usageErr("cancelled: nothing was sent")
	}
	return nil
}

// factLine is a fact of a plan as `run` prints it.
func factLine(f desk.Fact) string {
	if f.Severity == desk.FactWarn {
		return "WARNING: " + f.Text
	}
	return f.Text
}

// confirmation is what `run` asks on the terminal: the plan's facts, one a line, and
// the question.
func confirmation(plan *desk.Plan) string {
	var b strings.Builder
	for _, f := range plan.Facts() {
		b.WriteString("  " + factLine(f) + "\n")
	}
	req := plan.Request
	p := req.Profile()
	fmt.Fprintf(&b, "Reset %s for %d user(s) in profile %s (%s, %s)? [y/N] ", req.Mode().Label, plan.Sending(), p.Name, p.Kind, sanitize.Line(p.URL))
	return b.String()
}

// awaitApproval waits, at most wait, for a second technician to decide on h, which was
// filed for approval, and reads h's watch w meanwhile: it returns the update that says
// the run was approved (and whatever else it brought). Declined or expired, the error
// says so; an interrupt or the end of the wait withdraws the request. Nothing was sent
// when it returns an error.
func (a *app) awaitApproval(soft <-chan struct{}, h *desk.Handle, w *desk.Watch, plan *desk.Plan, wait time.Duration) (desk.Update, error) {
	in := h.Info()
	who := "an approver"
	if len(plan.Approval.Approvers) > 0 {
		who = strings.Join(plan.Approval.Approvers, " or ")
	}
	a.warnf("request %d filed for a second technician's approval (%s): %s may approve it in the team console (resetdesk serve); "+
		"waiting up to %s (it expires at %s); ctrl+c withdraws it", in.Approval.Request, in.Approval.Why, who, wait, runner.TimeText(in.Approval.Expires))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	interrupted := make(chan struct{})
	go func() {
		select {
		case <-soft:
			close(interrupted)
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		u, err := w.Next(ctx)
		if err != nil {
			why := fmt.Sprintf("no approval within %s", wait)
			select {
			case <-interrupted:
				why = "interrupted"
			default:
			}
			if werr := h.Withdraw(context.Background()); werr == nil {
				return u, fmt.Errorf("%s: request %d withdrawn; nothing was sent", why, in.Approval.Request)
			}
			// Decided meanwhile: read on, without the deadline (an interrupt stops the run).
			ctx = context.Background()
			continue
		}
		for _, s := range u.Warnings {
			a.warnf("%s", s)
		}
		u.Warnings = nil
		switch u.Info.State {
		case desk.StateWaiting:
			continue
		case desk.StateDeclined, desk.StateExpired, desk.StateWithdrawn:
			return u, errors.New(u.Info.Err + "; nothing was sent")
		}
		a.warnf("approved by %s: the run starts", u.Info.Approval.Approver)
		return u, nil
	}
}
