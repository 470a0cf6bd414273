// Package report is the one documented record of an outcome: a line of
// `resetdesk run --format json`, a CSV row, and a record of the console's export.
package report

import (
	"strconv"

	"resetdesk/backends"
)

// Record is one outcome in the one documented output format: a line of
// `resetdesk run --format json`, a CSV row, and a record of the console's export.
type Record struct {
	User      string `json:"user"`
	Status    string `json:"status"`
	Secret    string `json:"secret"`
	Message   string `json:"message"`
	Profile   string `json:"profile"`
	Mode      string `json:"mode"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// New is o as reported for a run on profile in mode. message is the outcome's
// message as the caller wants it shown (sanitized for a terminal, say).
func New(o backends.Outcome, profile, mode, message string) Record {
	return Record{User: o.User, Status: string(o.Status), Secret: o.Secret, Message: message,
		Profile: profile, Mode: mode, ElapsedMS: o.Elapsed.Milliseconds()}
}

// CSVHeader is the header row of the CSV form.
var CSVHeader = []string{"user", "status", "secret", "message", "profile", "mode", "elapsed_ms"}

// CSV is the report as a CSV row under CSVHeader.
func (r Record) CSV() []string {
	return []string{r.User, r.Status, r.Secret, r.Message, r.Profile, r.Mode, strconv.FormatInt(r.ElapsedMS, 10)}
}
