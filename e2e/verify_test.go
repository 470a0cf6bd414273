package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"resetdesk/backends/notify/notifytest"
	"resetdesk/backends/odin/odintest"
)

var (
	demoCodeRe = regexp.MustCompile(`carries (\d{6})`)
	mailCodeRe = regexp.MustCompile(`\b(\d{6})\b`)
)

// verifiableReview searches query on the users page of a profile that verifies callers,
// takes its one hit to the first mode's review, and waits there for v.
func (s *tmuxSession) verifiableReview(query string) string {
	s.t.Helper()
	s.text(query)
	s.waitText("1 hit", 10*time.Second)
	s.keys("Enter")
	s.waitText("Reset mode:", 10*time.Second)
	s.keys("Enter")
	return s.waitText("v verify", 10*time.Second)
}

// verifyOnScreen verifies the caller on the verification page the review's v opened:
// enter sends a code by the first way on file, code reads it where it went, a wrong
// code counts down, the right one goes back to the review, which says how and when.
func (s *tmuxSession) verifyOnScreen(code func(screen string) string) string {
	s.t.Helper()
	s.keys("v")
	s.waitText("On file:", 10*time.Second)
	s.keys("Enter")
	scr := s.waitText("Ask the caller to read the code back", 20*time.Second)
	right := code(scr)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	s.text(wrong)
	s.keys("Enter")
	s.waitText("wrong code: 2 tries left", 10*time.Second)
	s.text(right[:3] + " " + right[3:]) // as a caller reads it
	s.keys("Enter")
	return s.waitText("verified by mail code · ", 10*time.Second)
}

// The whole verification in the console on demo-emm (verify = "offered"), with no mail
// server: the code shows in the demo outbox's line; the review then says the caller was
// verified, and confirms.
func TestConsoleVerifiesTheCallerOnTheDemo(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			s := demoConsole(t, sz[0], sz[1])
			s.openProfile("demo-emm")
			scr := s.verifiableReview("bdoe")
			if !strings.Contains(scr, "not verified") {
				t.Fatalf("the review does not say the caller is not verified:\n%s", scr)
			}
			scr = s.verifyOnScreen(func(scr string) string {
				if !strings.Contains(scr, "DEMO outbox — nothing was sent") {
					t.Fatalf("no demo outbox line:\n%s", scr)
				}
				m := demoCodeRe.FindStringSubmatch(scr)
				if m == nil {
					t.Fatalf("no code in the demo line:\n%s", scr)
				}
				return m[1]
			})
			t.Logf("the review once verified:\n%s", scr)
			s.keys("Enter")
			scr = s.waitText("ok 1 ", 20*time.Second)
			if !strings.Contains(scr, "failed 0") {
				t.Fatalf("the reset did not end ok:\n%s", scr)
			}
		})
	}
}

// On a config profile with verify = "required", codes by mail through a real SMTP
// server (mailpit): the review refuses to reset before the caller is verified and says
// how; the code is read from what mailpit received; once it is typed the review
// confirms and the reset goes out.
func TestConsoleRequiredProfileVerifiesByMail(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {60, 16}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
			srv := odintest.New(4)
			defer srv.Close()
			cfg := requiredMailConfig(t, srv, mp, "")
			env := hermeticEnv(t, "TERM=xterm-256color", "RESETDESK_SECRET_LAB="+odintest.Password)
			s := startTmux(t, sz[0], sz[1], env, builtBinary(t), "--config", cfg)
			s.openProfile("lab")
			s.verifiableReview("5000") // Ada Smith's extension
			s.keys("Enter")
			s.waitFor("the refusal", 10*time.Second, func(scr string) bool {
				return strings.Contains(strings.Join(strings.Fields(scr), " "), "requires verifying the caller first: press v")
			})
			if srv.Resets() != 0 {
				t.Fatal("enter reset an unverified caller on a required profile")
			}
			s.verifyOnScreen(func(scr string) string {
				if strings.Contains(scr, "DEMO") || !strings.Contains(scr, "a•••@example.com") {
					t.Fatalf("the code's page:\n%s", scr)
				}
				mails := mp.WaitMessages(t, 1)
				m := mailCodeRe.FindStringSubmatch(mails[0].Text)
				if m == nil || mails[0].To[0].Address != "asmith@example.com" {
					t.Fatalf("the mail: to %v, %q", mails[0].To, mails[0].Text)
				}
				if strings.Contains(s.screen(), m[1]) {
					t.Fatal("a real code is on the screen")
				}
				return m[1]
			})
			s.keys("Enter")
			scr := s.waitText("ok 1 ", 20*time.Second)
			if srv.Resets() != 1 || !strings.Contains(scr, "failed 0") {
				t.Fatalf("%d resets after the verification:\n%s", srv.Resets(), scr)
			}
		})
	}
}

// requiredMailConfig is profile "lab" on the fake Odin srv with verify = "required",
// codes by mail through mailpit, and extra (technicians).
func requiredMailConfig(t *testing.T, srv *odintest.Server, mp *notifytest.Mailpit, extra string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	text := "secret_store = \"file\"\n" + srv.ProfileTOML("lab") + "verify = \"required\"\n" +
		"[verify]\nsmtp = \"smtp+plain://" + mp.SMTPAddr + "\"\nfrom = \"Service Desk <sd@corp.example.com>\"\n" + extra
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Over serve a verification is the technician's own: the caller alice verified (the
// mail names her) shows as not verified in bob's review, which refuses his reset;
// alice's goes out.
func TestServeVerificationIsPerTechnician(t *testing.T) {
	mp := notifytest.StartMailpit(t, notifytest.MailpitOptions{})
	srv := odintest.New(4)
	defer srv.Close()
	alice, bob := newSSHKey(t, "alice@laptop"), newSSHKey(t, "bob@laptop")
	cfg := requiredMailConfig(t, srv, mp, technicianTOML("alice", alice)+technicianTOML("bob", bob))
	h := startServe(t, hermeticEnv(t, "RESETDESK_SECRET_LAB="+odintest.Password), "--config", cfg)

	toReview := func(s *tmuxSession) {
		openProfile(s, "lab")
		s.verifiableReview("5000") // Ada Smith's extension
	}
	a := h.connect(alice, 80, 24)
	toReview(a)
	a.verifyOnScreen(func(string) string {
		mail := mp.WaitMessages(t, 1)[0]
		if !strings.Contains(mail.Text, "alice") {
			t.Fatalf("the mail does not name the technician who asked: %q", mail.Text)
		}
		return mailCodeRe.FindStringSubmatch(mail.Text)[1]
	})

	b := h.connect(bob, 80, 24)
	toReview(b)
	scr := b.waitText("Cannot reset yet", 10*time.Second)
	if !strings.Contains(scr, "not verified · v verify") {
		t.Fatalf("bob's review of the caller alice verified:\n%s", scr)
	}
	b.keys("Enter")
	b.waitFor("the refusal", 10*time.Second, func(scr string) bool {
		return strings.Contains(strings.Join(strings.Fields(scr), " "), "requires verifying the caller first: press v")
	})
	if srv.Resets() != 0 {
		t.Fatal("bob reset a caller only alice verified")
	}
	a.keys("Enter")
	a.waitText("ok 1 ", 20*time.Second)
	if srv.Resets() != 1 {
		t.Fatalf("%d resets, want alice's one", srv.Resets())
	}
}
