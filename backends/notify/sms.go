package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/httpx"
)

// SMSConfig is the HTTP gateway text messages go through. Every company's SMS provider
// differs, so resetdesk speaks one small shape and leaves the provider to the gateway:
// POST URL with the JSON body {"to": "+33…", "text": "…"} and "Authorization: Bearer
// TOKEN"; any 2xx is accepted.
type SMSConfig struct {
	URL     string
	Token   string // the bearer secret (RESETDESK_SECRET_SMS); "" sends none
	Timeout time.Duration
	CAFile  string
}

// SMS sends text messages through the gateway.
type SMS struct {
	cfg    SMSConfig
	client httpx.Client
}

// smsBody is what the gateway receives.
type smsBody struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

// NewSMS checks cfg and builds a sender; nothing is sent. The gateway's URL follows the
// rules of a profile's (https, or http; no credentials or query in it), and its TLS
// client is a profile's: verification on, no redirect followed.
func NewSMS(cfg SMSConfig) (*SMS, error) {
	if err := backends.CheckBaseURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("sms_url: %v", err)
	}
	hc, err := backends.NewClient(backends.Profile{Name: "sms gateway", CAFile: cfg.CAFile})
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMS{cfg: cfg, client: httpx.Client{HTTP: hc, Timeout: cfg.Timeout}}, nil
}

// Send posts msg to the gateway; nil once it answered 2xx.
func (s *SMS) Send(ctx context.Context, msg Message) error {
	body, err := json.Marshal(smsBody{To: msg.To, Text: msg.Text})
	if err != nil {
		return fmt.Errorf("text message not sent: %v", err)
	}
	req, err := http.NewRequest(http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("text message not sent: sms_url is not a URL a request can go to")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.client.Do(ctx, req, "text message to "+Mask(msg.To))
	if err != nil {
		// httpx says whether it reached the gateway; whether the gateway passed it on, no
		// one can say: the code is not counted either way.
		return errors.New(cleanText(strings.TrimSuffix(err.Error(), "; the change may have been made"), msg, s.cfg.Token))
	}
	if resp.Status/100 != 2 {
		e := httpx.StatusError(resp, "SMS gateway refused the text message to "+Mask(msg.To), "")
		hint := ""
		if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
			hint = " (check RESETDESK_SECRET_SMS or the stored sms token)"
		}
		return errors.New(cleanText(e.Msg, msg, s.cfg.Token) + hint)
	}
	return nil
}
