package backendtest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/redact"
	"resetdesk/backends/runner"
)

// Secrets with every character the escapings differ on: NastySecret is the issue's
// administrator password (a profile's secret), NastyPassword a typed new password that
// every set mode takes.
const (
	NastySecret   = `Odin <Ech0>&"Pass/4417`
	NastyPassword = `Ech0<Pass>&"Wd/44\17`
)

// NoSecretRun fails the test when a run of 6 characters of any of secrets (the whole
// secret when shorter) is in any decoding (redact.Decodings) of any of texts.
func NoSecretRun(t testing.TB, texts []string, secrets ...string) {
	t.Helper()
	for _, text := range texts {
		for _, d := range redact.Decodings(text) {
			for _, s := range secrets {
				if run := runIn(d, s); run != "" {
					t.Errorf("%q of a secret is in %q (decoded: %q)", run, text, d)
				}
			}
		}
	}
}

// runIn is a run of 6 characters of secret found in text, "" when there is none.
func runIn(text, secret string) string {
	if len(secret) < redact.MinLen {
		return ""
	}
	r := []rune(secret)
	n := min(6, len(r))
	for i := 0; i+n <= len(r); i++ {
		if run := string(r[i : i+n]); strings.Contains(text, run) {
			return run
		}
	}
	return ""
}

// EchoesQuotedAsTextOrHTML answers the reset (HTTP 500), and the login (400), with a
// generic error page that quotes the whole request (fakekit's EchoAs), as text/plain and
// as HTML: the echo reaches the messages, no run of a secret does — the profile's (the
// issue's own, NastySecret, for the login), a typed or made password.
func EchoesQuotedAsTextOrHTML[S Fake](t *testing.T, h Harness[S]) {
	for _, as := range []string{fakekit.EchoText, fakekit.EchoHTML} {
		t.Run("reset answered "+as, func(t *testing.T) {
			s, b := h.fakeOn(t, 3, 0)
			p, err := ProfileOf(b)
			if err != nil {
				t.Fatal(err)
			}
			s.SetFaults(fakekit.Faults{Fail: h.ResetCall, FailStatus: 500, EchoAs: as})
			spec := runner.Spec{Mode: h.Mode, Users: s.Users()[:1]}
			if h.mode(t).TypedPassword {
				spec.Password = NastyPassword
			}
			out, err := TryRun(b, spec)
			if err != nil {
				t.Fatal(err)
			}
			// The fake's own login secret is a plain word, whose runs a path may hold by
			// chance ("emm-admin-pass", /mdm-admin/): it is held to its whole forms; the
			// passwords, to every run.
			texts := []string{out[0].Message}
			forms := []string{h.Secret}
			if h.SecretForms != nil {
				forms = append(forms, h.SecretForms(p, h.Secret)...)
			}
			for _, f := range forms {
				NoSecret(t, texts[0], redact.Forms(f)...)
			}
			passwords := []string{NastyPassword, out[0].Secret}
			if h.Issued != nil {
				passwords = append(passwords, h.Issued(s)...)
			}
			checkEcho(t, texts, passwords...)
		})
		if h.LoginCall == "" {
			continue
		}
		t.Run("login answered "+as, func(t *testing.T) {
			s := h.Start(3)
			t.Cleanup(s.Close)
			p := h.Profile(s)
			b := Client(t, p, NastySecret)
			s.SetFaults(fakekit.Faults{Fail: h.LoginCall, FailStatus: 400, EchoAs: as})
			_, err := TryRun(b, runner.Spec{Mode: h.Mode, Users: s.Users()[:1]})
			texts := []string{errText(err)}
			msg, err := b.Check(context.Background())
			texts = append(texts, msg, errText(err))
			// The forms the kind sends it in may join it to what is no secret (WebADM's
			// "user:password"): they are held to their whole spelling, the secret to
			// every run.
			if h.SecretForms != nil {
				for _, f := range h.SecretForms(p, NastySecret) {
					for _, text := range texts {
						NoSecret(t, text, redact.Forms(f)...)
					}
				}
			}
			checkEcho(t, texts, NastySecret)
		})
	}
}

// checkEcho holds texts to the generic echo: it arrived (else nothing is proved) and no
// run of a secret is in any decoding of them.
func checkEcho(t *testing.T, texts []string, secrets ...string) {
	t.Helper()
	if all := strings.Join(texts, "\n"); !strings.Contains(all, fakekit.EchoMark) {
		t.Fatalf("the echo did not reach the messages, so this proves nothing:\n%s", all)
	}
	NoSecretRun(t, texts, secrets...)
}

// AnswersAfterTheChange makes the server carry out the change and then answer 200 with
// what is not the contract's answer — an HTML page, garbage, nothing, more than any
// client reads: the user is unknown (never failed), keeps a secret made here, and the
// message says what came back.
func AnswersAfterTheChange[S Fake](t *testing.T, h Harness[S]) {
	source := h.mode(t).Source
	for body, want := range map[string]string{
		fakekit.BodyHTML:    `an HTML page from the server, title "Request processed"`,
		fakekit.BodyGarbage: "garbage",
		fakekit.BodyEmpty:   "an empty body",
		fakekit.BodyHuge:    "larger than 16 MB",
	} {
		t.Run(body, func(t *testing.T) {
			s, b := h.fakeOn(t, 3, 0)
			s.SetFaults(fakekit.Faults{Garble: h.ResetCall, GarbleBody: body})
			user := s.Users()[0]
			o := Run(t, b, runner.Spec{Mode: h.Mode, Users: []string{user}}, h.Secret)[0]
			Expect(t, o, backends.StatusUnknown, []string{want, backends.MessageUnknown}, nil)
			held := h.Held(s, user)
			if held == "" {
				t.Fatal("the server did not make the change, so this proves nothing")
			}
			if n := s.Count(h.ResetCall); n != 1 {
				t.Errorf("%d requests to %s, want 1", n, h.ResetCall)
			}
			checkSecret(t, o, source, held)
		})
	}
}

// Ledger is a Recorder that keeps which users a run prepared a secret for (IntendBatch)
// and which it sent (Intend), as the journal does.
type Ledger struct {
	runner.Nop     // records nothing else, and has no quota
	mu             sync.Mutex
	prepared, sent map[string]bool
}

func (l *Ledger) Intend(o backends.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string]bool{}
	}
	l.sent[o.User] = true
	return nil
}

func (l *Ledger) IntendBatch(os []backends.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.prepared == nil {
		l.prepared = map[string]bool{}
	}
	for _, o := range os {
		l.prepared[o.User] = true
	}
	return nil
}

// Sent reports whether user's request was told to the ledger as sent.
func (l *Ledger) Sent(user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent[user]
}

// Prepared counts the users a secret was prepared for ahead.
func (l *Ledger) Prepared() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prepared)
}

// SentIsWhatLeft stops a run of 12 users after its third outcome: exactly the users
// whose change the server received were told to the recorder as sent — a secret only
// prepared ahead (a batch) is not.
func SentIsWhatLeft[S Fake](t *testing.T, h Harness[S]) {
	s, b := h.fakeOn(t, 12, 0)
	s.SetFaults(fakekit.Faults{Latency: 30 * time.Millisecond})
	users := s.Users()
	led := &Ledger{}
	run := StartWith(t, b, runner.Spec{Mode: h.Mode, Users: users, Concurrency: 2}, led)
	finals := 0
	for o := range run.Outcomes() {
		if o.Status.Final() {
			if finals++; finals == 3 {
				run.Stop()
			}
		}
	}
	changed := 0
	for _, u := range users {
		made := h.Held(s, u) != ""
		if made {
			changed++
		}
		if made != led.Sent(u) {
			t.Errorf("%s: changed on the server %v, told as sent %v", u, made, led.Sent(u))
		}
	}
	if changed == 0 || changed == len(users) {
		t.Fatalf("%d of %d changed: the stop proves nothing", changed, len(users))
	}
	if h.mode(t).Source == backends.FromBatch && led.Prepared() <= changed {
		t.Fatalf("%d prepared ahead, %d sent: nothing was prepared and left unsent", led.Prepared(), changed)
	}
}

// NeverSentIsSkipped: users past the quota, and users after the server asked to wait a
// day (longer than the timeout), are skipped with the reason and never sent; the run
// ends at once rather than wait.
func NeverSentIsSkipped[S Fake](t *testing.T, h Harness[S]) {
	t.Run("past the quota", func(t *testing.T) {
		s, b := h.fakeOn(t, 3, 0)
		out := RunWith(t, b, runner.Spec{Mode: h.Mode, Users: s.Users(), Concurrency: 1}, Quota(1), h.Secret)
		Expect(t, out[0], backends.StatusOK, nil, nil)
		for _, o := range out[1:] {
			Expect(t, o, backends.StatusSkipped, []string{"not sent", "daily quota is spent"}, nil)
		}
		if n := s.Count(h.ResetCall); n != 1 {
			t.Errorf("%d requests to %s, want 1", n, h.ResetCall)
		}
	})
	t.Run("asked to wait a day", func(t *testing.T) {
		s, b := h.fakeOn(t, 3, 0)
		s.SetFaults(fakekit.Faults{Fail: h.ResetCall, FailStatus: 429, RetryAfter: 86400})
		out := Run(t, b, runner.Spec{Mode: h.Mode, Users: s.Users(), Concurrency: 1, Timeout: 2 * time.Second}, h.Secret)
		for _, o := range out {
			Expect(t, o, backends.StatusSkipped, []string{"not sent: the server asked to wait 24h: rate limited; try again after "}, nil)
			if o.Secret != "" {
				t.Errorf("a skipped user carries a secret: %+v", o)
			}
		}
		if n := s.Count(h.ResetCall); n != 1 {
			t.Errorf("%d requests to %s, want 1: the server would refuse the rest alike", n, h.ResetCall)
		}
	})
}

// FailedLoginSentNothing: a login that hangs or meets a 502 stops the run before
// anything is sent, and says that, and nothing else — not that a change may have been
// made.
func FailedLoginSentNothing[S Fake](t *testing.T, h Harness[S]) {
	if h.LoginCall == "" {
		t.Skip("Login sends nothing")
	}
	for name, f := range map[string]fakekit.Faults{
		"hung":    {Hang: h.LoginCall},
		"502":     {Fail: h.LoginCall, FailStatus: 502, FailBody: fakekit.BodyHTML},
		"timeout": {Latency: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			s, b := h.fakeOn(t, 2, 0)
			s.SetFaults(f)
			_, err := TryRun(b, runner.Spec{Mode: h.Mode, Users: s.Users(), Timeout: 300 * time.Millisecond})
			if err == nil {
				t.Fatal("the run started")
			}
			msg := err.Error()
			if !strings.Contains(msg, "nothing sent") {
				t.Errorf("%q does not say that nothing was sent", msg)
			}
			for _, wrong := range []string{"may have been made", "may have changed", "may be set"} {
				if strings.Contains(msg, wrong) {
					t.Errorf("%q says %q of a login", msg, wrong)
				}
			}
			if n := s.Count(h.ResetCall); n != 0 {
				t.Errorf("%d requests to %s", n, h.ResetCall)
			}
		})
	}
}
