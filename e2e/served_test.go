package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// servedHost is `resetdesk serve` running as its own process on 127.0.0.1, its stdout
// and its log (stderr) kept.
type servedHost struct {
	t      *testing.T
	cmd    *exec.Cmd
	env    []string
	port   string
	out    *streamBuffer
	log    *streamBuffer
	exited chan struct{}
	err    error // the process's end, once exited is closed
}

// startServe starts `resetdesk serve` with args on a free port and waits until it
// listens.
func startServe(t *testing.T, env []string, args ...string) *servedHost {
	t.Helper()
	h := &servedHost{t: t, env: env, out: newStreamBuffer(), log: newStreamBuffer(), exited: make(chan struct{})}
	h.cmd = exec.Command(builtBinary(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	h.cmd.Env = env
	h.cmd.Stdout, h.cmd.Stderr = h.out, h.log
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		h.err = h.cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		h.signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(30 * time.Second):
			_ = h.cmd.Process.Kill()
			<-h.exited
		}
		if t.Failed() {
			t.Logf("the server's log:\n%s", h.log.String())
		}
	})
	listening := regexp.MustCompile(`listening on 127\.0\.0\.1:(\d+)(?s:.*)\nconnect with: .*\n`)
	h.waitFor("the server to listen", 20*time.Second, h.out, func(s string) bool { return listening.MatchString(s) })
	h.port = listening.FindStringSubmatch(h.out.String())[1]
	return h
}

func (h *servedHost) signal(sig syscall.Signal) {
	select {
	case <-h.exited:
	default:
		_ = h.cmd.Process.Signal(sig)
	}
}

// waitFor waits until cond holds for what the stream b holds, or the server exits.
func (h *servedHost) waitFor(what string, timeout time.Duration, b *streamBuffer, cond func(string) bool) string {
	h.t.Helper()
	deadline := time.After(timeout)
	for {
		if s := b.String(); cond(s) {
			return s
		}
		select {
		case <-b.changed:
		case <-h.exited:
			if s := b.String(); cond(s) {
				return s
			}
			h.t.Fatalf("the server exited (%v) while waiting for %s; its log:\n%s\nits output:\n%s", h.err, what, h.log.String(), h.out.String())
		case <-deadline:
			h.t.Fatalf("waiting for %s; the server's log:\n%s", what, h.log.String())
		}
	}
}

// waitLog waits for a log line holding every fragment.
func (h *servedHost) waitLog(fragments ...string) string {
	h.t.Helper()
	var found string
	h.waitFor(fmt.Sprintf("a log line with %q", fragments), 30*time.Second, h.log, func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if containsAll(line, fragments...) {
				found = line
				return true
			}
		}
		return false
	})
	return found
}

func containsAll(s string, fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// stop sends SIGTERM and waits for the server to exit.
func (h *servedHost) stop() {
	h.t.Helper()
	h.signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(60 * time.Second):
		h.t.Fatal("the server did not exit after SIGTERM")
	}
}

// sshKey is a key pair made with ssh-keygen, as a technician has one.
type sshKey struct {
	path string // the private key
	pub  string // its authorized_keys line
}

func newSSHKey(t *testing.T, comment string) sshKey {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		if os.Getenv("RESETDESK_E2E") != "" {
			t.Fatal("the OpenSSH client is not installed (.ci/run installs openssh-client)")
		}
		t.Skip("the OpenSSH client is not installed: apt-get install openssh-client")
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return sshKey{path: path, pub: strings.TrimSpace(string(pub))}
}

// fingerprint is the key's SHA256 fingerprint, as the server logs it.
func (k sshKey) fingerprint(t *testing.T) string {
	t.Helper()
	return keyFingerprint(t, k.path+".pub")
}

// keyFingerprint is the SHA256 fingerprint of the key in file (public or private).
func keyFingerprint(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[1]
}

// connect opens the real OpenSSH client with key in a tmux terminal of its own size:
// a technician's session. The SSH user name is deliberately the same for everyone.
func (h *servedHost) connect(key sshKey, width, height int) *tmuxSession {
	h.t.Helper()
	return startTmux(h.t, width, height, []string{"TERM=xterm-256color", "HOME=" + h.t.TempDir()},
		"ssh", "-F", "/dev/null", "-p", h.port,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "-i", key.path, "tech@127.0.0.1")
}

// streamBuffer keeps what a process writes and signals each write, so that a test
// waits for text without sleeping.
type streamBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newStreamBuffer() *streamBuffer { return &streamBuffer{changed: make(chan struct{}, 1)} }

func (b *streamBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf.Write(p)
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (b *streamBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// openProfile moves the profiles page's cursor to name and opens it.
func openProfile(s *tmuxSession, name string) {
	s.t.Helper()
	row := regexp.MustCompile(`^([> ]) (?:\d )?(\S+)\s+(odin|admanager|webadm|emm|prm)\s`)
	scr := s.waitText(name, 10*time.Second)
	cursor, target := -1, -1
	n := 0
	for _, line := range strings.Split(scr, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == ">" {
			cursor = n
		}
		if m[2] == name {
			target = n
		}
		n++
	}
	if cursor < 0 || target < cursor {
		s.t.Fatalf("profile %s is not below the cursor:\n%s", name, scr)
	}
	for range target - cursor {
		s.keys("Down")
	}
	s.waitFor("the cursor on profile "+name, 5*time.Second, func(scr string) bool {
		return regexp.MustCompile(`(?m)^> (?:\d )?` + regexp.QuoteMeta(name) + `\s`).MatchString(scr)
	})
	s.keys("Enter")
	s.waitText("search:", 10*time.Second)
}

// reviewSIP selects the hits of query on the users page, picks mode sip and stops at
// the review, where enter would send.
func reviewSIP(s *tmuxSession, query string, hits int) {
	s.t.Helper()
	s.toReview(query, hits)
	s.waitText("Press enter to reset now", 5*time.Second)
}

// pid is the process in the pane: ssh (env execs it).
func (s *tmuxSession) pid() int {
	var pid int
	fmt.Sscan(strings.TrimSpace(s.tmux("display-message", "-p", "-t", s.name, "#{pane_pid}")), &pid)
	return pid
}
