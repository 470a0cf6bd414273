package prmtest

import "strings"

// AddUser adds a user whose common name is cn: the contract's example, Jon.One with
// the DN CN=Jon.One,CN=Users,…, is AddUser("Jon.One", "Jon.One").
func (s *Server) AddUser(login, cn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(&User{Login: login, CN: cn})
}

// addLocked files u under every id form the service takes (any case); s.mu is held or
// the server not started.
func (s *Server) addLocked(u *User) {
	s.users = append(s.users, u)
	for _, k := range []string{u.Login, NetBIOS + `\` + u.Login, u.Login + "@" + Domain, "LDAP://" + u.DN()} {
		s.byKey[strings.ToLower(k)] = u
	}
}
