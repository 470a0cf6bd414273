package ui

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
)

func newTestReviewPage(t *testing.T, sh *shared, p backends.Profile, users ...string) *reviewPage {
	pr := fakeProfile(p)
	return sized(newReviewPage(sh, pr, fakeRequest(t, &fakeBackend{}, pr, users)), 80, 20)
}

func TestReviewWarnsAndConfirms(t *testing.T) {
	sh := testShared()
	r := newTestReviewPage(t, sh, backends.Profile{Name: "p", InsecureSkipVerify: true}, "alice")
	if !strings.Contains(ansi.Strip(r.View()), "TLS verification is OFF") {
		t.Fatal("insecure TLS not warned about")
	}
	if v := ansi.Strip(newTestReviewPage(t, sh, backends.Profile{Name: "p", URL: "http://adm.example.com"}, "alice").View()); !strings.Contains(v, "travel unencrypted") {
		t.Fatalf("plain http not warned about:\n%s", v)
	}
	if _, ok := navOf(r.Update(press("y"))).(startRun); !ok {
		t.Fatal("y did not start the run")
	}
}

// The quota is counted in the history database: View must never be the one to ask.
func TestQuotaIsCountedInCommandsNotInView(t *testing.T) {
	var calls atomic.Int32
	sh := testShared()
	fake(sh).quotaLeft = func(p backends.Profile) (int, bool) { calls.Add(1); return 2, true }
	p := backends.Profile{Name: "ad", Kind: "fake", DailyQuota: 10}
	sh.profiles = []*profile{newProfile(p)}

	pp := sized(newProfilesPage(sh), 80, 20)
	cmd := pp.Init()
	pp.View()
	if n := calls.Load(); n != 0 {
		t.Fatalf("the profiles page counted the quota %d time(s) before its commands ran", n)
	}
	drain(t, sh, pp, cmd)
	if !strings.Contains(ansi.Strip(pp.View()), "quota left today: 2") {
		t.Fatalf("quota not shown:\n%s", pp.View())
	}

	calls.Store(0)
	rv := newTestReviewPage(t, sh, p, "a", "b", "c")
	cmd = rv.Init()
	if v := ansi.Strip(rv.View()); !strings.Contains(v, "counting…") {
		t.Fatalf("review before the count:\n%s", v)
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("the review page counted the quota %d time(s) in View", n)
	}
	drain(t, sh, rv, cmd)
	if v := ansi.Strip(rv.View()); !strings.Contains(v, "only 2 of 3 users fit") {
		t.Fatalf("quota warning missing:\n%s", v)
	}
}
