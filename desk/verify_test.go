package desk_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/notify/notifytest"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/webadm/webadmtest"
	"resetdesk/desk"
	"resetdesk/desk/verify"
	"resetdesk/store/history"
)

// verifyHost is a host on config text (the odin fake's profile "lab" with the given
// policy keys, then extra tables), its state in a temporary home and its secrets in the
// environment.
func verifyHost(t *testing.T, srv *odintest.Server, policy, extra string, env map[string]string) (*desk.Host, string) {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "config.toml")
	text := srv.ProfileTOML("lab") + policy + "\n" + extra
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"HOME": home, "RESETDESK_SECRET_LAB": odintest.Password, "RESETDESK_SECRET_JOURNAL_KEY": journalKey}
	for k, v := range env {
		all[k] = v
	}
	h, err := desk.NewHost(desk.Options{ConfigPath: cfg, Getenv: func(k string) string { return all[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h, home
}

func deskOf(t *testing.T, h *desk.Host, technician string) *desk.Desk {
	t.Helper()
	d, err := h.Desk(technician)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func callerOf(t *testing.T, d *desk.Desk, profile, user string) desk.Caller {
	t.Helper()
	p, err := d.Profile(profile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.Caller(context.Background(), p, user)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var codeIn = regexp.MustCompile(`\b([0-9]{6})\b`)

// historyHolds reports whether a file of the history under home holds s.
func historyHolds(t *testing.T, home, s string) bool {
	t.Helper()
	dir := filepath.Join(home, ".local", "state", "resetdesk")
	files, _ := filepath.Glob(filepath.Join(dir, history.FileName+"*"))
	if len(files) == 0 {
		t.Fatalf("no history in %s", dir)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err == nil && bytes.Contains(raw, []byte(s)) {
			return true
		}
	}
	return false
}

func verifications(t *testing.T, d *desk.Desk, user string) []history.Verification {
	t.Helper()
	vs, err := d.Verifications(context.Background(), history.Filter{User: user})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestVerifyByMailThroughARealRelayRecordsEveryEventButTheCode(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	srv := odintest.New(3)
	defer srv.Close()
	h, home := verifyHost(t, srv, `verify = "required"`,
		"[verify]\nsmtp = \"smtp+plain://"+mp.SMTPAddr+"\"\nfrom = \"Service Desk <sd@corp.example.com>\"\n", nil)
	d := deskOf(t, h, "")
	user := srv.Users()[1]
	c := callerOf(t, d, "lab", user)
	if len(c.Options) != 2 || c.Options[0].Method != "mail" || c.Options[0].Shown != "b•••@example.com" || c.Options[1].Method != "callback" {
		t.Fatalf("options %+v (Odin: mail, and the line to call back)", c.Options)
	}
	sent, err := d.SendCode(context.Background(), c, "", "INC-4711")
	if err != nil {
		t.Fatal(err)
	}
	if sent.Demo != "" || sent.Attempts != 3 || time.Until(sent.Expires) < 9*time.Minute {
		t.Fatalf("sent %+v", sent)
	}
	mails := mp.WaitMessages(t, 1)
	m := mails[0]
	if len(m.To) != 1 || m.To[0].Address != "bdoe@example.com" || m.From.Address != "sd@corp.example.com" {
		t.Fatalf("to %+v", m.To)
	}
	for _, want := range []string{"about to reset your password", "If you did not call the service desk, report this message", "INC-4711"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("mail without %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "://") || strings.Contains(m.Text, odintest.Password) {
		t.Fatalf("a link or a secret in the mail:\n%s", m.Text)
	}
	code := codeIn.FindStringSubmatch(m.Text)[1]
	if v, _ := d.Verified(context.Background(), c.Profile, user); v != nil {
		t.Fatal("verified before the code was read back")
	}
	got, err := d.CheckCode(context.Background(), c, code)
	if err != nil || got.Outcome != verify.Passed {
		t.Fatalf("check = %+v, %v", got, err)
	}
	v, err := d.Verified(context.Background(), c.Profile, user)
	if err != nil || v == nil || v.Method != "mail" || v.Result != history.ResultPassed || v.Ticket != "INC-4711" {
		t.Fatalf("verified = %+v, %v", v, err)
	}
	vs := verifications(t, d, user)
	if len(vs) != 2 || vs[0].Result != history.ResultPassed || vs[1].Result != history.ResultSent || vs[1].Destination != "b•••@example.com" {
		t.Fatalf("events %+v", vs)
	}
	if historyHolds(t, home, code) || historyHolds(t, home, "bdoe@example.com") {
		t.Fatal("the history holds the code or the whole address")
	}
}

// smsHost is a host whose profile "lab" is the odin fake and "wa" a WebADM fake (mail
// and mobile on file), codes going through a fake SMS gateway.
func smsHost(t *testing.T, extra string) (*desk.Host, *notifytest.Gateway, *webadmtest.Server, string) {
	t.Helper()
	gw := notifytest.NewGateway(notifytest.Token)
	t.Cleanup(gw.Close)
	odin := odintest.New(3)
	t.Cleanup(odin.Close)
	wa := webadmtest.New(5)
	t.Cleanup(wa.Close)
	waTOML := "[profiles.wa]\nkind = \"webadm\"\nurl = \"" + wa.URL + "\"\nusername = 'CORP\\administrator'\ndomain = \"" + webadmtest.Domain +
		"\"\nbase_dn = \"" + webadmtest.BaseDN + "\"\nverify = \"required\"\nverify_methods = [\"sms\"]\n"
	h, home := verifyHost(t, odin, `verify = "offered"`, waTOML+"[verify]\nsms_url = \""+gw.URL+"/send\"\nattempts = 3\n"+extra,
		map[string]string{"RESETDESK_SECRET_WA": webadmtest.Password, "RESETDESK_SECRET_SMS": notifytest.Token})
	return h, gw, wa, home
}

func TestWrongCodeThreeTimesIsOutOfAttempts(t *testing.T) {
	h, gw, wa, home := smsHost(t, "")
	d := deskOf(t, h, "")
	user := wa.Users()[0]
	c := callerOf(t, d, "wa", user)
	if len(c.Options) != 1 || c.Options[0].Method != "sms" || !strings.HasPrefix(c.Options[0].Shown, "+33 ") {
		t.Fatalf("options %+v (verify_methods = sms)", c.Options)
	}
	if _, err := d.SendCode(context.Background(), c, "sms", ""); err != nil {
		t.Fatal(err)
	}
	code := codeIn.FindStringSubmatch(gw.Sent()[0].Text)[1]
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	for i, want := range []verify.Outcome{verify.Wrong, verify.Wrong, verify.Exhausted} {
		got, err := d.CheckCode(context.Background(), c, wrong)
		if err != nil || got.Outcome != want || (want == verify.Wrong && got.Left != 2-i) {
			t.Fatalf("try %d: %+v, %v", i+1, got, err)
		}
	}
	if _, err := d.CheckCode(context.Background(), c, code); !errors.Is(err, desk.ErrNoCode) {
		t.Fatalf("the right code after the attempts ran out: %v", err)
	}
	vs := verifications(t, d, user)
	results := []string{}
	for _, v := range vs {
		results = append(results, v.Result)
	}
	if strings.Join(results, ",") != "out of attempts,failed,failed,sent" {
		t.Fatalf("events %v", results)
	}
	if v, _ := d.Verified(context.Background(), c.Profile, user); v != nil || historyHolds(t, home, code) {
		t.Fatalf("verified %+v, or the code is in the history", v)
	}
}

func TestCodeExpires(t *testing.T) {
	h, gw, wa, _ := smsHost(t, "code_ttl = \"1s\"\n")
	d := deskOf(t, h, "")
	c := callerOf(t, d, "wa", wa.Users()[1])
	if _, err := d.SendCode(context.Background(), c, "sms", ""); err != nil {
		t.Fatal(err)
	}
	code := codeIn.FindStringSubmatch(gw.Sent()[0].Text)[1]
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, pending := d.PendingCode(c); !pending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the code never expired")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got, err := d.CheckCode(context.Background(), c, code)
	if err != nil || got.Outcome != verify.Expired {
		t.Fatalf("check = %+v, %v", got, err)
	}
	if vs := verifications(t, d, c.User); vs[0].Result != history.ResultExpired {
		t.Fatalf("events %+v", vs)
	}
}

func TestAtMostFiveCodesPerUserPerHour(t *testing.T) {
	h, gw, wa, _ := smsHost(t, "")
	alice, bob := deskOf(t, h, ""), deskOf(t, h, "")
	c := callerOf(t, alice, "wa", wa.Users()[2])
	for i := range desk.CodesPerHour {
		d := alice
		if i%2 == 1 {
			d = bob // whoever asks, the person's phone counts them all
		}
		if _, err := d.SendCode(context.Background(), c, "sms", ""); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	_, err := alice.SendCode(context.Background(), c, "sms", "")
	if err == nil || !strings.Contains(err.Error(), "5 codes in the last hour") {
		t.Fatalf("sixth code: %v", err)
	}
	if n := len(gw.Sent()); n != desk.CodesPerHour {
		t.Fatalf("the gateway got %d messages", n)
	}
	// Another person is not limited by it.
	if _, err := alice.SendCode(context.Background(), callerOf(t, alice, "wa", wa.Users()[3]), "sms", ""); err != nil {
		t.Fatal(err)
	}
}

func TestUndeliveredCodeIsAClearErrorAndNotCounted(t *testing.T) {
	h, gw, wa, _ := smsHost(t, "")
	d := deskOf(t, h, "")
	c := callerOf(t, d, "wa", wa.Users()[4])
	gw.Fail(503, "gateway down")
	for range desk.CodesPerHour + 1 {
		_, err := d.SendCode(context.Background(), c, "sms", "")
		if err == nil || !strings.Contains(err.Error(), "the code was not sent") || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("err = %v", err)
		}
	}
	if _, pending := d.PendingCode(c); pending {
		t.Fatal("an undelivered code is waiting to be read back")
	}
	gw.Fail(0, "")
	if _, err := d.SendCode(context.Background(), c, "sms", ""); err != nil {
		t.Fatalf("after %d undelivered codes: %v", desk.CodesPerHour+1, err)
	}
	if vs := verifications(t, d, c.User); vs[1].Result != history.ResultUndelivered || !strings.Contains(vs[1].Message, "HTTP 503") {
		t.Fatalf("events %+v", vs)
	}
}

func TestRelayDownOrWithoutSTARTTLSIsAClearError(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{}) // no STARTTLS
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	for relay, want := range map[string]string{
		"smtp://" + mp.SMTPAddr:  "does not offer STARTTLS",
		"smtp+plain://" + down:   "cannot reach mail relay " + down,
		"smtps://" + mp.SMTPAddr: "mail relay " + mp.SMTPAddr,
	} {
		srv := odintest.New(2)
		h, _ := verifyHost(t, srv, `verify = "required"`, "[verify]\nsmtp = \""+relay+"\"\nfrom = \"sd@corp.example.com\"\n", nil)
		d := deskOf(t, h, "")
		c := callerOf(t, d, "lab", srv.Users()[0])
		_, err := d.SendCode(context.Background(), c, "mail", "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", relay, err, want)
		}
		srv.Close()
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("%d messages got through", n)
	}
}

// The run is refused before anything is sent until the caller is verified by the same
// technician; then it runs and names the verification it relied on.
func TestRequiredRunRefusedUntilVerifiedByTheSameTechnician(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	techs := "[technicians.alice]\nkeys = [\"ssh-ed25519 AAAA alice\"]\n[technicians.bob]\nkeys = [\"ssh-ed25519 AAAB bob\"]\n"
	h, _ := verifyHost(t, srv, `verify = "required"`, techs, nil)
	alice, bob := deskOf(t, h, "alice"), deskOf(t, h, "bob")
	user := srv.Users()[0]
	_, err := tryRunAs(t, alice, "lab", []string{user})
	var unverified *desk.UnverifiedError
	if !errors.As(err, &unverified) || unverified.Users[0] != user || !strings.Contains(err.Error(), "resetdesk verify -p lab USER") {
		t.Fatalf("unverified run: %v", err)
	}
	if srv.Count("/users/authentication") != 0 {
		t.Fatal("a reset went out")
	}
	c := callerOf(t, alice, "lab", user)
	attested, err := alice.AttestCallback(context.Background(), c, "INC-9")
	if err != nil || attested.Destination != "9871515000" {
		t.Fatalf("attest: %+v, %v", attested, err)
	}
	if _, err := tryRunAs(t, bob, "lab", []string{user}); !errors.As(err, &unverified) {
		t.Fatalf("bob's run relied on alice's verification: %v", err)
	}
	out, err := tryRunAs(t, alice, "lab", []string{user})
	if err != nil || out[0].Status != backends.StatusOK {
		t.Fatalf("alice's run: %+v, %v", out, err)
	}
	runs, _, err := alice.History(context.Background(), history.Filter{User: user}, false)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	relied, err := alice.Reliance(context.Background(), []int64{runs[0].ID})
	if err != nil || relied[runs[0].ID][user].ID != attested.ID || relied[runs[0].ID][user].Method != "callback" {
		t.Fatalf("reliance %+v, %v", relied, err)
	}
}

func TestADirectoryProfileAnswersForASystemWithoutContacts(t *testing.T) {
	srv := odintest.New(3)
	defer srv.Close()
	prm := "[profiles.pr]\nkind = \"prm\"\nurl = \"https://prm.invalid:8080\"\nverify = \"offered\"\ndirectory = \"lab\"\n"
	h, _ := verifyHost(t, srv, `verify = "off"`, prm, map[string]string{"RESETDESK_SECRET_PR": "token"})
	d := deskOf(t, h, "")
	c := callerOf(t, d, "pr", srv.Users()[2])
	if c.Directory != "lab" || len(c.Options) != 1 || c.Options[0].Method != "callback" || c.Name == "" {
		t.Fatalf("caller %+v (no relay configured: the callback only)", c)
	}
	p, _ := d.Profile("lab")
	if _, err := d.Caller(context.Background(), p, srv.Users()[0]); !errors.Is(err, desk.ErrVerifyOff) {
		t.Fatalf("verify = off: %v", err)
	}
}

func TestDemoCodesGoToTheOutboxMarkedDemo(t *testing.T) {
	d, err := desk.New(desk.Options{Demo: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range d.Profiles() {
		if p.Verify != backends.VerifyOffered {
			t.Fatalf("demo profile %s: verify = %q", p.Name, p.Verify)
		}
	}
	c := callerOf(t, d, "demo-prm", "bdoe") // PRM's people are looked up in the demo AD
	sent, err := d.SendCode(context.Background(), c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sent.Demo, "DEMO") || !strings.Contains(sent.Demo, "b•••@corp.example.com") {
		t.Fatalf("demo line %q", sent.Demo)
	}
	code := codeIn.FindStringSubmatch(sent.Demo)[1]
	if got, err := d.CheckCode(context.Background(), c, code); err != nil || got.Outcome != verify.Passed {
		t.Fatalf("check = %+v, %v", got, err)
	}
	if v, err := d.Verified(context.Background(), c.Profile, "bdoe"); err != nil || v == nil {
		t.Fatalf("verified = %+v, %v", v, err)
	}
}

// The refusal names five users, cleaned of control characters, and counts the rest.
func TestUnverifiedErrorNamesFiveAndCountsTheRest(t *testing.T) {
	e := &desk.UnverifiedError{Profile: "lab", Users: []string{"u1", "u2\x1b[31m", "u3", "u4", "u5", "u6", "u7"}, ValidFor: 15 * time.Minute}
	if got := e.Error(); !strings.Contains(got, "you have not verified u1, u2, u3, u4, u5 and 2 more in the last 15m0s: ") {
		t.Fatalf("%q", got)
	}
}
