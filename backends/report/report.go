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
	User string `json:"user"`
	// Name is the person the user id names, where the system gave a display name.
	Name      string `json:"name"`
	Status    string `json:"status"`
	Secret    string `json:"secret"`
	Message   string `json:"message"`
	Profile   string `json:"profile"`
	Mode      string `json:"mode"`
	ElapsedMS int64  `json:"elapsed_ms"`
	// Ticket is the run's ticket reference: why the reset was made.
	Ticket string `json:"ticket,omitempty"`
}

// Run is what every record of one run shares.
type Run struct {
	Profile, Mode, Ticket string
}

// New is o as reported for run. message is the outcome's message as the caller wants it
// shown (sanitized for a terminal, say).
func New(o backends.Outcome, run Run, message string) Record {
	return Record{User: o.User, Name: o.Name, Status: string(o.Status), Secret: o.Secret, Message: message,
		Profile: run.Profile, Mode: run.Mode, ElapsedMS: o.Elapsed.Milliseconds(), Ticket: run.Ticket}
}

// CSVHeader is the header row of the CSV form (the columns added later last: those
// before them are as they always were).
var CSVHeader = []string{"user", "status", "secret", "message", "profile", "mode", "elapsed_ms", "ticket", "name"}

// CSV is the report as a CSV row under CSVHeader.
func (r Record) CSV() []string {
	return []string{r.User, r.Status, r.Secret, r.Message, r.Profile, r.Mode, strconv.FormatInt(r.ElapsedMS, 10), r.Ticket, r.Name}
}
