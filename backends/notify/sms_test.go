package notify

import (
	"context"
	"net"
	"strings"
	"testing"

	"resetdesk/backends/notify/notifytest"
)

func TestSMSPostsToAndTextWithTheBearer(t *testing.T) {
	gw := notifytest.NewGateway(notifytest.Token)
	defer gw.Close()
	s, err := NewSMS(SMSConfig{URL: gw.URL + "/send", Token: notifytest.Token})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), codeMessage("+33612345603")); err != nil {
		t.Fatal(err)
	}
	sent := gw.Sent()
	if len(sent) != 1 || sent[0].To != "+33612345603" || !strings.Contains(sent[0].Text, testCode) {
		t.Fatalf("sent %+v", sent)
	}
}

func TestSMSGatewayRefusalsAreClearAndKeepSecretsOut(t *testing.T) {
	gw := notifytest.NewGateway(notifytest.Token)
	defer gw.Close()
	s, err := NewSMS(SMSConfig{URL: gw.URL, Token: "wrong-token-77aa"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), codeMessage("+33612345603"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "RESETDESK_SECRET_SMS") ||
		strings.Contains(err.Error(), "612345603") {
		t.Fatalf("bad token: %v", err)
	}
	// A gateway that echoes the request (token and code) in its error shows neither.
	s, _ = NewSMS(SMSConfig{URL: gw.URL, Token: notifytest.Token})
	gw.Fail(500, `{"error":"cannot deliver","request":{"to":"+33612345603","text":"code `+testCode+`"},"auth":"Bearer `+notifytest.Token+`"}`)
	err = s.Send(context.Background(), codeMessage("+33612345603"))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("500: %v", err)
	}
	for _, secret := range []string{testCode, notifytest.Token, "+33612345603"} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("%q in %v", secret, err)
		}
	}
	if len(gw.Sent()) != 0 {
		t.Fatal("a refused message was recorded as sent")
	}
}

func TestSMSGatewayDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/send"
	l.Close()
	s, err := NewSMS(SMSConfig{URL: url, Token: notifytest.Token})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), codeMessage("+33612345603"))
	if err == nil || !strings.Contains(err.Error(), "not sent") || strings.Contains(err.Error(), "may have been made") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewSMSRefusesABadURL(t *testing.T) {
	for _, u := range []string{"", "sms.corp/send", "https://u:p@sms.corp/send", "https://sms.corp/send?token=x"} {
		if _, err := NewSMS(SMSConfig{URL: u}); err == nil || !strings.HasPrefix(err.Error(), "sms_url: ") {
			t.Errorf("%q: err = %v", u, err)
		}
	}
}
