package desk_test

import (
	"context"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/odin/odintest"
	"resetdesk/desk"
	"resetdesk/store/history"
)

// The server applies the change, then answers 200 with an HTML page (issue 17 item 3):
// the user is unknown, never failed; the output keeps the secret that was sent and says
// what came back; recover lists it as possibly set, with the secret the server holds;
// the history keeps the message, and no secret.
func TestAnAnswerThatIsNotTheContractsKeepsTheSentSecretInRecover(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	srv.SetFaults(odintest.Faults{Garble: "/users/authentication", GarbleBody: fakekit.BodyHTML})
	d := testDesk(t, srv, t.TempDir())
	user := srv.Users()[0]
	o := runOn(t, d, []string{user})[0]
	held := srv.SIPPassword(user)
	if o.Status != backends.StatusUnknown || o.Secret == "" || o.Secret != held {
		t.Fatalf("%+v: the server holds %q", o, held)
	}
	if !strings.Contains(o.Message, `an HTML page from the server, title "Request processed"`) {
		t.Errorf("the message does not say what came back: %q", o.Message)
	}
	ctx := context.Background()
	rc, err := d.Recover(ctx, false)
	if err != nil || rc.Entries() != 1 {
		t.Fatalf("recover: %+v %v", rc, err)
	}
	e := rc.Runs[0].Entries[0]
	if e.User != user || e.Secret != held || !strings.Contains(desk.RecoverStatus(e), "may be set") {
		t.Fatalf("recover lists %+v (%s)", e, desk.RecoverStatus(e))
	}
	_, outs, err := d.History(ctx, history.Filter{}, true)
	if err != nil || len(outs) != 1 || outs[0].Status != string(backends.StatusUnknown) {
		t.Fatalf("history: %+v %v", outs, err)
	}
	backendtest.NoSecretRun(t, []string{outs[0].Message}, held, odintest.Password)
}
