package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"resetdesk/store"
)

// newKey is a fresh ed25519 key pair: its signer and its authorized_keys line.
func newKey(t *testing.T, comment string) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(signer.PublicKey()))) + " " + comment
	return signer, line
}

// Each key names one technician; a key whose line promises what resetdesk does not
// enforce (options, a certificate), two keys in one string, or a key given to two
// technicians is refused, naming the technician and the key.
func TestParseTechnicians(t *testing.T) {
	alice, aliceLine := newKey(t, "alice@laptop")
	bob, bobLine := newKey(t, "bob@laptop")
	techs, err := parseTechnicians([]store.Technician{
		{Name: "bob", Keys: []string{bobLine}},
		{Name: "alice", Keys: []string{aliceLine}},
	}, "cfg.toml")
	if err != nil {
		t.Fatal(err)
	}
	for signer, want := range map[gossh.Signer]string{alice: "alice", bob: "bob"} {
		if got, ok := techs.lookup(signer.PublicKey()); !ok || got != want {
			t.Errorf("lookup = %q %v, want %q", got, ok, want)
		}
	}
	stranger, _ := newKey(t, "")
	if name, ok := techs.lookup(stranger.PublicKey()); ok {
		t.Errorf("an unknown key is technician %q", name)
	}
	if strings.Join(techs.names, ",") != "alice,bob" {
		t.Errorf("names %v", techs.names)
	}

	_, otherLine := newKey(t, "")
	bad := map[string]string{
		`from="10.0.0.1" ` + otherLine: "options from=",
		otherLine + "\n" + aliceLine:   "more than one key",
		"ssh-ed25519 not-base64":       "not a public key",
		aliceLine:                      "technician alice's too",
	}
	for line, want := range bad {
		_, err := parseTechnicians([]store.Technician{
			{Name: "alice", Keys: []string{aliceLine}},
			{Name: "carol", Keys: []string{bobLine, line}},
		}, "cfg.toml")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "config cfg.toml: technician carol: key 2") {
			t.Errorf("%q: error %v, want one naming carol's key 2 and %q", line, err, want)
		}
	}
}

func TestParseKeyRefusesCertificates(t *testing.T) {
	ca, _ := newKey(t, "")
	user, _ := newKey(t, "")
	cert := &gossh.Certificate{Key: user.PublicKey(), CertType: gossh.UserCert, ValidPrincipals: []string{"alice"}, ValidBefore: gossh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	if _, err := parseKey(string(gossh.MarshalAuthorizedKey(cert))); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a certificate: %v", err)
	}
}

// Under --demo with no technicians, the serving account's own keys get in: those it
// owns and those it authorizes without options; with none, the error says how to make one.
func TestDemoTechnician(t *testing.T) {
	home := t.TempDir()
	getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
	if _, err := DemoTechnician(getenv); err == nil || !strings.Contains(err.Error(), "ssh-keygen -t ed25519") {
		t.Fatalf("no keys: %v", err)
	}
	_, own := newKey(t, "me@here")
	_, authorized := newKey(t, "friend")
	_, restricted := newKey(t, "restricted")
	dir := filepath.Join(home, ".ssh")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("id_ed25519.pub", own+"\n")
	write("authorized_keys", "# a comment\n\n"+authorized+"\n"+`command="true" `+restricted+"\n"+own+"\n")
	tech, err := DemoTechnician(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if tech.Name != DemoTechnicianName || len(tech.Keys) != 2 || tech.Keys[0] != own || tech.Keys[1] != authorized {
		t.Fatalf("demo technician %+v: want the own key and the authorized one, once each", tech)
	}
}
