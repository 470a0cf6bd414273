package webadm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
	"resetdesk/sanitize"
)

// JSON-RPC error codes the Manager API uses (contracts/webadm.md).
const (
	codeBadCredentials = -32600 // sent with HTTP 200, not 401
	codeBadParams      = -32602
	codeBusiness       = -32603
	codeServer         = -32000
)

// ipHint is added to every credentials message: WebADM's manager_clients IP restriction
// refuses a caller exactly like a wrong password does.
const ipHint = "check the profile's username (DOMAIN\\administrator or an admin DN) and password, " +
	"and that this host's IP address is allowed to use the Manager API (manager_clients)"

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
	ID      int64  `json:"id"`
}

type rpcError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
	ID      json.RawMessage `json:"id"`
}

// text is the error's human text: WebADM puts it in data (a string, sometimes more).
func (e *rpcError) text() string {
	var s string
	if json.Unmarshal(e.Data, &s) != nil {
		s = string(e.Data)
	}
	if s == "" || s == "null" {
		s = e.Message
	}
	return clean(s)
}

// clean keeps a server's text on one short line with no terminal controls.
func clean(s string) string {
	s = sanitize.Line(s)
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return strings.TrimSpace(s)
}

// call sends one JSON-RPC request and decodes its result into out. desc names the call
// for messages ("link for jdoe") and holds no secret. Errors are *backends.Error:
// transport ones from httpx.Do; -32600, HTTP 401 and 403 as BadLogin (Login and Reset
// re-classify as they need); the rest Refused, Throttled or Unanswered as they read.
func (b *Backend) call(ctx context.Context, method string, params any, out any, desc string) error {
	id := b.nextID.Add(1)
	body, err := json.Marshal(rpcRequest{JSONRPC: "2.0", Method: method, Params: params, ID: id})
	if err != nil {
		return backends.NewError(backends.NotSent, fmt.Sprintf("%s not sent: cannot encode the request: %v", desc, err))
	}
	req, err := http.NewRequest(http.MethodPost, b.endpoint, bytes.NewReader(body))
	if err != nil {
		return backends.NewError(backends.NotSent, fmt.Sprintf("%s not sent: %v", desc, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(b.username, b.secret)
	resp, err := httpx.Do(ctx, b.client, req, desc)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		return backends.NewError(backends.BadLogin, fmt.Sprintf("%s: WebADM refused the API credentials (HTTP %d): %s", desc, resp.Status, ipHint))
	}
	var rr rpcResponse
	if resp.Status != http.StatusOK {
		detail := ""
		if json.Unmarshal(resp.Body, &rr) == nil && rr.Error != nil {
			detail = rr.Error.text()
		}
		return httpx.StatusError(resp, desc, detail)
	}
	if err := httpx.DecodeJSON(resp, &rr, desc); err != nil {
		// A JSON answer cut off means the server acted and the answer was lost; an HTML
		// page with 200 is a proxy or a login page that never reached WebADM.
		if httpx.IsJSON(resp.Body) {
			return backends.NewError(backends.Unanswered, err.Error()+"; the change may have been made")
		}
		return backends.NewError(backends.Refused, err.Error())
	}
	if rr.Error != nil {
		return rpcFailure(desc, rr.Error)
	}
	if rr.JSONRPC != "2.0" || len(rr.Result) == 0 {
		return backends.NewError(backends.Refused, fmt.Sprintf("%s: the answer is not a JSON-RPC 2.0 result (is the url the WebADM server?)", desc))
	}
	if string(rr.ID) != fmt.Sprint(id) {
		return backends.NewError(backends.Refused, fmt.Sprintf("%s: the answer belongs to another request (id %s, sent %d)", desc, clean(string(rr.ID)), id))
	}
	if out != nil {
		if err := json.Unmarshal(rr.Result, out); err != nil {
			return backends.NewError(backends.Refused, fmt.Sprintf("%s: unexpected result %s", desc, clean(string(rr.Result))))
		}
	}
	return nil
}

// rpcFailure maps a JSON-RPC error to a classified error with a message that says what
// to do.
func rpcFailure(desc string, e *rpcError) *backends.Error {
	text := e.text()
	switch e.Code {
	case codeBadCredentials:
		return backends.NewError(backends.BadLogin, fmt.Sprintf("%s: WebADM refused the API credentials (error -32600): %s", desc, ipHint))
	case codeBadParams:
		return backends.NewError(backends.Refused, fmt.Sprintf("%s: WebADM refused the parameters (error -32602): %s", desc, text))
	case codeBusiness:
		return backends.NewError(backends.Refused, fmt.Sprintf("%s: %s (error -32603)", desc, text))
	case codeServer:
		return backends.NewError(backends.Refused, fmt.Sprintf("%s: WebADM server error (error -32000): %s; see the WebADM server log", desc, text))
	}
	return backends.NewError(backends.Refused, fmt.Sprintf("%s: WebADM error %d: %s", desc, e.Code, text))
}
