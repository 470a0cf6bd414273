package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

func TestProfilesPageOpensTheNewPages(t *testing.T) {
	c := New(context.Background(), &testDesk{profiles: []backends.Profile{{Name: "a", Kind: "odin"}, {Name: "b", Kind: "prm"}}})
	c.Update(tea.WindowSizeMsg{Width: 100, Height: 24})
	v := ansi.Strip(c.View().Content)
	for _, want := range []string{"c credentials", "r recover", "h history"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the profiles help lacks %q:\n%s", want, v)
		}
	}
	c.Update(press("j"))
	c.Update(press("c"))
	if cp, ok := c.top().(*credsPage); !ok || cp.profile.name != "b" {
		t.Fatalf("c opened %T", c.top())
	}
	c.Update(press("esc"))
	c.Update(press("r"))
	if _, ok := c.top().(*recoverPage); !ok {
		t.Fatalf("r opened %T", c.top())
	}
	c.Update(press("esc"))
	c.Update(press("h"))
	if _, ok := c.top().(*historyPage); !ok {
		t.Fatalf("h opened %T", c.top())
	}
	c.Update(press("esc"))
	if _, ok := c.top().(*profilesPage); !ok {
		t.Fatalf("esc from history went to %T", c.top())
	}
}

// The profiles page bounds SecretSource as the credentials page does: a store that
// ignores its context costs no more than the timeout.
func TestProfilesSecretStatusIsBounded(t *testing.T) {
	defer func(d time.Duration) { openTimeout = d }(openTimeout)
	openTimeout = 50 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	sh := New(context.Background(), &testDesk{
		profiles: []backends.Profile{{Name: "lab", Kind: "odin"}},
		secretSource: func(context.Context, backends.Profile) (string, error) {
			<-release // ignores its context
			return "keyring", nil
		}}).sh
	pp := newProfilesPage(sh)
	got := make(chan secretStatusMsg, 1)
	go func() {
		for _, m := range msgsOf[secretStatusMsg](pp.Init()) {
			got <- m
		}
	}()
	select {
	case m := <-got:
		if !strings.HasPrefix(m.status, "unknown: no answer within") {
			t.Fatalf("status %q", m.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SecretSource is not bounded")
	}
}

// Back on the profiles page after a run, the quota is counted again.
func TestProfilesCountQuotaAgainOnBack(t *testing.T) {
	left := 5
	c := New(context.Background(), &testDesk{
		profiles:  []backends.Profile{{Name: "ad", Kind: "admanager", DailyQuota: 10}},
		quotaLeft: func(backends.Profile) (int, bool) { return left, true }})
	c.stack = append(c.stack, newRecoverPage(c.sh))
	left = 3
	cmd := c.apply(back{})
	qs := msgsOf[quotaMsg](cmd)
	if len(qs) != 1 || qs[0].left != 3 {
		t.Fatalf("back on the profiles page counted %v", qs)
	}
}

// A profile that cannot be opened says why in full at 80 columns.
func TestProfilesOpenErrorWraps(t *testing.T) {
	sh := testShared()
	sh.profiles = []*profile{newProfile(backends.Profile{Name: "odin-lab", Kind: "odin"})}
	pp := sized(newProfilesPage(sh), 80, 20)
	pp.Update(openedMsg{p: sh.profiles[0], err: "login failed: 401 Unauthorized: the account john.smith is locked, ask an administrator to unlock it"})
	if v := flat(pp.View()); !strings.Contains(v, "ask an administrator to unlock it") {
		t.Fatalf("the open error is cut:\n%s", pp.View())
	}
}

// Twenty profiles at 80×24: the list scrolls with the cursor, which stays on screen.
func TestProfilesListScrollsWithTheCursor(t *testing.T) {
	sh := testShared()
	for i := range 20 {
		sh.profiles = append(sh.profiles, newProfile(backends.Profile{Name: fmt.Sprintf("site-%02d", i), Kind: "odin", URL: "https://x"}))
	}
	pp := sized(newProfilesPage(sh), 80, 21)
	if v := pp.View(); !strings.Contains(v, "site-00") || strings.Contains(v, "site-19") || !strings.Contains(v, "more") {
		t.Fatalf("first screen:\n%s", v)
	}
	for range 19 {
		pp.Update(press("down"))
	}
	v := pp.View()
	if !strings.Contains(v, "> ") || !strings.Contains(v, "site-19") || strings.Contains(v, "site-00") {
		t.Fatalf("cursor on the last profile is off screen:\n%s", v)
	}
	bodyFits(t, 80, 21, v)
}

// A profile opens by its number, or by typing the start of its name after /.
func TestProfilesOpenByNumberOrName(t *testing.T) {
	var opened []string
	d := &testDesk{open: func(_ context.Context, p backends.Profile) (backends.Backend, error) {
		opened = append(opened, p.Name)
		return &fakeBackend{}, nil
	}}
	for _, n := range []string{"corp-ad", "emm-lab", "odin-prod", "prm", "webadm"} {
		d.profiles = append(d.profiles, backends.Profile{Name: n, Kind: "fake"})
	}
	c := New(context.Background(), d)
	dr := newDriver(t, c, 80, 24)
	if !strings.Contains(dr.screen(), "3 odin-prod") {
		t.Fatalf("profiles are not numbered:\n%s", dr.screen())
	}
	dr.keys("3")
	dr.until("the users page", func() bool { _, ok := c.top().(*usersPage); return ok })
	if c.top().(*usersPage).profile.name != "odin-prod" {
		t.Fatalf("3 opened %v", opened)
	}
	dr.keys("esc")
	dr.keys("/")
	dr.typed("web")
	dr.keys("enter", "enter")
	dr.until("the users page", func() bool { _, ok := c.top().(*usersPage); return ok })
	if got := c.top().(*usersPage).profile.name; got != "webadm" {
		t.Fatalf("/web enter opened %s", got)
	}
	// The kept filter: the numbers stay the profiles' own, and esc clears it.
	dr.keys("esc")
	dr.until("the profiles", func() bool { _, ok := c.top().(*profilesPage); return ok })
	if scr := dr.screen(); !strings.Contains(scr, "5 webadm") || strings.Contains(scr, "1 webadm") || strings.Contains(scr, "corp-ad") {
		t.Fatalf("the filtered list renumbers:\n%s", scr)
	}
	dr.keys("1")
	dr.until("the users page", func() bool { _, ok := c.top().(*usersPage); return ok })
	if got := c.top().(*usersPage).profile.name; got != "corp-ad" {
		t.Fatalf("1 under the filter /web opened %s", got)
	}
	dr.keys("esc")
	dr.until("the profiles", func() bool { _, ok := c.top().(*profilesPage); return ok })
	dr.keys("esc")
	if scr := dr.screen(); !strings.Contains(scr, "1 corp-ad") || !strings.Contains(scr, "5 webadm") {
		t.Fatalf("esc did not clear the kept filter:\n%s", scr)
	}
}

// A long secret source (a file store's path) wraps at whole words under the profile.
func TestProfilesRowWrapsALongSecretSource(t *testing.T) {
	sh := testShared()
	sh.profiles = []*profile{newProfile(backends.Profile{Name: "corp-ad", Kind: "admanager", URL: "https://adm.corp.example.com:8443"})}
	sh.secrets["corp-ad"] = "encrypted file (/home/technician/.local/share/resetdesk/secrets.age)"
	pp := sized(newProfilesPage(sh), 60, 16)
	v := pp.View()
	if !strings.Contains(flat(v), "secret: encrypted file (/home/technician/.local/share/resetdesk/secrets.age) · https://adm.corp.example.com:8443") {
		t.Fatalf("the profile's row is cut:\n%s", ansi.Strip(v))
	}
	bodyFits(t, 60, 16, v)
}

// A long reason why a secret is unknown (no keyring on an SSH login) takes two lines
// at most on its profile's row, the credentials page (c) saying it whole: told in full
// for every profile, one profile filled the page at 60x16.
func TestProfilesLongSecretReasonLeavesTheOthersInSight(t *testing.T) {
	sh := testShared()
	why := `unknown: profile %s: no Secret Service (OS keyring) is reachable here — the usual state of an SSH login; set secret_store = "file" in the config to keep secrets in an encrypted file instead (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set)`
	for _, name := range []string{"lab", "annex", "corp"} {
		sh.profiles = append(sh.profiles, newProfile(backends.Profile{Name: name, Kind: "odin", URL: "http://127.0.0.1:44425/api/v2"}))
		sh.secrets[name] = fmt.Sprintf(why, name)
	}
	pp := sized(newProfilesPage(sh), 60, 13)
	v := flat(pp.View())
	if !strings.Contains(v, "2 annex") || !strings.Contains(v, "c: the whole reason") {
		t.Fatalf("a long reason pushed the profiles out of sight:\n%s", ansi.Strip(pp.View()))
	}
}
