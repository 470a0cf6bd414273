package admanager_test

import (
	"context"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/admanager/admanagertest"
	"resetdesk/backends/fakeusers"
)

func TestContactReadsMailAndMobileThroughSearchUserSelect(t *testing.T) {
	s, b := setup(t, 10)
	people := fakeusers.People(10)
	cf := b.(backends.ContactFinder)
	c, err := cf.Contact(context.Background(), people[0].Login)
	if err != nil {
		t.Fatal(err)
	}
	want := backends.Contact{User: people[0].Login, Name: people[0].First + " " + people[0].Last,
		Mail: people[0].Login + "@" + admanagertest.Domain, Mobile: people[0].Mobile}
	if c != want {
		t.Fatalf("contact %+v, want %+v", c, want)
	}
	r := s.Calls(admanagertest.PathSearchUser)[0]
	if r.Params["filter"] != "(sAMAccountName:equal:"+people[0].Login+")" || r.Params["select"] != "sAMAccountName,userPrincipalName,displayName,mail,mobile" {
		t.Fatalf("params %v", r.Params)
	}
	if r.Params["AuthToken"] != admanagertest.Token || r.Params["domainName"] != admanagertest.Domain {
		t.Fatalf("auth params %v", r.Params)
	}
	// A UPN is filtered as one; a mobile shown as <not set> is not on file.
	c, err = cf.Contact(context.Background(), people[4].Login+"@"+admanagertest.Domain)
	if err != nil || c.Mobile != "" || c.Mail == "" {
		t.Fatalf("<not set> mobile: %+v, %v", c, err)
	}
	if r := s.Calls(admanagertest.PathSearchUser)[1]; r.Params["filter"] != "(userPrincipalName:equal:"+people[4].Login+"@"+admanagertest.Domain+")" {
		t.Fatalf("UPN filter %v", r.Params["filter"])
	}
}

func TestContactOfAnUnknownAccountIsRefused(t *testing.T) {
	_, b := setup(t, 10)
	// "asmit" is a prefix of a seeded login (asmith): only an exact row may answer for it.
	_, err := b.(backends.ContactFinder).Contact(context.Background(), "asmit")
	if err == nil || backends.KindOf(err) != backends.Refused {
		t.Fatalf("err = %v", err)
	}
	wantContains(t, err.Error(), "asmit", "no such account")
	noSecret(t, err.Error())
}
