package webadm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
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

// text is the error's human text as a message shows it (httpx.Text): WebADM puts it in
// data (a string, sometimes more).
func (e *rpcError) text(r *httpx.Response) string {
	var s string
	if json.Unmarshal(e.Data, &s) != nil {
		s = string(e.Data)
	}
	if s == "" || s == "null" {
		s = e.Message
	}
	return httpx.Text(r, s)
}

// mayBeDone ends the message of an error after which a change may be in effect.
const mayBeDone = "; the change may have been made"

// call sends one JSON-RPC request that changes nothing and decodes its result into out.
// desc names the call for messages ("looking up jdoe") and holds no secret. Errors are
// *backends.Error: transport ones from httpx.Do; -32600, HTTP 401 and 403 as BadLogin
// (Login and Reset re-classify as they need); the rest Refused, Throttled or Unanswered
// as they read. An answer that is not this request's JSON-RPC result is Refused: nothing
// was changed, so nothing is lost by calling it a failure.
func (b *Backend) call(ctx context.Context, method string, params any, out any, desc string) error {
	raw, err := b.send(ctx, method, params, desc, false)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return backends.NewError(backends.Refused, fmt.Sprintf("%s: unexpected result %s", desc, b.client.Text(string(raw))))
		}
	}
	return nil
}

// change sends one JSON-RPC request that changes something (sets a password, makes and
// mails a link) and returns its raw result. Once the server has answered HTTP 200, only
// a JSON-RPC error object is a refusal here (a literal false is the caller's to read):
// any other answer — cut off, an HTML page, not JSON-RPC 2.0, for another id or without
// a result — is Unanswered, since the server may have done the work. secrets are what
// params carry (a new password).
func (b *Backend) change(ctx context.Context, method string, params any, desc string, secrets ...string) (json.RawMessage, error) {
	return b.send(ctx, method, params, desc, true, secrets...)
}

func (b *Backend) send(ctx context.Context, method string, params any, desc string, changes bool, secrets ...string) (json.RawMessage, error) {
	id := b.nextID.Add(1)
	body, err := json.Marshal(rpcRequest{JSONRPC: "2.0", Method: method, Params: params, ID: id})
	if err != nil {
		return nil, backends.NewError(backends.NotSent, fmt.Sprintf("%s not sent: cannot encode the request: %v", desc, err))
	}
	req, err := http.NewRequest(http.MethodPost, b.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, backends.NewError(backends.NotSent, fmt.Sprintf("%s not sent: %v", desc, err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(b.username, b.secret)
	resp, err := b.client.Do(ctx, req, desc, secrets...)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		return nil, backends.NewError(backends.BadLogin, fmt.Sprintf("%s: WebADM refused the API credentials (HTTP %d): %s", desc, resp.Status, ipHint))
	}
	if resp.Status == http.StatusNotFound {
		return nil, httpx.StatusError(resp, desc, httpx.Snippet(resp)+": "+b.notFound)
	}
	var rr rpcResponse
	if resp.Status != http.StatusOK {
		detail := ""
		if json.Unmarshal(resp.Body, &rr) == nil && rr.Error != nil {
			detail = rr.Error.text(resp)
		}
		return nil, httpx.StatusError(resp, desc, detail)
	}
	// What reads as "not done" for a call that changes nothing reads as "unknown" for one
	// that does.
	odd := backends.Refused
	suffix := ""
	if changes {
		odd, suffix = backends.Unanswered, mayBeDone
	}
	if err := httpx.DecodeJSON(resp, &rr, desc); err != nil {
		// A JSON answer cut off means the server acted and the answer was lost. An HTML
		// page with 200 may be a proxy's or a login page that never reached WebADM — or
		// WebADM's own page after it acted: for a change, nobody can tell.
		if httpx.IsJSON(resp.Body) {
			return nil, backends.NewError(backends.Unanswered, err.Error()+mayBeDone)
		}
		return nil, backends.NewError(odd, err.Error()+suffix)
	}
	if rr.Error != nil {
		return nil, rpcFailure(desc, rr.Error, resp)
	}
	if rr.JSONRPC != "2.0" || len(rr.Result) == 0 {
		return nil, backends.NewError(odd, fmt.Sprintf("%s: the answer is not a JSON-RPC 2.0 result (is the url the WebADM server?)%s", desc, suffix))
	}
	if string(rr.ID) != fmt.Sprint(id) {
		return nil, backends.NewError(odd, fmt.Sprintf("%s: the answer belongs to another request (id %s, sent %d)%s", desc, httpx.Text(resp, string(rr.ID)), id, suffix))
	}
	return rr.Result, nil
}

// rpcFailure maps a JSON-RPC error to a classified error with a message that says what
// to do.
func rpcFailure(desc string, e *rpcError, r *httpx.Response) *backends.Error {
	text := e.text(r)
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
