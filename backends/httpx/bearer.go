package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"resetdesk/backends"
)

// Bearer sends JSON API calls authenticated with a bearer token, for clients whose
// server hands out a session token (Odin, EMM).
type Bearer struct {
	Base   string // the profile's base URL; paths are joined to it
	Client Client // the profile's request sender
	// Token returns the current token; "" sends no Authorization header.
	Token func() string
	// ErrorText is the server's own explanation in an error answer, for messages; nil
	// summarises the body (Snippet). Its text is redacted and cut by the caller.
	ErrorText func(*Response) string
	// ExpiredText is the message of a 401 answer to the call desc; nil gives
	// desc + ": session expired: " + ErrorText.
	ExpiredText func(r *Response, desc string) string
	// Login gets a new token; CallRelogin calls it once on an expired session.
	Login func(ctx context.Context) error
}

// Call sends one request (body, when not nil, as JSON) with the bearer token and
// returns the 2xx answer. A 401 is an Expired *backends.Error; other non-2xx answers are
// classified by StatusError with the server's text; transport errors are Do's. desc
// names the call for messages and holds no secret; secrets are what body carries (a new
// password), removed from every text of the answer.
func (b *Bearer) Call(ctx context.Context, method, path string, body any, desc string, secrets ...string) (*Response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequest(method, JoinURL(b.Base, path), bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", desc, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.Token != nil {
		if tok := b.Token(); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	resp, err := b.Client.Do(ctx, req, desc, secrets...)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		msg := desc + ": session expired: " + Text(resp, b.errorText(resp))
		if b.ExpiredText != nil {
			msg = Text(resp, b.ExpiredText(resp, desc))
		}
		return nil, &backends.Error{Kind: backends.Expired, Msg: msg}
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, StatusError(resp, desc, b.errorText(resp))
	}
	return resp, nil
}

// CallRelogin is Call with one new login on an expired session, for calls outside the
// runner (search, check, generation), which has its own re-login for resets.
func (b *Bearer) CallRelogin(ctx context.Context, method, path string, body any, desc string) (*Response, error) {
	resp, err := b.Call(ctx, method, path, body, desc)
	if backends.KindOf(err) == backends.Expired && b.Login != nil {
		if lerr := b.Login(ctx); lerr != nil {
			return nil, lerr
		}
		resp, err = b.Call(ctx, method, path, body, desc)
	}
	return resp, err
}

func (b *Bearer) errorText(r *Response) string {
	if b.ErrorText != nil {
		return b.ErrorText(r)
	}
	return Snippet(r)
}
