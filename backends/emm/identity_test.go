package emm_test

import (
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/backendtest"
	"resetdesk/backends/emm/emmtest"
	"resetdesk/backends/runner"
)

// Every id of a run is looked up in one listing: the person's name and mail, PRIMARY/kim
// as kim, a secondary store's kim as another account, an unknown name never sent.
func TestOneListingNamesEveryUser(t *testing.T) {
	srv := emmtest.New(40)
	defer srv.Close()
	srv.AddUser("kim", "Kim", "Lee")
	srv.AddUser("SECONDARY/kim", "Kim", "Other")
	b := newClient(t, srv, emmtest.Password)
	users := append(srv.Users()[:30], "kim", "PRIMARY/kim", "SECONDARY/kim", "Kim", "ghost")
	req, out := backendtest.Prepared(t, b, runner.Spec{Mode: "set", Users: users}, emmtest.Password)
	lists := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Path == "/mdm-admin/users" {
			lists++
		}
	}
	if lists != 1 {
		t.Fatalf("%d listings for %d ids, want 1", lists, len(users))
	}
	kim := 30
	if out[kim].Status != backends.StatusOK || out[kim].Name != "Kim Lee" || req.Account(kim).Detail != "kim@example.com" || srv.Password("kim") != out[kim].Secret {
		t.Fatalf("kim: %+v %+v", out[kim], req.Account(kim))
	}
	for _, i := range []int{kim + 1, kim + 3} {
		if out[i].Status != backends.StatusSkipped || out[i].Message != "same account as kim" {
			t.Errorf("%s: %+v", users[i], out[i])
		}
	}
	if o := out[kim+2]; o.Status != backends.StatusOK || o.Name != "Kim Other" || srv.Password("SECONDARY/kim") != o.Secret {
		t.Errorf("SECONDARY/kim: %+v", o)
	}
	backendtest.Expect(t, out[kim+4], backends.StatusFailed, []string{"not found in WSO2 EMM"}, nil)
	if out[0].Name == "" || out[0].Status != backends.StatusOK {
		t.Errorf("line 1: %+v", out[0])
	}
}
