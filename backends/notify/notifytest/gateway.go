// Package notifytest holds what the delivery tests run against: a fake SMS gateway
// (httptest) speaking the one shape resetdesk sends, and a real SMTP server, mailpit,
// started on loopback ports with a database of its own and read over its HTTP API.
package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Token is the bearer the fake gateway accepts unless told otherwise.
const Token = "sms-gateway-token-4f1d"

// SMS is one text message the gateway took.
type SMS struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// Gateway is a running fake SMS gateway: POST / with {"to","text"} and the bearer
// token answers 202 {"status":"queued"}; a wrong token 401; a body that is not that
// JSON 400. Fail makes it answer a status of the test's choice.
type Gateway struct {
	*httptest.Server
	mu     sync.Mutex
	token  string
	sent   []SMS
	status int // 0: accept
	body   string
}

// NewGateway starts a gateway accepting token.
func NewGateway(token string) *Gateway {
	g := &Gateway{token: token}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	return g
}

// Fail makes every later request answer status with body (0 accepts again).
func (g *Gateway) Fail(status int, body string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.status, g.body = status, body
}

// Sent lists the messages taken, oldest first.
func (g *Gateway) Sent() []SMS {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]SMS(nil), g.sent...)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Method != http.MethodPost {
		http.Error(w, `{"error":"POST only"}`, http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
		return
	}
	if g.status != 0 {
		http.Error(w, g.body, g.status)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var m SMS
	if err != nil || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(data, &m) != nil || m.To == "" || m.Text == "" {
		http.Error(w, `{"error":"want a JSON body {\"to\",\"text\"}"}`, http.StatusBadRequest)
		return
	}
	g.sent = append(g.sent, m)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"queued"}`))
}
