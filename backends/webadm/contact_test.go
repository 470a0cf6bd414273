package webadm_test

import (
	"context"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/fakeusers"
)

func TestContactReadsMailAndMobileWithGetUserAttrs(t *testing.T) {
	s, b := setup(t, 5)
	p := fakeusers.People(5)[2]
	cf := b.(backends.ContactFinder)
	c, err := cf.Contact(context.Background(), p.Login)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail != p.Login+"@corp.example.com" || c.Mobile != p.Mobile || c.Name != p.First+" "+p.Last || c.Phone != "" {
		t.Fatalf("contact %+v", c)
	}
	var methods []string
	for _, r := range s.Requests() {
		methods = append(methods, r.RPCMethod)
	}
	if len(methods) != 2 || methods[0] != "Get_User_DN" || methods[1] != "Get_User_Attrs" {
		t.Fatalf("calls %v", methods)
	}
	attrs := s.Requests()[1]
	if got := param[[]string](t, attrs, "attrs"); len(got) != 3 || got[1] != "mail" || got[2] != "mobile" {
		t.Fatalf("attrs %v", got)
	}
	// What the entry does not hold is not on file.
	s.RemoveMobile(p.Login)
	s.RemoveMail(p.Login)
	if c, err = cf.Contact(context.Background(), p.Login); err != nil || c.Mail != "" || c.Mobile != "" {
		t.Fatalf("after removal: %+v, %v", c, err)
	}
}

func TestContactOfAnUnknownLoginIsRefused(t *testing.T) {
	_, b := setup(t, 5)
	_, err := b.(backends.ContactFinder).Contact(context.Background(), "nobody")
	if err == nil || backends.KindOf(err) != backends.Refused {
		t.Fatalf("err = %v", err)
	}
	wantContains(t, err.Error(), "User not found")
	noSecret(t, err.Error())
}
