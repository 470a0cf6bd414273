package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"resetdesk/backends"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/desk/plantest"
)

func newTestReviewPage(t *testing.T, sh *shared, p backends.Profile, users ...string) *reviewPage {
	return newTestReviewOf(t, sh, p, nil, users...)
}

// newTestReviewOf is the review of the desk's plan of users on p, changed by set.
func newTestReviewOf(t *testing.T, sh *shared, p backends.Profile, set func(*desk.Plan), users ...string) *reviewPage {
	pr := fakeProfile(p)
	plan := planOf(t, sh, fakeRequest(t, &fakeBackend{}, pr, users))
	if set != nil {
		set(plan)
	}
	return sized(newReviewPage(sh, pr, plan), 80, 20)
}

func TestReviewWarnsAndConfirms(t *testing.T) {
	sh := testShared()
	r := newTestReviewPage(t, sh, backends.Profile{Name: "p", InsecureSkipVerify: true}, "alice")
	if !strings.Contains(ansi.Strip(r.View()), "TLS verification is OFF") {
		t.Fatal("insecure TLS not warned about")
	}
	if v := flat(newTestReviewPage(t, sh, backends.Profile{Name: "p", URL: "http://adm.example.com"}, "alice").View()); !strings.Contains(v, "travel unencrypted") {
		t.Fatalf("plain http not warned about:\n%s", v)
	}
	// No printable key confirms a send: y (typed by habit, or meant for a search)
	// does nothing; enter does.
	for _, k := range []string{"y", "Y", "t", "j"} {
		if n := navOf(r.Update(press(k))); n != nil {
			t.Fatalf("%s on the review: %#v", k, n)
		}
	}
	if _, ok := navOf(r.Update(press("enter"))).(startRun); !ok {
		t.Fatal("enter did not start the run")
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

	// The review counts nothing: it draws the desk's plan.
	calls.Store(0)
	rv := newTestReviewOf(t, sh, p, func(pl *desk.Plan) { pl.Quota.Left = 2 }, "a", "b", "c")
	drain(t, sh, rv, rv.Init())
	if v := flat(rv.View()); !strings.Contains(v, "2 of 10 left") || calls.Load() != 0 {
		t.Fatalf("the plan's quota (counted %d times by the review):\n%s", calls.Load(), v)
	}
}

// The review shows every user of the run, in a list that scrolls.
func TestReviewListsEveryUser(t *testing.T) {
	sh := testShared()
	r := newTestReviewPage(t, sh, backends.Profile{Name: "p"}, userIDs(30)...)
	r.SetSize(80, 21)
	v := ansi.Strip(r.View())
	if !strings.Contains(v, "user000") || !strings.Contains(v, "more") {
		t.Fatalf("first screen:\n%s", v)
	}
	r.Update(press("G"))
	if v := ansi.Strip(r.View()); !strings.Contains(v, "user029") {
		t.Fatalf("G does not reach the last user:\n%s", v)
	}
	bodyFits(t, 80, 21, r.View())
}

// Above largeRun users the technician types the count before anything is sent; y is
// typed then, not taken as yes.
func TestReviewAsksToTypeTheCountOfALargeRun(t *testing.T) {
	sh := testShared()
	r := newTestReviewPage(t, sh, backends.Profile{Name: "p"}, userIDs(240)...)
	r.Init()
	for _, k := range []string{"enter", "y"} {
		if n := navOf(r.Update(press(k))); n != nil {
			t.Fatalf("%s started 240 resets without the count typed", k)
		}
	}
	if !strings.Contains(flat(r.View()), "Type 240 and press enter") {
		t.Fatalf("the review does not ask for the count:\n%s", ansi.Strip(r.View()))
	}
	for range 3 {
		r.Update(press("backspace"))
	}
	typeText(r, "24")
	if n := navOf(r.Update(press("enter"))); n != nil {
		t.Fatal("a wrong count started the run")
	}
	typeText(r, "0")
	if _, ok := navOf(r.Update(press("enter"))).(startRun); !ok {
		t.Fatal("the right count did not start the run")
	}
}

// With a quota the review says what the plan says will happen; with none left it
// refuses.
func TestReviewQuotaSaysWhatWillHappen(t *testing.T) {
	sh := testShared()
	p := backends.Profile{Name: "ad", DailyQuota: 50}
	r := newTestReviewOf(t, sh, p, func(pl *desk.Plan) { pl.Quota.Left = 5 }, userIDs(10)...)
	if v := flat(r.View()); !strings.Contains(v, "the 5 user(s) past it will be skipped, never sent") {
		t.Fatalf("the quota story:\n%s", ansi.Strip(r.View()))
	}
	r = newTestReviewOf(t, sh, p, func(pl *desk.Plan) { pl.Quota.Left = 0 }, userIDs(10)...)
	if v := flat(r.View()); !strings.Contains(v, "the daily quota of 50 successful resets is spent") || !strings.Contains(v, "Cannot run") {
		t.Fatalf("no quota:\n%s", ansi.Strip(r.View()))
	}
	if n := navOf(r.Update(press("enter"))); n != nil {
		t.Fatal("a run with no quota left was confirmed")
	}
}

// Warnings and comments wrap at whole words at 60 columns.
func TestReviewWrapsWarningsAndComments(t *testing.T) {
	sh := testShared()
	pr := fakeProfile(backends.Profile{Name: "p", URL: "http://adm.example.com"})
	req, err := runner.NewRequest(&fakeBackend{}, pr.p, runner.Spec{Mode: "gen", Users: []string{"a", "b"},
		Options: backends.Options{Ticket: "INC-2026-000123 password reset requested by the service desk manager"}})
	if err != nil {
		t.Fatal(err)
	}
	r := sized(newReviewPage(sh, pr, planOf(t, sh, req)), 60, 16)
	v := r.View()
	bodyFits(t, 60, 16, v)
	for _, want := range []string{"the credentials and the new passwords travel unencrypted", "requested by the service desk manager"} {
		if !strings.Contains(flat(v), want) {
			t.Fatalf("%q cut:\n%s", want, ansi.Strip(v))
		}
	}
}

// The transport badge is red exactly when the review warns: plain http to this machine
// (the demo, a tunnel) is neither.
func TestTransportBadgeAgreesWithTheReview(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:8080", "http://localhost/api", "http://adm.example.com", "https://adm.example.com"} {
		p := newProfile(backends.Profile{Name: "p", Kind: "fake", URL: url})
		_, red := transportBadge(p)
		if warns := p.p.TransportWarning() != ""; red != warns {
			t.Errorf("%s: red badge %v, the review warns %v", url, red, warns)
		}
	}
}

// A run the desk would refuse (a served technician's max_users) is refused in the
// review, with the desk's reason, before anything can be confirmed.
func TestReviewShowsTheDesksRefusal(t *testing.T) {
	sh := testShared()
	r := newTestReviewOf(t, sh, backends.Profile{Name: "lab"}, func(pl *desk.Plan) {
		pl.Refused = "3 users is more than technician alice may reset in one run (max_users = 2): split the list"
	}, userIDs(3)...)
	if v := flat(r.View()); !strings.Contains(v, "max_users = 2") {
		t.Fatalf("the refusal is not on the review:\n%s", ansi.Strip(r.View()))
	}
	if n := navOf(r.Update(press("enter"))); n != nil {
		t.Fatal("a run the desk refuses was confirmed")
	}
}

// The review draws the desk's plan as the one table of plans says, the same facts
// `run` prints (desk/plantest): each marked by its severity, then how to confirm or
// why it cannot be — in a served console, where a run that needs approval is filed.
func TestReviewDrawsThePlanTable(t *testing.T) {
	sh := New(context.Background(), &testDesk{technician: "dave", getenv: func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}}).sh
	for _, c := range plantest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			r := sized(newReviewPage(sh, newProfile(c.Plan.Request.Profile()), c.Plan), 400, 60)
			got := ansi.Strip(strings.Join(append(r.factLines(), r.confirmLines()...), "\n"))
			if got != c.Console {
				t.Errorf("the review draws:\n%s\nwant\n%s", got, c.Console)
			}
			if n := navOf(r.Update(press("enter"))); (n != nil) != (c.Plan.Blocked() == "") {
				t.Errorf("enter on the review: %#v; the plan blocks with %q", n, c.Plan.Blocked())
			}
		})
	}
}

// The review's names line up in one column whatever the length of the ids beside
// them (a list of 30 read by eye), and no id is cut to line them up.
func TestReviewLinesUpTheNames(t *testing.T) {
	sh := testShared()
	r := newTestReviewOf(t, sh, backends.Profile{Name: "p"}, func(p *desk.Plan) {
		for i, name := range []string{"Quinn Cohen", "Ada Larsen", "Jamal Kowalski"} {
			p.Users[i].Name = name
		}
	}, "qcohen", "alarsen", "jkowalski-with-a-very-long-login-name")
	at := map[string]int{}
	for _, l := range strings.Split(ansi.Strip(r.View()), "\n") {
		for _, name := range []string{"Quinn Cohen", "Ada Larsen"} {
			if i := strings.Index(l, name); i >= 0 {
				at[name] = i
			}
		}
		if strings.Contains(l, "jkowalski") && !strings.Contains(l, "jkowalski-with-a-very-long-login-name") {
			t.Fatalf("an id was cut: %q", l)
		}
	}
	if at["Quinn Cohen"] == 0 || at["Quinn Cohen"] != at["Ada Larsen"] {
		t.Fatalf("the names do not line up: %v\n%s", at, ansi.Strip(r.View()))
	}
}
