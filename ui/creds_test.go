package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/store"
)

func credsShared(fs *fakeStore) *shared {
	sh := testShared()
	fake(sh).secrets = fs
	fake(sh).secretSource = func(ctx context.Context, p backends.Profile) (string, error) {
		if _, err := fs.Get(ctx, p.Name); err != nil {
			return "", fmt.Errorf("profile %s: %w", p.Name, err)
		}
		return fs.Name(), nil
	}
	fake(sh).open = func(ctx context.Context, p backends.Profile) (backends.Backend, error) {
		if _, err := fs.Get(ctx, p.Name); err != nil {
			return nil, err
		}
		return &fakeBackend{}, nil
	}
	return sh
}

func newTestCredsPage(sh *shared, p backends.Profile) *credsPage {
	return sized(newCredsPage(sh, newProfile(p)), 80, 20)
}

func TestCredsSetReplaceDeleteAndTest(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{}}
	sh := credsShared(fs)
	c := newTestCredsPage(sh, backends.Profile{Name: "lab", Kind: "odin"})
	drain(t, sh, c, c.Init())
	if !strings.HasPrefix(c.status(), "missing") {
		t.Fatalf("status of a profile with no secret: %q", c.status())
	}

	// Set: the field is masked and the page keeps no copy after enter.
	drain(t, sh, c, cmdOf(c.Update(press("s"))))
	if c.Input() == noInput {
		t.Fatal("s did not open the secret field")
	}
	typeText(c, "hunter2q") // q is typed, not quit
	if v := ansi.Strip(c.View()); strings.Contains(v, "hunter2") {
		t.Fatalf("the secret is echoed:\n%s", v)
	}
	cmd, _ := c.Update(press("enter"))
	if c.input.Value() != "" || c.Input() != noInput || !c.busy.Running() {
		t.Fatalf("after enter: value %q input %v busy %v", c.input.Value(), c.Input(), c.busy.Running())
	}
	drain(t, sh, c, cmd)
	if fs.secrets["lab"] != "hunter2q" {
		t.Fatalf("stored %q", fs.secrets["lab"])
	}
	if c.bad || !strings.Contains(c.result, "stored in the fake store") || c.status() != "fake store" {
		t.Fatalf("result %q (bad %v) status %q", c.result, c.bad, c.status())
	}
	if sh.secrets["lab"] != "fake store" {
		t.Fatalf("the profiles page would not see the new status: %q", sh.secrets["lab"])
	}

	// Replace.
	drain(t, sh, c, cmdOf(c.Update(press("s"))))
	typeText(c, "second")
	cmd, _ = c.Update(press("enter"))
	drain(t, sh, c, cmd)
	if fs.secrets["lab"] != "second" {
		t.Fatalf("replaced with %q", fs.secrets["lab"])
	}

	// Esc in the field cancels without storing.
	drain(t, sh, c, cmdOf(c.Update(press("s"))))
	typeText(c, "nope")
	c.Update(press("esc"))
	if c.Input() != noInput || c.input.Value() != "" || fs.secrets["lab"] != "second" {
		t.Fatal("esc did not cancel the entry")
	}
	// An empty secret is refused.
	drain(t, sh, c, cmdOf(c.Update(press("s"))))
	c.Update(press("enter"))
	if !c.bad || !strings.Contains(c.result, "empty") {
		t.Fatalf("empty secret: %q", c.result)
	}

	// Test the connection with the back end's Check.
	cmd, _ = c.Update(press("t"))
	drain(t, sh, c, cmd)
	if c.bad || !strings.Contains(c.result, "works: fake") {
		t.Fatalf("test: %q", c.result)
	}

	// Delete asks first, then deletes.
	_, n := c.Update(press("d"))
	if q, ok := n.(ask); !ok || !strings.Contains(q.text, "Delete the password of profile lab") {
		t.Fatalf("d did not ask: %#v", n)
	}
	drain(t, sh, c, func() tea.Msg { return press("d") })
	if _, ok := fs.secrets["lab"]; ok {
		t.Fatal("not deleted")
	}
	if !strings.Contains(c.result, "deleted from the fake store") || !strings.HasPrefix(c.status(), "missing") {
		t.Fatalf("after delete: %q, status %q", c.result, c.status())
	}
	drain(t, sh, c, func() tea.Msg { return press("d") })
	if !strings.Contains(c.result, "nothing deleted") {
		t.Fatalf("second delete: %q", c.result)
	}
	// With no secret the test fails plainly.
	cmd, _ = c.Update(press("t"))
	drain(t, sh, c, cmd)
	if !c.bad || !strings.Contains(c.result, "failed") {
		t.Fatalf("test without a secret: %q", c.result)
	}
	if _, ok := navOf(c.Update(press("esc"))).(back); !ok {
		t.Fatal("esc did not go back")
	}
}

func TestCredsHangingStoreTimesOutAndPlainMessages(t *testing.T) {
	old := storeTimeout
	storeTimeout = 50 * time.Millisecond
	defer func() { storeTimeout = old }()
	fs := &fakeStore{secrets: map[string]string{}, hang: make(chan struct{})}
	defer close(fs.hang)
	sh := credsShared(fs)
	c := newTestCredsPage(sh, backends.Profile{Name: "lab"})
	start := time.Now()
	drain(t, sh, c, c.Init())
	drain(t, sh, c, cmdOf(c.Update(press("s"))))
	typeText(c, "x")
	cmd, _ := c.Update(press("enter"))
	drain(t, sh, c, cmd)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a hanging store held the page for %s", d)
	}
	if !c.bad || !strings.Contains(c.result, "no answer within") || !strings.HasPrefix(c.status(), "unknown") {
		t.Fatalf("hang: result %q status %q", c.result, c.status())
	}

	// No Secret Service: the store's own plain words reach the screen.
	fs2 := &fakeStore{secrets: map[string]string{}, fail: store.ErrNoSecretService}
	sh2 := credsShared(fs2)
	c2 := newTestCredsPage(sh2, backends.Profile{Name: "lab"})
	drain(t, sh2, c2, c2.Init())
	drain(t, sh2, c2, cmdOf(c2.Update(press("s"))))
	typeText(c2, "x")
	cmd, _ = c2.Update(press("enter"))
	drain(t, sh2, c2, cmd)
	if !strings.Contains(c2.result, "no Secret Service (OS keyring) is reachable") || !strings.Contains(c2.result, `secret_store = "file"`) {
		t.Fatalf("no bus: %q", c2.result)
	}
	if v := ansi.Strip(c2.View()); !strings.Contains(v, "no Secret Service") {
		t.Fatalf("the message is not drawn:\n%s", v)
	}
}

// s reaches the store before it asks for the secret: with no Secret Service the
// technician is told before typing anything.
func TestCredsSetReachesTheStoreBeforeAsking(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{}, fail: store.ErrNoSecretService}
	sh := credsShared(fs)
	c := newTestCredsPage(sh, backends.Profile{Name: "lab"})
	drain(t, sh, c, c.Init())
	cmd, _ := c.Update(press("s"))
	if c.Input() != noInput {
		t.Fatal("the secret field opened before the store was reached")
	}
	drain(t, sh, c, cmd)
	if c.Input() != noInput || !strings.Contains(c.result, "no Secret Service") || !strings.Contains(c.result, "nothing to type") {
		t.Fatalf("after s: input %v, result %q", c.Input(), c.result)
	}
}

// A served console neither offers s and d nor opens the field: the host's credentials
// are set on the host. Its status reads once, plainly.
func TestCredsServedOffersNoChange(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{"lab": "x"}}
	c := New(context.Background(), &testDesk{secrets: fs, secretSource: func(context.Context, backends.Profile) (string, error) { return "OS keyring", nil }})
	cp := sized(newCredsPage(c.sh, newProfile(backends.Profile{Name: "lab", Kind: "admanager"})), 80, 20)
	drain(t, c.sh, cp, cp.Init())
	for _, b := range cp.Help().ShortKeys {
		if b.Enabled() && (b.Help().Key == "s" || b.Help().Key == "d") {
			t.Fatalf("a served console offers %s", b.Help().Key)
		}
	}
	cmd, _ := cp.Update(press("s"))
	if m, ok := cmd().(toastMsg); !ok || !strings.Contains(m.text, "on the host") || cp.Input() != noInput {
		t.Fatalf("s on a served console: %#v", m)
	}
	v := flat(cp.View())
	if !strings.Contains(v, "AuthToken present, in the OS keyring") || strings.Contains(v, "AuthToken AuthToken") {
		t.Fatalf("the secret's row:\n%s", ansi.Strip(cp.View()))
	}
}

func TestCredsRefusedUnderDemo(t *testing.T) {
	fs := &fakeStore{secrets: map[string]string{}}
	sh := credsShared(fs)
	fake(sh).demo = true
	c := newTestCredsPage(sh, backends.Profile{Name: "demo-odin"})
	for _, k := range []string{"s", "d"} {
		cmd, _ := c.Update(press(k))
		if m, ok := cmd().(toastMsg); !ok || !m.bad || !strings.Contains(m.text, "--demo") {
			t.Fatalf("%s under --demo: %#v", k, m)
		}
		if c.Input() != noInput {
			t.Fatal("the secret field opened under --demo")
		}
	}
	if len(fs.secrets) != 0 {
		t.Fatal("stored under --demo")
	}
}

// A missing secret is told by store.ErrNoSecret, not by the words of the message: the
// environment chain's message keeps its text and matches; another error that happens
// to say "no secret" is not a missing secret.
func TestCredsMissingSecretByErrorNotText(t *testing.T) {
	env := store.EnvSecrets{Next: &fakeStore{secrets: map[string]string{}}, Lookup: func(string) (string, bool) { return "", false }}
	_, err := env.Get(context.Background(), "lab")
	want := "profile lab: no secret in the fake store: run `resetdesk creds set lab` (or set RESETDESK_SECRET_LAB)"
	if !errors.Is(err, store.ErrNoSecret) || err.Error() != want {
		t.Fatalf("EnvSecrets.Get: %v (is ErrNoSecret: %v)", err, errors.Is(err, store.ErrNoSecret))
	}
	_, err = store.EnvSecrets{Lookup: env.Lookup}.Get(context.Background(), "lab")
	if !errors.Is(err, store.ErrNoSecret) || !strings.HasPrefix(err.Error(), "profile lab: no secret: set RESETDESK_SECRET_LAB") {
		t.Fatalf("EnvSecrets.Get without a store: %v", err)
	}

	status := func(err error) string {
		sh := testShared()
		fake(sh).secretSource = func(context.Context, backends.Profile) (string, error) { return "", err }
		c := newTestCredsPage(sh, backends.Profile{Name: "lab", Kind: "odin"})
		drain(t, sh, c, c.Init())
		return c.status()
	}
	_, err = env.Get(context.Background(), "lab")
	if st := status(err); !strings.HasPrefix(st, "missing: ") {
		t.Fatalf("missing secret shown as %q", st)
	}
	broken := errors.New("profile lab: the encrypted secrets file /x opened but holds no secrets table")
	if st := status(broken); !strings.HasPrefix(st, "unknown: ") {
		t.Fatalf("a broken file shown as %q", st)
	}
}

// On a short page the long reason why the secret is unknown gives way to what s just
// said: at 60x16 the answer to s (no keyring: set secret_store = "file") was cut off at
// the page's foot, mid-sentence.
func TestCredsAnswerStaysInSightOnAShortPage(t *testing.T) {
	sh := testShared()
	why := `no Secret Service (OS keyring) is reachable here — the usual state of an SSH login; set secret_store = "file" in the config to keep secrets in an encrypted file instead (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set)`
	sh.secrets["lab"] = "unknown: profile lab: " + why + " (for automation, RESETDESK_SECRET_LAB overrides the store)"
	c := sized(newCredsPage(sh, newProfile(backends.Profile{Name: "lab", Kind: "odin", URL: "http://127.0.0.1:44425/api/v2"})), 60, 13)
	c.Update(storeReachedMsg{err: "cannot reach the OS keyring, nothing to type: " + why})
	v := ansi.Strip(c.View())
	if n := len(strings.Split(strings.TrimRight(v, "\n"), "\n")); n > 13 || !strings.Contains(flat(v), "DBUS_SESSION_BUS_ADDRESS is not set)") ||
		!strings.Contains(flat(v), "password unknown: profile lab") {
		t.Fatalf("%d lines; the answer to s or the status is out of sight:\n%s", n, v)
	}
}
