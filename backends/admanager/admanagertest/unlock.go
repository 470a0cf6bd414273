package admanagertest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// Messages of /RestAPI/UnlockUser.
const (
	MsgUnlocked  = "User account unlocked successfully."
	MsgNotLocked = "User account is not locked."
)

// unlockUser answers /RestAPI/UnlockUser as the contract gives it: inputFormat as in
// ResetPwd (base64 with isEncoded), no password; one element per account with its
// identity attributes, statusMessage and, unless the UnlockNoStatus quirk is on, a
// status "1"/"0". A successful unlock counts against the daily quota (the contract
// assumes so).
func (s *Server) unlockUser(w http.ResponseWriter, p map[string]string, drops func(http.ResponseWriter, string) bool, call string) {
	input := p["inputFormat"]
	if p["isEncoded"] == "true" {
		in, err := base64.StdEncoding.DecodeString(input)
		if err != nil {
			writeJSON(w, envelope{"SEVERE", "isEncoded is true but inputFormat is not base64.", CodeBadArgument})
			return
		}
		input = string(in)
	}
	var accounts []map[string]string
	if err := json.Unmarshal([]byte(input), &accounts); err != nil || len(accounts) == 0 {
		writeJSON(w, envelope{"SEVERE", "inputFormat must be a JSON array of account objects.", CodeBadArgument})
		return
	}
	s.mu.Lock()
	if s.quota > 0 && s.used >= s.quota && s.quotaForm == QuotaSeverity {
		s.mu.Unlock()
		writeJSON(w, envelope{"SEVERE", MsgQuota, CodeQuota})
		return
	}
	noStatus := s.Quirks().UnlockNoStatus
	out := make([]map[string]string, 0, len(accounts))
	for _, a := range accounts {
		res := s.unlockOneLocked(a)
		if noStatus {
			delete(res, "status")
		}
		out = append(out, res)
	}
	s.mu.Unlock()
	// The accounts are unlocked; the answer is lost.
	if drops(w, call) {
		return
	}
	writeJSON(w, out)
}

func (s *Server) unlockOneLocked(a map[string]string) map[string]string {
	u, res := s.accountLocked(a)
	if u == nil {
		return res
	}
	if s.quota > 0 && s.used >= s.quota {
		res["status"], res["statusMessage"] = "0", MsgQuota
		return res
	}
	res["status"], res["statusMessage"] = "1", MsgNotLocked
	if u.Locked {
		res["statusMessage"] = MsgUnlocked
	}
	u.Locked = false
	u.unlocks++
	s.used++
	return res
}

// Locked reports whether an account is locked out.
func (s *Server) Locked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		return u.Locked
	}
	return false
}

// Lock locks an account out (too many bad passwords).
func (s *Server) Lock(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		u.Locked = true
	}
}

// Unlocks is how many times an account was unlocked.
func (s *Server) Unlocks(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.user(id); u != nil {
		return u.unlocks
	}
	return 0
}
