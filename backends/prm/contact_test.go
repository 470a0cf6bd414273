package prm_test

import (
	"context"
	"errors"
	"testing"

	"resetdesk/backends"
	"resetdesk/backends/prm/prmtest"
)

// PRM has no lookup: a verification names a directory profile instead, and nothing is
// asked of the service.
func TestContactIsNotOfferedAndAsksNothing(t *testing.T) {
	srv := prmtest.New(3)
	defer srv.Close()
	b := newClient(t, srv, prmtest.Token, false)
	_, err := b.(backends.ContactFinder).Contact(context.Background(), "jon.one")
	if !errors.Is(err, backends.ErrNoContact) {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}
