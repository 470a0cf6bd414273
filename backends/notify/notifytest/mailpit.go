package notifytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// MailpitEnv names the mailpit binary the tests use. CI installs mailpit into its own
// tools directory and sets it; there a missing or broken mailpit fails the tests
// instead of skipping them.
const MailpitEnv = "RESETDESK_MAILPIT"

// Mailpit is a running mailpit: a real SMTP server on a loopback port, whose messages
// the test reads over its HTTP API.
type Mailpit struct {
	SMTPAddr string // 127.0.0.1:port
	api      string // http://127.0.0.1:port
}

// MailpitOptions change how mailpit runs.
type MailpitOptions struct {
	// CertFile and KeyFile offer STARTTLS with that certificate.
	CertFile, KeyFile string
	// ImplicitTLS speaks TLS from the first byte (smtps://) with that certificate.
	ImplicitTLS bool
	// AllowedRecipients, a regular expression, makes every other recipient refused
	// with a 5xx.
	AllowedRecipients string
}

// StartMailpit starts mailpit with a database of its own in a temporary directory and
// stops it at the test's end. Without mailpit (neither RESETDESK_MAILPIT, nor mailpit on
// PATH or in $HOME/go/bin) the test is skipped, unless RESETDESK_MAILPIT is set.
func StartMailpit(t testing.TB, o MailpitOptions) *Mailpit {
	t.Helper()
	bin := mailpitBinary(t)
	var lastErr error
	// A free port is picked, closed and handed to mailpit: another process may take it
	// in between, so a start that fails is tried again on new ports.
	for range 3 {
		m, err := startMailpit(t, bin, o)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("mailpit: %v", lastErr)
	return nil
}

func mailpitBinary(t testing.TB) string {
	if bin := os.Getenv(MailpitEnv); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s=%s: %v (.ci/run installs mailpit there)", MailpitEnv, bin, err)
		}
		return bin
	}
	if bin, err := exec.LookPath("mailpit"); err == nil {
		return bin
	}
	if home, err := os.UserHomeDir(); err == nil {
		if bin := filepath.Join(home, "go", "bin", "mailpit"); fileExists(bin) {
			return bin
		}
	}
	t.Skip("mailpit is not installed: go install github.com/axllent/mailpit@v1.33.1 (or set " + MailpitEnv + ")")
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startMailpit(t testing.TB, bin string, o MailpitOptions) (*Mailpit, error) {
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &Mailpit{SMTPAddr: "127.0.0.1:" + strconv.Itoa(smtpPort), api: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	args := []string{"--smtp", m.SMTPAddr, "--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--quiet", "--disable-version-check",
		"--smtp-auth-accept-any", "--smtp-disable-rdns"}
	if o.CertFile != "" {
		args = append(args, "--smtp-tls-cert", o.CertFile, "--smtp-tls-key", o.KeyFile)
		if o.ImplicitTLS {
			args = append(args, "--smtp-require-tls")
		}
	} else {
		args = append(args, "--smtp-auth-allow-insecure")
	}
	if o.AllowedRecipients != "" {
		args = append(args, "--smtp-allowed-recipients", o.AllowedRecipients)
	}
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(30 * time.Second)
	for !m.ready() {
		select {
		case <-exited:
			return nil, fmt.Errorf("exited at start: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, errors.New("not ready within 30s: " + out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(stop)
	return m, nil
}

// Port is the SMTP port.
func (m *Mailpit) Port() int {
	_, p, _ := net.SplitHostPort(m.SMTPAddr)
	n, _ := strconv.Atoi(p)
	return n
}

// ready: the API answers and the SMTP port takes a connection.
func (m *Mailpit) ready() bool {
	resp, err := http.Get(m.api + "/api/v1/messages")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := net.DialTimeout("tcp", m.SMTPAddr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Address is a mail address as mailpit's API gives it.
type Address struct {
	Name    string
	Address string
}

// Mail is one message mailpit received, as GET /api/v1/message/{ID} gives it.
type Mail struct {
	ID      string
	From    Address
	To      []Address
	Subject string
	Text    string
	HTML    string
	// Username is the login the sender used (SMTP AUTH), "" for none.
	Username string
}

// Messages reads every message received, newest first, whole.
func (m *Mailpit) Messages(t testing.TB) []Mail {
	t.Helper()
	var list struct {
		Messages []struct{ ID string } `json:"messages"`
	}
	m.get(t, "/api/v1/messages", &list)
	out := make([]Mail, 0, len(list.Messages))
	for _, s := range list.Messages {
		var one Mail
		m.get(t, "/api/v1/message/"+s.ID, &one)
		out = append(out, one)
	}
	return out
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}

// WaitMessages waits until mailpit holds at least n messages and returns them all,
// newest first (an accepted message may be stored a moment after the 250).
func (m *Mailpit) WaitMessages(t testing.TB, n int) []Mail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		msgs := m.Messages(t)
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit holds %d message(s), want %d", len(msgs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
