package all_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"resetdesk/backends"
	_ "resetdesk/backends/all"
)

// backends.Open builds every kind's client from the profile: it
// trusts the profile's ca_file and follows no redirect (http.DefaultClient would do
// neither), and refuses a ca_file it cannot read.
func TestEveryKindBuildsItsClientFromTheProfile(t *testing.T) {
	var moved atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/moved") {
			moved.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	kinds := backends.Kinds()
	if len(kinds) != 5 {
		t.Fatalf("%d kinds registered, want 5", len(kinds))
	}
	for _, k := range kinds {
		t.Run(k.Name, func(t *testing.T) {
			moved.Store(0)
			p := backends.Profile{Name: "t", Kind: k.Name, URL: srv.URL, CAFile: ca, Username: "admin",
				ServiceProvider: "sp", Group: "g", Domain: "corp", BaseDN: "DC=corp"}
			b, err := backends.Open(p, "secret")
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Check(context.Background())
			if err != nil && strings.Contains(err.Error(), "certificate") {
				t.Fatalf("the profile's ca_file was ignored: %v", err)
			}
			if n := moved.Load(); n != 0 {
				t.Fatalf("a redirect was followed %d times", n)
			}
			if _, err := b.Search(context.Background(), "kim", 5); errors.Is(err, backends.ErrNoSearch) != k.NoSearch {
				t.Fatalf("registered NoSearch=%v, but Search says %v", k.NoSearch, err)
			}
			p.CAFile = filepath.Join(t.TempDir(), "missing.pem")
			if _, err := backends.Open(p, "secret"); err == nil {
				t.Fatal("Open accepted a profile whose ca_file cannot be read")
			}
		})
	}
}
