package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hangingOps never answers, like go-keyring waiting on a prompt no one can see.
type hangingOps struct{ release chan struct{} }

func (h hangingOps) Get(string, string) (string, error) { <-h.release; return "", nil }
func (h hangingOps) Set(string, string, string) error   { <-h.release; return nil }
func (h hangingOps) Delete(string, string) error        { <-h.release; return nil }

func TestKeyringTimeout(t *testing.T) {
	h := hangingOps{release: make(chan struct{})}
	defer close(h.release)
	k := &Keyring{Timeout: 20 * time.Millisecond, ops: h}
	done := make(chan error, 1)
	go func() { done <- k.Set(context.Background(), "p", "pw") }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "did not answer within") || !strings.Contains(err.Error(), `secret_store = "file"`) {
			t.Fatalf("hanging keyring: %v", err)
		}
	case <-time.After(10 * time.Second): // a safety net only: the store's timeout is 20ms
		t.Fatal("a hanging keyring blocked the caller")
	}
}

func TestKeyringNoBusSaysSoPlainly(t *testing.T) {
	env := map[string]string{"XDG_RUNTIME_DIR": t.TempDir()} // no bus socket there
	k := &Keyring{Getenv: func(n string) string { return env[n] }}
	if _, err := os.Stat("/run/user/" + strconv.Itoa(os.Getuid()) + "/bus"); err == nil {
		t.Skip("this host has a session bus at /run/user/<uid>/bus")
	}
	_, err := k.Get(context.Background(), "p")
	if !errors.Is(err, ErrNoSecretService) {
		t.Fatalf("Get with no bus = %v, want ErrNoSecretService", err)
	}
	if !strings.Contains(err.Error(), `secret_store = "file"`) {
		t.Fatalf("message does not point to the file store: %q", err)
	}
}

func TestClassifyKeyringError(t *testing.T) {
	for _, raw := range []string{
		`exec: "dbus-launch": executable file not found in $PATH`,
		"The name org.freedesktop.secrets was not provided by any .service files",
		"dial unix /nonexistent: connect: no such file or directory",
	} {
		if err := classifyKeyringError("read", errors.New(raw)); !errors.Is(err, ErrNoSecretService) {
			t.Errorf("%q -> %v, want ErrNoSecretService", raw, err)
		}
	}
	if err := classifyKeyringError("read", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")); err == nil || !strings.Contains(err.Error(), "no unlocked default collection") {
		t.Errorf("locked collection: %v", err)
	}
	if err := classifyKeyringError("read", errors.New("permission denied")); err == nil || !strings.HasPrefix(err.Error(), "OS keyring read failed") {
		t.Errorf("other errors: %v", err)
	}
}

// TestKeyringReal talks to the real Secret Service. CI (.ci/run) runs it under
// dbus-run-session with an unlocked gnome-keyring-daemon; with RESETDESK_KEYRING_TESTS
// set and no session bus it checks the plain message instead.
func TestKeyringReal(t *testing.T) {
	if os.Getenv("RESETDESK_KEYRING_TESTS") == "" {
		t.Skip("set RESETDESK_KEYRING_TESTS=1 to test the real OS keyring (CI runs it under dbus-run-session with gnome-keyring-daemon)")
	}
	ctx := context.Background()
	k := &Keyring{Service: "resetdesk-test", Timeout: 10 * time.Second}
	if k.checkBus() != nil {
		start := time.Now()
		_, err := k.Get(ctx, "p")
		if !errors.Is(err, ErrNoSecretService) || !strings.Contains(err.Error(), `secret_store = "file"`) {
			t.Fatalf("no session bus: Get = %v, want the plain message", err)
		}
		if d := time.Since(start); d > k.Timeout {
			t.Fatalf("the message took %s, longer than the %s timeout", d, k.Timeout)
		}
		return
	}
	account := "test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	const secret = "kr-S3cret/value"
	if _, err := k.Get(ctx, account); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("Get before Set = %v, want ErrNoSecret", err)
	}
	if err := k.Set(ctx, account, secret); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, err := k.Get(ctx, account); err != nil || got != secret {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := k.Set(ctx, account, secret+"2"); err != nil {
		t.Fatalf("replacing Set: %v", err)
	}
	if got, _ := k.Get(ctx, account); got != secret+"2" {
		t.Fatalf("Get after replace = %q", got)
	}
	if err := k.Delete(ctx, account); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := k.Delete(ctx, account); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("second Delete = %v, want ErrNoSecret", err)
	}
}

// TestKeyringDeadBus points the real go-keyring at a bus address where nothing listens
// (a stale DBUS_SESSION_BUS_ADDRESS after the session ended). It runs in a child process
// because godbus keeps the first session bus it connects to for the whole process.
func TestKeyringDeadBus(t *testing.T) {
	if os.Getenv("RESETDESK_TEST_DEAD_BUS") != "" {
		k := &Keyring{Service: "resetdesk-test", Timeout: 5 * time.Second}
		_, err := k.Get(context.Background(), "p")
		if !errors.Is(err, ErrNoSecretService) || !strings.Contains(err.Error(), `secret_store = "file"`) {
			t.Fatalf("dead bus: Get = %v, want the plain message", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringDeadBus$", "-test.count=1")
	cmd.Env = append(os.Environ(), "RESETDESK_TEST_DEAD_BUS=1",
		"DBUS_SESSION_BUS_ADDRESS=unix:path="+t.TempDir()+"/no-bus")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
