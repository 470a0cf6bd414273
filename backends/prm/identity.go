package prm

import (
	"resetdesk/backends"
	"resetdesk/backends/adname"
)

// Identity reads an id as the service takes it (Jon.One, mydomain\Jon.One,
// Jon.One@mydomain.com, LDAP://CN=Jon.One,…): the service has no lookup, so the login
// each form carries stands for the account, compared case-insensitively as Active
// Directory does; the id is sent as written.
func Identity(id string) backends.Identity { return adname.Identity(id, false) }
