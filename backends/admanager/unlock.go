package admanager

import (
	"context"
	"net/http"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// Unlock, the other half of most helpdesk calls: /RestAPI/UnlockUser unlocks a locked-out
// account (the password stays). A mode of its own, and an option of set and generate
// (unlock too), sent after the account's reset succeeded. No secret travels; ADManager
// is assumed to count an unlock against the daily quota.

// PathUnlockUser is the unlock call, appended to the profile's base URL.
const PathUnlockUser = "/RestAPI/UnlockUser"

// MessageUnlocked is an unlock's outcome when ADManager says nothing of its own.
const MessageUnlocked = "account unlocked"

var unlockToo = backends.OptionSpec{Key: backends.OptUnlock, Label: "Unlock the account too (when locked out)", Flag: true}

var unlockMode = backends.Mode{
	Name:   ModeUnlock,
	Label:  "Unlock a locked-out account (the password stays)",
	Source: backends.FromServer,
}

// unlock unlocks one account.
func (c *Client) unlock(ctx context.Context, user string) (backends.Result, error) {
	if msg := c.spentToday(); msg != "" {
		return backends.Result{}, backends.NewError(backends.NotSent, "not sent: "+msg)
	}
	desc := "unlock of " + user
	resp, err := c.call(ctx, http.MethodPost, PathUnlockUser, []param{{"inputFormat", inputFormat([]string{user})}}, desc)
	if err != nil {
		return backends.Result{}, err
	}
	if env, ok := severityOf(resp.Body); ok {
		return backends.Result{}, c.requestFailure(env, desc)
	}
	var list []account
	if err := httpx.DecodeJSON(resp, &list, desc); err != nil {
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: err.Error() + "; the account may have been unlocked"}
	}
	a, ok := pick(list, user, true)
	if !ok {
		return backends.Result{}, &backends.Error{Kind: backends.Unanswered, Msg: desc + ": the answer does not name the account; it may have been unlocked"}
	}
	if a.Status == "" && !failureText(a.Message) {
		// The contract leaves status assumed: a message that reads as no failure is done.
		a.Status = "1"
	}
	text, err := c.accountOutcome(a)
	if err != nil {
		return backends.Result{}, err
	}
	if text == "" {
		text = MessageUnlocked
	}
	return backends.Result{Message: text}, nil
}

// unlockToo unlocks user after its reset and says how it went after msg, the reset's
// message: the reset stands whatever the unlock answers.
func (c *Client) unlockToo(ctx context.Context, user, msg string) string {
	res, err := c.unlock(ctx, user)
	switch {
	case err == nil:
		return strings.TrimSpace(msg + "; unlock: " + res.Message)
	case backends.KindOf(err) == backends.Unanswered:
		return strings.TrimSpace(msg + "; unlock sent, no answer: check whether the account is still locked (" + err.Error() + ")")
	}
	return strings.TrimSpace(msg + "; the account was not unlocked: " + err.Error())
}

// failureText reports whether a status message without a status reads as a failure.
func failureText(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"fail", "error", "not found", "unable", "cannot", "can't", "denied", "invalid", "insufficient", "quota", "limit", "not permitted", "no such"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}
