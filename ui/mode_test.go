package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

func newTestModePage(sh *shared, users ...string) *modePage {
	return sized(newModePage(sh, fakeProfile(backends.Profile{Name: "p"}), &fakeBackend{}, users), 80, 20)
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
	req, err := m.request()
	if err != nil || req.Options().Method != "SMS" {
		t.Fatalf("request %v, method %q", err, req.Options().Method)
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
	m := sized(newModePage(sh, newProfile(backends.Profile{Name: "w", Kind: "webadm", Username: "admin"}), &fakeBackend{}, []string{"alice"}), 80, 20)
	req, err := m.request()
	if err != nil || req.Options().Method != "" {
		t.Fatalf("default delivery: %v, method %q", err, req.Options().Method)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "[server's]") {
		t.Fatalf("the server's delivery is not offered:\n%s", v)
	}
	m.Update(press("tab"))
	m.Update(press("right"))
	if req, _ := m.request(); req.Options().Method != "MAIL" {
		t.Fatalf("right chose %q", req.Options().Method)
	}
}

// The mode page fits 80 and 60 columns: long labels and the strength hint wrap, whole.
func TestModePageFitsTheWidth(t *testing.T) {
	for _, w := range []int{80, 60} {
		sh := testShared()
		m := sized(newModePage(sh, newProfile(backends.Profile{Name: "w", Kind: "webadm", Username: "admin"}), &fakeBackend{}, []string{"alice"}), w, 16)
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
		if !strings.Contains(flat(v), "weak: use three of lower, upper, digits, symbols") {
			t.Fatalf("%d: the strength hint is cut:\n%s", w, ansi.Strip(v))
		}
	}
}
