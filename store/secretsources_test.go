package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const fileSecret = "s3cret with a space "

func writeSecretFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// The first line is the secret, spaces and all; a file others may read is refused, and
// no error holds the file's content.
func TestReadSecretFile(t *testing.T) {
	for _, content := range []string{fileSecret + "\nsecond line\n", fileSecret + "\r\n", fileSecret} {
		for _, mode := range []os.FileMode{0o600, 0o400} {
			if got, err := ReadSecretFile(writeSecretFile(t, content, mode)); err != nil || got != fileSecret {
				t.Errorf("%q %o: %q, %v", content, mode, got, err)
			}
		}
	}
	cases := map[string]string{
		writeSecretFile(t, fileSecret, 0o644):      "may be read by others (mode 0644): `chmod 600",
		writeSecretFile(t, fileSecret, 0o640):      "(mode 0640)",
		writeSecretFile(t, "\n"+fileSecret, 0o600): "holds nothing on its first line",
		t.TempDir():                        "is not a regular file",
		filepath.Join(t.TempDir(), "none"): "no such file",
	}
	for path, want := range cases {
		_, err := ReadSecretFile(path)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: err = %v, want %q", path, err, want)
		}
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret-helper")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// A command runs without a shell, gives the first line of its output, and its failures
// say what failed without its error output, which may hold the secret.
func TestRunSecretCommand(t *testing.T) {
	ctx := context.Background()
	got, err := RunSecretCommand(ctx, []string{script(t, `printf '%s\n' "$1" second`), "$(id);x"}, time.Minute)
	if err != nil || got != "$(id);x" {
		t.Fatalf("argument passed as it is, first line: %q, %v", got, err)
	}
	cases := map[string][]string{
		"failed (exit status 3); its error output is not shown": {script(t, `echo "leaked-secret" >&2; echo leaked-secret; exit 3`)},
		"printed nothing on its first line":                     {script(t, `echo; echo later`)},
		"no such program in PATH":                               {"resetdesk-no-such-program"},
		"secret_command is empty":                               {},
	}
	for want, argv := range cases {
		_, err := RunSecretCommand(ctx, argv, time.Minute)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "leaked") {
			t.Errorf("%v: err = %v, want %q", argv, err, want)
		}
	}
}

type mapStore map[string]string

func (m mapStore) Name() string { return "test store" }
func (m mapStore) Get(_ context.Context, p string) (string, error) {
	if v, ok := m[p]; ok {
		return v, nil
	}
	return "", ErrNoSecret
}
func (m mapStore) Set(context.Context, string, string) error { return nil }
func (m mapStore) Delete(context.Context, string) error      { return nil }

// The chain's order: the variable, the file it names, the command, the store; the
// variable and the file together are refused as ambiguous.
func TestSecretChainOrder(t *testing.T) {
	file := writeSecretFile(t, "from-file\n", 0o600)
	cmd := []string{script(t, "echo from-command")}
	chain := func(env map[string]string, command []string) EnvSecrets {
		return EnvSecrets{Next: mapStore{"lab": "from-store"},
			Lookup:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Command: func(string) []string { return command }}
	}
	cases := []struct {
		env                   map[string]string
		command               []string
		secret, from, outside string
	}{
		{map[string]string{"RESETDESK_SECRET_LAB": "from-env"}, cmd, "from-env", SourceEnv, SourceEnv},
		{map[string]string{"RESETDESK_SECRET_LAB_FILE": file}, cmd, "from-file", SourceFile, SourceFile},
		{nil, cmd, "from-command", SourceCommand, SourceCommand},
		{nil, nil, "from-store", "test store", ""},
	}
	for _, c := range cases {
		ch := chain(c.env, c.command)
		got, from, err := ch.Find(context.Background(), "lab")
		if err != nil || got != c.secret || from != c.from || ch.Outside("lab") != c.outside {
			t.Errorf("%v %v: %q from %q, %v (outside %q)", c.env, c.command, got, from, err, ch.Outside("lab"))
		}
	}
	_, err := chain(map[string]string{"RESETDESK_SECRET_LAB": "a", "RESETDESK_SECRET_LAB_FILE": file}, nil).Get(context.Background(), "lab")
	if err == nil || !strings.Contains(err.Error(), "both RESETDESK_SECRET_LAB and RESETDESK_SECRET_LAB_FILE are set") {
		t.Fatalf("both: %v", err)
	}
	_, err = chain(map[string]string{"RESETDESK_SECRET_LAB_FILE": writeSecretFile(t, "x\n", 0o644)}, nil).Get(context.Background(), "lab")
	if err == nil || !strings.Contains(err.Error(), "profile lab: RESETDESK_SECRET_LAB_FILE: ") || errors.Is(err, ErrNoSecret) {
		t.Fatalf("open file: %v", err)
	}
}
