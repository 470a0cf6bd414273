package serve

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	gossh "golang.org/x/crypto/ssh"

	"resetdesk/store"
)

// technicians maps each public key of the config to its technician: the key is the
// identity, the SSH user name is not.
type technicians struct {
	byKey map[string]string // gossh.PublicKey.Marshal() → technician name
	names []string
}

// parseTechnicians parses every technician's keys (authorized_keys lines). A key given
// to two technicians would make the identity ambiguous; a line with options (from=,
// command=, ...) or a certificate would promise a restriction resetdesk does not
// enforce: all three are refused.
func parseTechnicians(ts []store.Technician, configPath string) (*technicians, error) {
	t := &technicians{byKey: map[string]string{}}
	var errs []error
	for _, tech := range ts {
		t.names = append(t.names, tech.Name)
		for i, line := range tech.Keys {
			where := fmt.Sprintf("config %s: technician %s: key %d", configPath, tech.Name, i+1)
			key, err := parseKey(line)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
				continue
			}
			if other, dup := t.byKey[string(key.Marshal())]; dup {
				errs = append(errs, fmt.Errorf("%s (%s) is technician %s's too: a key names one technician", where, gossh.FingerprintSHA256(key), other))
				continue
			}
			t.byKey[string(key.Marshal())] = tech.Name
		}
	}
	sort.Strings(t.names)
	return t, errors.Join(errs...)
}

// parseKey parses one authorized_keys line holding one bare public key.
func parseKey(line string) (gossh.PublicKey, error) {
	key, _, options, rest, err := gossh.ParseAuthorizedKey([]byte(line))
	switch {
	case err != nil:
		return nil, errors.New("not a public key as in authorized_keys (\"ssh-ed25519 AAAA... comment\")")
	case len(options) > 0:
		return nil, fmt.Errorf("has the options %s, which resetdesk does not enforce: give the bare key", strings.Join(options, ","))
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, errors.New("holds more than one key: give each key its own string")
	}
	if _, cert := key.(*gossh.Certificate); cert {
		return nil, errors.New("is a certificate: give the technician's public key")
	}
	return key, nil
}

// lookup is the technician whose key k is.
func (t *technicians) lookup(k gossh.PublicKey) (string, bool) {
	if k == nil {
		return "", false
	}
	name, ok := t.byKey[string(k.Marshal())]
	return name, ok
}

// DemoTechnician is the technician `resetdesk serve --demo` lets in when the config has
// no [technicians]: the serving account itself, by the keys it owns (~/.ssh/*.pub) and
// the keys it authorizes (~/.ssh/authorized_keys, lines without options). So the
// account's own `ssh -p 2222 localhost` gets in, and nobody else's key does. The demo's
// back ends are simulated: nothing real is behind them.
func DemoTechnician(getenv func(string) string) (store.Technician, error) {
	t := store.Technician{Name: DemoTechnicianName}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	dir := filepath.Join(home, ".ssh")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pub"))
	files = append(files, filepath.Join(dir, "authorized_keys"))
	seen := map[string]bool{}
	for _, f := range files {
		for _, line := range keyLines(f) {
			key, err := parseKey(line)
			if err != nil || seen[string(key.Marshal())] {
				continue // the demo takes what it can use; a config's keys are checked strictly
			}
			seen[string(key.Marshal())] = true
			t.Keys = append(t.Keys, line)
		}
	}
	if len(t.Keys) == 0 {
		return t, fmt.Errorf("--demo with no [technicians] lets in this account's own SSH keys, and %s has none "+
			"(no *.pub, no authorized_keys): create one with `ssh-keygen -t ed25519`, or give technicians their keys in the config "+
			"([technicians.NAME] keys = [\"ssh-ed25519 AAAA...\"])", dir)
	}
	return t, nil
}

// DemoTechnicianName names the technician of DemoTechnician.
const DemoTechnicianName = "demo"

// maxKeyFile bounds a key file read for the demo: authorized_keys is a few kilobytes.
const maxKeyFile = 1 << 20

// keyLines are the non-blank, non-comment lines of a key file (none when it cannot be
// read).
func keyLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(f, maxKeyFile))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			lines = append(lines, line)
		}
	}
	return lines
}
