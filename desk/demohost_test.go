package desk_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"resetdesk/desk"
	"resetdesk/store"
)

// A serving demo host reads the config for its [serve] and [technicians] (the demo's
// profiles replace the config's); with no technicians there it lets in the one the
// front end names; the other demo commands never read the config, so a broken profile
// breaks none of them.
func TestServingDemoReadsServeAndTechniciansOfTheConfig(t *testing.T) {
	dir := t.TempDir()
	env := func(string) string { return "" }
	write := func(text string) string {
		p := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withTechs := write("[serve]\nmax_sessions = 7\n[technicians.alice]\nkeys = [\"ssh-ed25519 AAAA alice\"]\n")
	h, err := desk.NewHost(desk.Options{ConfigPath: withTechs, Demo: true, Serving: true, Getenv: env,
		DemoTechnician: func() (store.Technician, error) {
			t.Fatal("asked for a demo technician though the config names one")
			return store.Technician{}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := h.Config()
	if cfg.Serve.MaxSessions != 7 || len(cfg.Technicians) != 1 || cfg.Technicians[0].Name != "alice" || cfg.Path != withTechs {
		t.Fatalf("serving demo config: serve %+v, technicians %+v, path %q", cfg.Serve, cfg.Technicians, cfg.Path)
	}
	if len(cfg.Profiles) == 0 || !h.Demo() {
		t.Fatalf("the demo's profiles are not the host's: %d", len(cfg.Profiles))
	}
	if _, err := h.Desk("alice"); err != nil {
		t.Fatal(err)
	}
	h.Close()

	none := write("[serve]\nmax_sessions = 3\n")
	h, err = desk.NewHost(desk.Options{ConfigPath: none, Demo: true, Serving: true, Getenv: env,
		DemoTechnician: func() (store.Technician, error) { return store.Technician{Name: "demo", Keys: []string{"k"}}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if ts := h.Config().Technicians; len(ts) != 1 || ts[0].Name != "demo" {
		t.Fatalf("no technicians in the config: %+v", ts)
	}
	h.Close()

	broken := write("[profiles.x]\nkind = \"nosuchkind\"\n")
	if _, err := desk.NewHost(desk.Options{ConfigPath: broken, Demo: true, Serving: true, Getenv: env}); err == nil || !strings.Contains(err.Error(), "nosuchkind") {
		t.Fatalf("a serving demo on a broken config: %v", err)
	}
	h, err = desk.NewHost(desk.Options{ConfigPath: broken, Demo: true, Getenv: env})
	if err != nil {
		t.Fatalf("a demo that serves nothing read the broken config: %v", err)
	}
	h.Close()
}
