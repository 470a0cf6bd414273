package odin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
)

func TestContactReadsMailAndLineOfTheUser(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	c, err := b.(backends.ContactFinder).Contact(context.Background(), "9871515001@odinapi.net")
	if err != nil {
		t.Fatal(err)
	}
	if c.Phone != "9871515001" || c.Mail == "" || c.Mobile != "" || c.CallbackNumber() != "9871515001" || c.Name == "" {
		t.Fatalf("contact %+v", c)
	}
	gets := requestsTo(srv, http.MethodGet, "/users")
	if len(gets) == 0 || gets[len(gets)-1].Query != "userId=9871515001%40odinapi.net" {
		t.Fatalf("lookups %+v", gets)
	}
}

func TestContactOfAnUnknownUserIsRefused(t *testing.T) {
	srv := odintest.New(5)
	defer srv.Close()
	b := newClient(t, srv, odintest.Password)
	_, err := b.(backends.ContactFinder).Contact(context.Background(), "ghost@odinapi.net")
	if err == nil || backends.KindOf(err) != backends.Refused || !strings.Contains(err.Error(), "User not found") {
		t.Fatalf("err = %v", err)
	}
}
