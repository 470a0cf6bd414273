package backendtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/fakekit"
	"resetdesk/backends/redact"
	"resetdesk/backends/runner"
)

// Fake is what the shared tests drive of a kind's fake server: the fault knobs and
// counters of its fakekit.Kit, its seeded users, and Close.
type Fake interface {
	SetFaults(fakekit.Faults)
	Count(call string) int
	MaxInFlight() int
	Users() []string
	Close()
}

// Harness is what the shared tests need of one kind, whose fake is an S.
type Harness[S Fake] struct {
	Kind string // the kind's registered name
	Mode string // the mode the shared tests reset in
	// ResetCall names the call that makes the change, as the fake's knobs aim at calls;
	// LoginCall the call Login makes ("" when Login sends nothing).
	ResetCall string
	LoginCall string
	// Start starts a fake with n users (the shared tests close it).
	Start func(n int) S
	// Profile is a profile of the kind on s, and Secret the secret s takes.
	Profile func(s S) backends.Profile
	Secret  string
	// Held is what s holds for user that the mode changes: the password, the passcode,
	// the link; "" while the mode has not changed it.
	Held func(s S, user string) string

	// NoSession: the system has no session to renew, so a refused token is a refused
	// login (the run stops) rather than a session renewed once.
	NoSession bool

	// Echoes are the failures whose answer, with Echo, puts a secret in the answer: what
	// a client must show with it removed. EchoMark is a text every echoing answer
	// carries, to prove that it reached the messages.
	Echoes   []Echo
	EchoMark string
	// Password is typed for the echo test's run when the mode takes one.
	Password string
	// SecretForms are the profile's secret as the kind sends it, besides what
	// redact.Forms knows (a Basic header's "user:password", a time-based token);
	// PasswordForms likewise for a new password.
	SecretForms   func(p backends.Profile, secret string) []string
	PasswordForms func(pw string) []string
	// Issued are the secrets s made that a client may have sent (a generator's).
	Issued func(s S) []string
}

// Echo is one failure the echo test injects: Call answered with Status.
type Echo struct {
	Call   string
	Status int
}

// fakeOn starts h's fake with n users, closed when the test ends, and a client on it
// whose requests are held to timeout (0 = the default).
func (h Harness[S]) fakeOn(t *testing.T, n int, timeout time.Duration) (S, backends.Backend) {
	t.Helper()
	s := h.Start(n)
	t.Cleanup(s.Close)
	p := h.Profile(s)
	p.Timeout = timeout
	return s, Client(t, p, h.Secret)
}

func (h Harness[S]) mode(t testing.TB) backends.Mode { return Mode(t, h.Kind, h.Mode) }

// Conformance runs every test the kinds share on h: the fault matrix, echoed secrets,
// the concurrency bound and a server that is gone, and the rules of issue 17: an answer
// that is not the contract's after a change is unknown and keeps the secret; an echo
// quoted as text or HTML shows no secret; only requests that left are journaled as
// sent; what was never sent is skipped; a wait past the timeout is not waited; a failed
// login says only that nothing was sent.
func Conformance[S Fake](t *testing.T, h Harness[S]) {
	t.Run("fault matrix", func(t *testing.T) { FaultMatrix(t, h) })
	t.Run("echoed secrets never shown", func(t *testing.T) { EchoedSecretsNeverShown(t, h) })
	t.Run("echoes quoted as text or HTML", func(t *testing.T) { EchoesQuotedAsTextOrHTML(t, h) })
	t.Run("answers after the change", func(t *testing.T) { AnswersAfterTheChange(t, h) })
	t.Run("sent is what left", func(t *testing.T) { SentIsWhatLeft(t, h) })
	t.Run("never sent is skipped", func(t *testing.T) { NeverSentIsSkipped(t, h) })
	t.Run("a failed login sent nothing", func(t *testing.T) { FailedLoginSentNothing(t, h) })
	t.Run("concurrency is bounded", func(t *testing.T) { ConcurrencyIsBounded(t, h) })
	t.Run("server gone is not sent", func(t *testing.T) { ServerGoneIsNotSent(t, h) })
}

// faultCase is one row of the fault matrix.
type faultCase struct {
	name    string
	faults  func(call string) fakekit.Faults
	timeout time.Duration // the profile's timeout; 0 = the default
	status  backends.Status
	wants   []string
	changed bool // the server made the change
	calls   int  // the changing requests the server received
}

// faultCases are the faults every kind answers the same way, as the runner sees them.
// The rows that kinds read differently by their contracts take the harness's flags.
func faultCases[S Fake](h Harness[S]) []faultCase {
	unknown := backends.MessageUnknown
	cases := []faultCase{
		{name: "hung request", faults: func(c string) fakekit.Faults { return fakekit.Faults{Hang: c} }, timeout: 300 * time.Millisecond,
			status: backends.StatusUnknown, wants: []string{"no answer within 300ms (the profile's timeout)", unknown}, calls: 1},
		{name: "connection dropped after the change", faults: func(c string) fakekit.Faults { return fakekit.Faults{Drop: c} },
			status: backends.StatusUnknown, wants: []string{"no answer", unknown}, changed: true, calls: 1},
		{name: "HTTP 500 with the contract's error", faults: func(c string) fakekit.Faults { return fakekit.Faults{Fail: c, FailStatus: 500} },
			status: backends.StatusFailed, wants: []string{"HTTP 500"}, calls: 1},
		{name: "HTTP 500 with a cut-off body", faults: func(c string) fakekit.Faults {
			return fakekit.Faults{Fail: c, FailStatus: 500, FailBody: fakekit.BodyTruncated}
		}, status: backends.StatusFailed, wants: []string{"HTTP 500"}, calls: 1},
		{name: "HTTP 400 HTML page", faults: func(c string) fakekit.Faults {
			return fakekit.Faults{Fail: c, FailStatus: 400, FailBody: fakekit.BodyHTML}
		}, status: backends.StatusFailed, wants: []string{"HTTP 400"}, calls: 1},
		{name: "HTTP 502 HTML page from a gateway", faults: func(c string) fakekit.Faults {
			return fakekit.Faults{Fail: c, FailStatus: 502, FailBody: fakekit.BodyHTML}
		}, status: backends.StatusUnknown, wants: []string{"HTTP 502", unknown}, calls: 1},
		{name: "cut-off answer to the change", faults: func(c string) fakekit.Faults { return fakekit.Faults{Fail: c, FailBody: fakekit.BodyTruncated} },
			status: backends.StatusUnknown, wants: []string{unknown}, calls: 1},
		{name: "throttled twice, then done", faults: func(c string) fakekit.Faults {
			return fakekit.Faults{Fail: c, FailStatus: 429, FailTimes: 2}
		}, status: backends.StatusOK, changed: true, calls: 3},
		{name: "slow but in time", faults: func(string) fakekit.Faults { return fakekit.Faults{Latency: 20 * time.Millisecond} },
			status: backends.StatusOK, changed: true, calls: 1},
	}
	// A page with 200 may be a proxy's that never passed the request on, or the
	// system's own after it acted: nobody can tell, so it may be done.
	html := faultCase{name: "HTML page where JSON was due", faults: func(c string) fakekit.Faults { return fakekit.Faults{Fail: c, FailBody: fakekit.BodyHTML} },
		status: backends.StatusUnknown, wants: []string{"HTML page from the server", unknown}, calls: 1}
	refused := faultCase{name: "session refused once", faults: func(c string) fakekit.Faults { return fakekit.Faults{Refuse: c, RefuseTimes: 1} },
		status: backends.StatusOK, changed: true, calls: 2}
	if h.NoSession {
		refused.status, refused.wants, refused.changed, refused.calls = backends.StatusFailed, []string{"login refused"}, false, 1
	}
	return append(cases, html, refused)
}

// FaultMatrix runs one user through the real runner against each fault of the matrix,
// aimed at the kind's changing call, and checks the outcome, what the server did and how
// often the change was sent: never again after it may have been made.
func FaultMatrix[S Fake](t *testing.T, h Harness[S]) {
	source := h.mode(t).Source
	for _, c := range faultCases(h) {
		t.Run(c.name, func(t *testing.T) {
			s, b := h.fakeOn(t, 3, c.timeout)
			s.SetFaults(c.faults(h.ResetCall))
			user := s.Users()[0]
			o := Run(t, b, runner.Spec{Mode: h.Mode, Users: []string{user}}, h.Secret)[0]
			Expect(t, o, c.status, c.wants, nil)
			held := h.Held(s, user)
			if (held != "") != c.changed {
				t.Errorf("the server made the change: %v, want %v", held != "", c.changed)
			}
			if n := s.Count(h.ResetCall); n != c.calls {
				t.Errorf("%d requests to %s, want %d", n, h.ResetCall, c.calls)
			}
			checkSecret(t, o, source, held)
		})
	}
	t.Run("Retry-After honoured", func(t *testing.T) {
		s, b := h.fakeOn(t, 1, 0)
		s.SetFaults(fakekit.Faults{Fail: h.ResetCall, FailStatus: 429, RetryAfter: 1, FailTimes: 1})
		start := time.Now()
		o := Run(t, b, runner.Spec{Mode: h.Mode, Users: s.Users()}, h.Secret)[0]
		Expect(t, o, backends.StatusOK, nil, nil)
		if waited := time.Since(start); waited < time.Second {
			t.Errorf("retried after %v, before Retry-After: 1", waited)
		}
		if n := s.Count(h.ResetCall); n != 2 {
			t.Errorf("%d requests to %s, want 2", n, h.ResetCall)
		}
	})
}

// checkSecret holds an outcome's secret to what the server holds: a secret made here
// is kept whenever it may be in effect, one the server makes is shown only when the
// server said what it is.
func checkSecret(t *testing.T, o backends.Outcome, source backends.SecretSource, held string) {
	t.Helper()
	switch {
	case o.Status == backends.StatusFailed || o.Status == backends.StatusSkipped:
		if o.Secret != "" {
			t.Errorf("a %s outcome carries a secret", o.Status)
		}
	case o.Status == backends.StatusOK || held != "" && source != backends.FromServer:
		if o.Secret != held {
			t.Errorf("the outcome shows %q, the server holds %q", o.Secret, held)
		}
	case source == backends.FromServer:
		if o.Secret != "" {
			t.Errorf("an unknown outcome shows %q, a secret the server never told", o.Secret)
		}
	case o.Secret == "":
		t.Error("the outcome lost the secret that may be in effect")
	}
}

// EchoedSecretsNeverShown makes each of the kind's Echoes fail with an answer that
// echoes the request, then runs a reset through the real runner, a Check and a Search,
// on a client built by backends.Open: the echo reaches the messages, but neither the
// profile's secret nor a new password does, in any form.
func EchoedSecretsNeverShown[S Fake](t *testing.T, h Harness[S]) {
	for _, e := range h.Echoes {
		t.Run(fmt.Sprintf("HTTP %d from %s", e.Status, strings.ReplaceAll(e.Call, "/", " ")), func(t *testing.T) {
			s, b := h.fakeOn(t, 3, 0)
			p, err := ProfileOf(b)
			if err != nil {
				t.Fatal(err)
			}
			s.SetFaults(fakekit.Faults{Fail: e.Call, FailStatus: e.Status, Echo: true})
			user := s.Users()[0]
			ctx := context.Background()

			var texts []string
			spec := runner.Spec{Mode: h.Mode, Users: []string{user}}
			if h.mode(t).TypedPassword {
				spec.Password = h.Password
			}
			out, err := TryRun(b, spec)
			if err != nil {
				texts = append(texts, err.Error())
			}
			var passwords []string
			for _, o := range out {
				texts = append(texts, o.Message)
				passwords = append(passwords, o.Secret)
			}
			msg, err := b.Check(ctx)
			texts = append(texts, msg, errText(err))
			hits, err := b.Search(ctx, "a", 5)
			texts = append(texts, errText(err))
			for _, u := range hits {
				texts = append(texts, u.Name, u.Detail)
			}

			all := strings.Join(texts, "\n")
			if !strings.Contains(all, h.EchoMark) || !strings.Contains(all, redact.Mark) {
				t.Fatalf("the echo (%q) did not reach the messages with a secret removed from it, so this proves nothing:\n%s", h.EchoMark, all)
			}
			secrets := []string{h.Secret}
			if h.SecretForms != nil {
				secrets = append(secrets, h.SecretForms(p, h.Secret)...)
			}
			passwords = append(passwords, h.Password)
			if h.Issued != nil {
				passwords = append(passwords, h.Issued(s)...)
			}
			for _, pw := range passwords {
				secrets = append(secrets, pw)
				if h.PasswordForms != nil && pw != "" {
					secrets = append(secrets, h.PasswordForms(pw)...)
				}
			}
			NoSecretRun(t, texts, secrets...)
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// ConcurrencyIsBounded runs 24 users at concurrency 3 against a fake that answers in
// 15 ms: every one is reset, with never more than 3 requests at once, and more than one.
func ConcurrencyIsBounded[S Fake](t *testing.T, h Harness[S]) {
	s, b := h.fakeOn(t, 24, 0)
	s.SetFaults(fakekit.Faults{Latency: 15 * time.Millisecond})
	out := Run(t, b, runner.Spec{Mode: h.Mode, Users: s.Users(), Concurrency: 3}, h.Secret)
	if tally := backends.TallyOf(out); tally.OK != 24 {
		t.Fatalf("%+v", tally)
	}
	if m := s.MaxInFlight(); m > 3 || m < 2 {
		t.Errorf("max in flight %d, want 2..3", m)
	}
}

// ServerGoneIsNotSent resets a user of a server that is no longer there: the request is
// not sent, and the message says so and why.
func ServerGoneIsNotSent[S Fake](t *testing.T, h Harness[S]) {
	s := h.Start(1)
	user := s.Users()[0]
	p := h.Profile(s)
	s.Close()
	// A fresh client: a POST on a pooled connection the server closed counts as sent.
	b := Client(t, p, h.Secret)
	_, err := b.Reset(context.Background(), backends.Target{User: user, Mode: h.Mode, Secret: "Gone-Pass-123"})
	if backends.KindOf(err) != backends.NotSent {
		t.Fatalf("%v (kind %v), want not sent", err, backends.KindOf(err))
	}
	for _, want := range []string{"not sent", "cannot connect"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	NoSecret(t, err.Error(), h.Secret, "Gone-Pass-123")
}
