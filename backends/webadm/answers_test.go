package webadm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/runner"
)

// oddServer answers Get_User_DN and Server_Status properly and the changing call
// (method) with the raw JSON body that answer(id) returns, as a WebADM (or something in
// front of it) that went off script after doing its work would.
func oddServer(t *testing.T, method string, answer func(id json.RawMessage) string) backends.Backend {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Method string          `json:"method"`
			ID     json.RawMessage `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch req.Method {
		case method:
			fmt.Fprint(w, answer(req.ID))
		case "Get_User_DN":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","result":"CN=jdoe,DC=corp","id":%s}`, req.ID)
		default:
			fmt.Fprintf(w, `{"jsonrpc":"2.0","result":{"status":true,"version":"2.3"},"id":%s}`, req.ID)
		}
	}))
	t.Cleanup(srv.Close)
	p := backends.Profile{Name: "odd", Kind: "webadm", URL: srv.URL, Username: `CORP\admin`, Domain: "CORP"}
	return backendtest.Client(t, p, "pw")
}

// After a call that changes something came back HTTP 200, only a JSON-RPC error or a
// literal false says it was not done; any other odd answer leaves the outcome unknown
// (and the runner keeps the password it sent).
func TestOddAnswersToChangesAreUnknown(t *testing.T) {
	const pw = "Str0ng!Passw0rd#x"
	cases := []struct {
		name   string
		answer func(id json.RawMessage) string
		want   backends.ErrorKind
	}{
		{"result 1", func(id json.RawMessage) string { return fmt.Sprintf(`{"jsonrpc":"2.0","result":1,"id":%s}`, id) }, backends.Unanswered},
		{"result \"true\"", func(id json.RawMessage) string { return fmt.Sprintf(`{"jsonrpc":"2.0","result":"true","id":%s}`, id) }, backends.Unanswered},
		{"result null", func(id json.RawMessage) string { return fmt.Sprintf(`{"jsonrpc":"2.0","result":null,"id":%s}`, id) }, backends.Unanswered},
		{"no result", func(id json.RawMessage) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s}`, id) }, backends.Unanswered},
		{"other id", func(json.RawMessage) string { return `{"jsonrpc":"2.0","result":true,"id":987654}` }, backends.Unanswered},
		{"no jsonrpc", func(id json.RawMessage) string { return fmt.Sprintf(`{"result":true,"id":%s}`, id) }, backends.Unanswered},
		{"false", func(id json.RawMessage) string { return fmt.Sprintf(`{"jsonrpc":"2.0","result":false,"id":%s}`, id) }, backends.Refused},
		{"error object", func(id json.RawMessage) string {
			return fmt.Sprintf(`{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":"policy"},"id":%s}`, id)
		}, backends.Refused},
	}
	for _, c := range cases {
		t.Run("set "+c.name, func(t *testing.T) {
			b := oddServer(t, "Set_User_Password", c.answer)
			_, err := b.Reset(context.Background(), backends.Target{User: "jdoe", Mode: "set", Secret: pw})
			if k := kindOf(t, err); k != c.want {
				t.Fatalf("kind %v, want %v: %v", k, c.want, err)
			}
			if c.want == backends.Unanswered {
				wantContains(t, err.Error(), "password for jdoe", "may have been made")
			}
		})
		t.Run("link "+c.name, func(t *testing.T) {
			b := oddServer(t, "PwReset.Send_Request", c.answer)
			_, err := b.Reset(context.Background(), backends.Target{User: "jdoe", Mode: "link", Options: backends.Options{Method: "MAIL"}})
			// "true" is a string but no link: a link may have been mailed all the same.
			if k := kindOf(t, err); k != c.want {
				t.Fatalf("kind %v, want %v: %v", k, c.want, err)
			}
		})
	}

	// The runner keeps the password it sent for such an answer.
	b := oddServer(t, "Set_User_Password", func(id json.RawMessage) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","result":1,"id":%s}`, id)
	})
	out := runJob(t, b, runner.Spec{Mode: "set", Users: []string{"jdoe"}, Password: pw})
	if out[0].Status != backends.StatusUnknown || out[0].Secret != pw {
		t.Fatalf("%+v", out[0])
	}
}

// A lookup or status call that changes nothing keeps reading an odd answer as a refusal.
func TestOddAnswersToReadsAreRefused(t *testing.T) {
	b := oddServer(t, "Get_User_DN", func(json.RawMessage) string { return `{"jsonrpc":"2.0","result":"CN=x","id":987654}` })
	_, err := b.Reset(context.Background(), backends.Target{User: "jdoe", Mode: "set", Secret: "Str0ng!Passw0rd#x"})
	if k := kindOf(t, err); k != backends.Refused {
		t.Fatalf("kind %v: %v", k, err)
	}
}
