package ui

import (
	"context"
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

func newTestModePage(sh *shared, users ...string) *modePage {
	return sized(newModePage(sh, fakeProfile(backends.Profile{Name: "p"}), users, nil), 80, 20)
}

func TestModeOptionsAndTypedPassword(t *testing.T) {
	sh := testShared()
	m := newTestModePage(sh, "alice")
	m.Update(press("down")) // link
	m.Update(press("tab"))  // delivery
	m.Update(press("right"))
	m.Update(press("tab")) // expires
	for _, k := range "999" {
		m.Update(press(string(k)))
	}
	m.Update(press("enter"))
	if !strings.Contains(m.err, "from 1 to 720") {
		t.Fatalf("bad expiry accepted: %q", m.err)
	}
	for range 3 {
		m.Update(press("backspace"))
	}
	req, err := m.spec()
	if err != nil || req.Options.Method != "SMS" {
		t.Fatalf("request %v, method %q", err, req.Options.Method)
	}
	m = newTestModePage(sh, "alice")
	m.Update(press("down"))
	m.Update(press("down")) // set: a typed password for one user
	m.Update(press("tab"))
	for _, k := range "abc" {
		m.Update(press(string(k)))
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "weak") || strings.Contains(v, "abc") {
		t.Fatalf("typed password not masked or no strength hint:\n%s", v)
	}
	m2 := newTestModePage(sh, "a", "b")
	m2.Update(press("down"))
	m2.Update(press("down"))
	for _, f := range m2.fields {
		if f.kind == fPassword {
			t.Fatal("a typed password offered for two users")
		}
	}
}

// An invalid request never reaches the review: the mode page says why and stays.
func TestModePageKeepsAnInvalidRequest(t *testing.T) {
	sh := testShared()
	m := newTestModePage(sh, "alice", " x")
	if n := navOf(m.Update(press("enter"))); n != nil || !strings.Contains(ansi.Strip(m.View()), "invalid user id") {
		t.Fatalf("an invalid request went on to the review (%#v):\n%s", n, ansi.Strip(m.View()))
	}
}

// WebADM's delivery can be left to the server's Link Delivery Mode, and is by default.
func TestModeOffersTheServersDelivery(t *testing.T) {
	sh := testShared()
	m := sized(newModePage(sh, newProfile(backends.Profile{Name: "w", Kind: "webadm", Username: "admin"}), []string{"alice"}, nil), 80, 20)
	req, err := m.spec()
	if err != nil || req.Options.Method != "" {
		t.Fatalf("default delivery: %v, method %q", err, req.Options.Method)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "[server's]") {
		t.Fatalf("the server's delivery is not offered:\n%s", v)
	}
	m.Update(press("tab"))
	m.Update(press("right"))
	if req, _ := m.spec(); req.Options.Method != "MAIL" {
		t.Fatalf("right chose %q", req.Options.Method)
	}
}

// The mode page fits 80 and 60 columns: long labels and the strength hint wrap, whole.
func TestModePageFitsTheWidth(t *testing.T) {
	for _, w := range []int{80, 60} {
		sh := testShared()
		m := sized(newModePage(sh, newProfile(backends.Profile{Name: "w", Kind: "webadm", Username: "admin"}), []string{"alice"}, nil), w, 16)
		bodyFits(t, w, 16, m.View())
		if !strings.Contains(flat(m.View()), "Delivery (empty: the server's Link Delivery Mode)") {
			t.Fatalf("%d: a label is cut:\n%s", w, ansi.Strip(m.View()))
		}
		m.Update(press("down")) // set
		m.Update(press("tab"))  // must change
		m.Update(press("tab"))  // password
		typeText(m, "abcdefghij")
		v := m.View()
		bodyFits(t, w, 16, v)
		if !strings.Contains(flat(v), "refused: the password must mix three of: lower case, upper case, digits, symbols") {
			t.Fatalf("%d: the strength hint is cut:\n%s", w, ansi.Strip(v))
		}
	}
}

// In a text field j and k are typed, and the help offers only the arrows there.
func TestModeTextFieldsTakeJAndK(t *testing.T) {
	sh := testShared()
	m := newTestModePage(sh, "alice")
	m.Update(press("tab")) // the ticket: the first mode has no options
	typeText(m, "INC-jk")
	if f := m.textField(); f == nil || f.input.Value() != "INC-jk" {
		t.Fatalf("typed into the ticket: %#v", f)
	}
	for _, b := range m.Help().ShortKeys {
		if k := b.Help().Key; strings.Contains(k, "j") || strings.Contains(k, "k") {
			t.Fatalf("the help offers %q as a move in a text field", k)
		}
	}
}

// Esc back to the users keeps the ticket: the next mode page has it again.
func TestModeTicketKeptWhenEscLeaves(t *testing.T) {
	sh := testShared()
	u := newTestUsersPage(sh, backends.Profile{Name: "p"})
	u.Update(tea.PasteMsg{Content: "alice\nbob\n"})
	m := navOf(u.Update(press("enter"))).(push).p.(*modePage)
	m.Update(press("tab"))
	typeText(m, "INC-42")
	if _, ok := navOf(m.Update(press("esc"))).(back); !ok {
		t.Fatal("esc did not go back")
	}
	m = navOf(u.Update(press("enter"))).(push).p.(*modePage)
	if req, err := m.spec(); err != nil || req.Options.Ticket != "INC-42" {
		t.Fatalf("the ticket after esc and enter: %v %q", err, req.Options.Ticket)
	}
}

// A field's error goes as soon as the field changes: it is no longer sure to hold.
func TestModeErrorGoesWhenTheFieldChanges(t *testing.T) {
	m := newTestModePage(testShared(), "alice")
	m.Update(press("down")) // link
	m.Update(press("tab"))
	m.Update(press("tab")) // expires
	typeText(m, "999")
	m.Update(press("enter"))
	if !strings.Contains(ansi.Strip(m.View()), "from 1 to 720") {
		t.Fatal("no error for 999 hours")
	}
	m.Update(press("backspace"))
	if strings.Contains(ansi.Strip(m.View()), "from 1 to 720") {
		t.Fatalf("the error outlived its cause:\n%s", ansi.Strip(m.View()))
	}
}

// A typed password can be shown before it is sent, and is judged against the mode's
// own rules and the user's name: one the server would refuse never reaches the review.
func TestModeTypedPasswordShownAndJudged(t *testing.T) {
	sh := testShared()
	m := sized(newModePage(sh, newProfile(backends.Profile{Name: "ad", Kind: "admanager", Domain: "corp"}), []string{"bdoe"}, nil), 80, 20)
	m.Update(press("down")) // set
	for m.textField() == nil || m.textField().kind != fPassword {
		m.Update(press("tab"))
	}
	typeText(m, "Xbdoe1234!x")
	v := ansi.Strip(m.View())
	if strings.Contains(v, "Xbdoe1234!x") || !strings.Contains(flat(v), "refused: the password holds the user's name (bdoe)") {
		t.Fatalf("masked and judged against the name:\n%s", v)
	}
	m.Update(tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl})
	if !strings.Contains(ansi.Strip(m.View()), "Xbdoe1234!x") {
		t.Fatalf("ctrl+t did not show the password:\n%s", ansi.Strip(m.View()))
	}
	if n := navOf(m.Update(press("enter"))); n != nil || !strings.Contains(flat(m.View()), "holds the user's name") {
		t.Fatalf("a password with the user's name went on to the review: %#v", n)
	}
}

// Every mode's description is drawn whole, wrapped at words: it says what the mode
// does ("nothing to hand over", "notifies the user").
func TestModeDescriptionsAreWhole(t *testing.T) {
	for _, kind := range []string{"admanager", "webadm", "odin", "emm", "prm"} {
		k, _ := backends.Lookup(kind)
		m := sized(newModePage(testShared(), newProfile(backends.Profile{Name: "p", Kind: kind}), []string{"u"}, nil), 60, 30)
		v := flat(m.View())
		for _, md := range k.Modes {
			if !strings.Contains(v, flat(md.Label)) {
				t.Fatalf("%s at 60 columns: %q is cut:\n%s", kind, md.Label, ansi.Strip(m.View()))
			}
		}
	}
}

// The spinner of a run being planned turns until the plan comes (a slow lookup of who
// the ids name): its next tick is asked for, not dropped — a still spinner reads as a
// hung console.
func TestModePlanningSpinnerTurns(t *testing.T) {
	sh := testShared()
	m := newTestModePage(sh, "alice")
	cmd, _ := m.Update(press("enter"))
	if !m.plan.running() {
		t.Fatal("enter did not plan the run")
	}
	ticks := msgsOf[spinner.TickMsg](cmd)
	if len(ticks) != 1 {
		t.Fatalf("the planning spinner did not start: %d ticks", len(ticks))
	}
	next, _ := m.Update(ticks[0])
	if len(msgsOf[spinner.TickMsg](next)) != 1 {
		t.Fatal("the planning spinner stopped after its first frame")
	}
}

// An enter typed while the run is being planned (a slow lookup: "is it stuck?") never
// confirms the review it has not seen: the review shows, nothing is sent, and the next
// enter sends.
func TestEnterTypedWhileThePlanIsMadeNeverConfirmsIt(t *testing.T) {
	gate := make(chan struct{})
	td := &testDesk{profiles: []backends.Profile{{Name: "p", Kind: "fake"}},
		open: func(ctx context.Context, _ backends.Profile) (backends.Backend, error) {
			select {
			case <-gate:
			case <-ctx.Done():
			}
			return &fakeBackend{}, nil
		}}
	d := newDriver(t, New(context.Background(), td), 80, 24)
	d.run(d.c.apply(push{p: newModePage(d.c.sh, fakeProfile(backends.Profile{Name: "p", Kind: "fake"}), []string{"alice"}, nil)}))
	d.keys("enter")
	m := d.c.top().(*modePage)
	if !m.plan.running() {
		t.Fatal("enter did not plan the run")
	}
	d.keys("enter", "enter")
	close(gate)
	d.until("the review", func() bool { _, ok := d.c.top().(*reviewPage); return ok })
	if len(td.Runs()) != 0 {
		t.Fatal("an enter typed before the review showed confirmed it")
	}
	d.keys("enter")
	d.until("the run", func() bool { _, ok := d.c.top().(*runPage); return ok })
}
