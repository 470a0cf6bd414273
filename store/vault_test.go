package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// testWorkFactor keeps scrypt cheap in tests; the file format is the same.
const testWorkFactor = 10

func testVault(t *testing.T, path, pass string) (*Vault, *atomic.Int32) {
	t.Helper()
	var asked atomic.Int32
	return &Vault{Path: path, WorkFactor: testWorkFactor, Passphrase: func(bool) (string, error) {
		asked.Add(1)
		return pass, nil
	}}, &asked
}

func TestVaultRoundTripAndModes(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data", "resetdesk")
	path := filepath.Join(dir, VaultFileName)
	v, asked := testVault(t, path, "correct horse")

	if _, err := v.Get(ctx, "odin-lab"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("Get on a missing vault = %v, want ErrNoSecret", err)
	}
	if asked.Load() != 0 {
		t.Fatal("a missing vault must not ask for a passphrase")
	}
	const secret = "s3cret-Value!"
	if err := v.Set(ctx, "odin-lab", secret); err != nil {
		t.Fatal(err)
	}
	if err := v.Set(ctx, "adm", "token-2"); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get(ctx, "odin-lab"); err != nil || got != secret {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if n := asked.Load(); n != 1 {
		t.Fatalf("passphrase asked %d times, want once per process", n)
	}

	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("vault mode = %o, want 600", fi.Mode().Perm())
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Errorf("vault dir mode = %o, want 700", di.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), secret) || strings.Contains(string(raw), "odin-lab") {
		t.Fatal("the vault file holds plaintext")
	}
	if !strings.HasPrefix(string(raw), "age-encryption.org/v1") {
		t.Fatal("the vault is not an age file")
	}

	// A second process (a fresh Vault) opens it with the passphrase.
	v2, _ := testVault(t, path, "correct horse")
	if names, err := v2.Profiles(ctx); err != nil || strings.Join(names, ",") != "adm,odin-lab" {
		t.Fatalf("Profiles = %v, %v", names, err)
	}
	if err := v2.Delete(ctx, "adm"); err != nil {
		t.Fatal(err)
	}
	if err := v2.Delete(ctx, "adm"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("second Delete = %v, want ErrNoSecret", err)
	}
	// v cached the old content; the rename by v2 must invalidate it.
	if _, err := v.Get(ctx, "adm"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("Get after another writer's delete = %v, want ErrNoSecret", err)
	}
}

func TestVaultWrongPassphrase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), VaultFileName)
	v, _ := testVault(t, path, "right one")
	if err := v.Set(ctx, "p", "secret-value"); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)

	bad, _ := testVault(t, path, "wrong one")
	_, err := bad.Get(ctx, "p")
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Get with a wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
	if !strings.Contains(err.Error(), "wrong passphrase for the encrypted secrets file "+path) {
		t.Errorf("message not clear: %q", err)
	}
	if strings.Contains(err.Error(), "wrong one") || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("error leaks a secret: %q", err)
	}
	if err := bad.Set(ctx, "q", "x"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("Set with a wrong passphrase = %v, want ErrWrongPassphrase", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a refused write changed the vault")
	}
}

func TestVaultRefusesReadableFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), VaultFileName)
	v, _ := testVault(t, path, "pw")
	if err := v.Set(ctx, "p", "x"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Get(ctx, "p"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Get on a 0644 vault = %v, want a chmod hint", err)
	}
}

func TestVaultNoPassphraseSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), VaultFileName)
	v := &Vault{Path: path, WorkFactor: testWorkFactor}
	err := v.Set(context.Background(), "p", "x")
	if err == nil || !strings.Contains(err.Error(), VaultPassphraseEnv) {
		t.Fatalf("Set without a passphrase source = %v, want a hint at %s", err, VaultPassphraseEnv)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a vault was written without a passphrase")
	}
}

// TestVaultConcurrentProcesses runs two processes that each add profiles to the same
// vault at once; every write of both must survive and the file must stay readable.
func TestVaultConcurrentProcesses(t *testing.T) {
	if os.Getenv("RESETDESK_TEST_VAULT_WRITER") != "" {
		return // the helper is TestVaultWriterHelper
	}
	path := filepath.Join(t.TempDir(), VaultFileName)
	const perProc = 15
	var cmds []*exec.Cmd
	for p := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestVaultWriterHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			"RESETDESK_TEST_VAULT_WRITER="+path,
			"RESETDESK_TEST_VAULT_PREFIX=proc"+strconv.Itoa(p),
			"RESETDESK_TEST_VAULT_N="+strconv.Itoa(perProc))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("writer process: %v", err)
		}
	}
	v, _ := testVault(t, path, "shared")
	for p := range 2 {
		for i := range perProc {
			name := fmt.Sprintf("proc%d-%d", p, i)
			if got, err := v.Get(context.Background(), name); err != nil || got != "secret-"+name {
				t.Fatalf("%s = %q, %v: a concurrent write was lost", name, got, err)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+VaultFileName+".tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}

func TestVaultWriterHelper(t *testing.T) {
	path := os.Getenv("RESETDESK_TEST_VAULT_WRITER")
	if path == "" {
		t.Skip("helper process for TestVaultConcurrentProcesses")
	}
	prefix := os.Getenv("RESETDESK_TEST_VAULT_PREFIX")
	n, _ := strconv.Atoi(os.Getenv("RESETDESK_TEST_VAULT_N"))
	v, _ := testVault(t, path, "shared")
	for i := range n {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if err := v.Set(context.Background(), name, "secret-"+name); err != nil {
			t.Fatal(err)
		}
	}
}
