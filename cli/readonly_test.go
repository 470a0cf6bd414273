package cli

import (
	"io/fs"
	"path/filepath"
	"testing"

	"resetdesk/backends/odin/odintest"
)

// Commands that only read create and delete nothing: no state directory, no history
// database, no vault lock, no journal purge.
func TestReadOnlyCommandsChangeNothing(t *testing.T) {
	srv := odintest.New(2)
	defer srv.Close()
	cfg := writeConfig(t, srv) // secret_store = "file"
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	for _, args := range [][]string{
		{"profiles", "--config", cfg},
		{"profiles", "--config", cfg, "-f", "json"},
		{"history", "--config", cfg},
		{"history", "--config", cfg, "--user", "jdoe"},
		{"recover", "--config", cfg},
		{"creds", "status", "--config", cfg},
		{"version"},
		{"help", "environment"},
	} {
		runCLI(t, "", env, args...)
		var found []string
		filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
			if path != home {
				found = append(found, path)
			}
			return nil
		})
		if len(found) > 0 {
			t.Fatalf("%v created %v", args, found)
		}
	}
}
