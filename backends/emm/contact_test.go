package emm_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/fakeusers"
)

func TestContactReadsTheMailOfTheUserRecord(t *testing.T) {
	srv := emmtest.New(5)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	p := fakeusers.People(5)[1]
	c, err := b.(backends.ContactFinder).Contact(context.Background(), p.Login)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail != p.Login+"@example.com" || c.Name != p.First+" "+p.Last || c.Mobile != "" || c.Phone != "" {
		t.Fatalf("contact %+v", c)
	}
	views := requestsTo(srv, http.MethodGet, "/mdm-admin/users/view")
	if len(views) != 2 || views[1].Query != "username="+p.Login || !strings.HasPrefix(views[1].Auth, "Bearer ") {
		t.Fatalf("views %+v (the first without a token, then a login, then again)", views)
	}
}

func TestContactOfAnUnknownUserIsRefused(t *testing.T) {
	srv := emmtest.New(5)
	defer srv.Close()
	b := newClient(t, srv, emmtest.Password)
	_, err := b.(backends.ContactFinder).Contact(context.Background(), "PRIMARY/nobody")
	if err == nil || backends.KindOf(err) != backends.Refused || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}
