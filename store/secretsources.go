package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Where a secret came from when not from a store (EnvSecrets.Find).
const (
	SourceEnv     = "env"     // RESETDESK_SECRET_<NAME>
	SourceFile    = "file"    // the file RESETDESK_SECRET_<NAME>_FILE names
	SourceCommand = "command" // the profile's secret_command
)

// SecretFileEnvName is the variable that names a file holding profile's secret:
// RESETDESK_SECRET_<NAME>_FILE (odin-lab -> RESETDESK_SECRET_ODIN_LAB_FILE).
func SecretFileEnvName(profile string) string { return SecretEnvName(profile) + "_FILE" }

// SecretCommandTimeout bounds a secret_command: a password manager that waits for a
// prompt nobody sees must not hang a run.
const SecretCommandTimeout = 30 * time.Second

// maxSecretSize bounds what is read of a secret file or a command's output.
const maxSecretSize = 64 << 10

// ReadSecretFile returns the first line of the file at path, which must be a regular
// file that only its owner may read (0600 or 0400): a secret others can read is refused,
// as ssh refuses such a key. Errors never hold the file's content.
func ReadSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", path, UnwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", path, UnwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s may be read by others (mode %04o): `chmod 600 %s`", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", path, UnwrapPath(err))
	}
	if len(data) > maxSecretSize {
		return "", fmt.Errorf("%s is larger than %d KiB: is it the secret?", path, maxSecretSize>>10)
	}
	line := secretLine(data)
	if line == "" {
		return "", fmt.Errorf("%s holds nothing on its first line", path)
	}
	return line, nil
}

// RunSecretCommand runs argv (no shell; stdin empty) and returns the first line of its
// output. Its error output is never shown: a failing password manager may print the
// secret there; the message says how to see it.
func RunSecretCommand(ctx context.Context, argv []string, timeout time.Duration) (string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", errors.New("secret_command is empty")
	}
	what := fmt.Sprintf("secret_command (%s)", argv[0])
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout = &limitWriter{w: &out, n: maxSecretSize}
	cmd.Stderr = io.Discard
	ownGroup(cmd)
	cmd.WaitDelay = time.Second // a child that escaped the group and keeps the pipe open does not hold us
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", fmt.Errorf("%s did not finish within %v (is it waiting for a prompt? it runs with no terminal input)", what, timeout)
	case errors.Is(err, exec.ErrNotFound):
		return "", fmt.Errorf("%s: no such program in PATH", what)
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("%s failed (%v); its error output is not shown, as it may hold the secret: run the command yourself to see it", what, ee.ProcessState)
		}
		return "", fmt.Errorf("%s: %v", what, UnwrapPath(err))
	}
	line := secretLine(out.Bytes())
	if line == "" {
		return "", fmt.Errorf("%s printed nothing on its first line", what)
	}
	return line, nil
}

// secretLine is data's first line without its line break; spaces are kept, as they may
// be part of the secret.
func secretLine(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return strings.TrimSuffix(string(data), "\r")
}

// limitWriter keeps the first n bytes and drops the rest (a command that prints without
// end must not fill the memory).
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	keep := min(len(p), l.n)
	if keep > 0 {
		if _, err := l.w.Write(p[:keep]); err != nil {
			return 0, err
		}
		l.n -= keep
	}
	return len(p), nil
}
