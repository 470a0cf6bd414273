package backends

import "strconv"

// Report is one outcome in the one documented output format: a line of
// `resetdesk run --format json`, a CSV row, and a record of the console's export.
type Report struct {
	User      string `json:"user"`
	Status    string `json:"status"`
	Secret    string `json:"secret"`
	Message   string `json:"message"`
	Profile   string `json:"profile"`
	Mode      string `json:"mode"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// NewReport is o as reported for a run on profile in mode. message is the outcome's
// message as the caller wants it shown (sanitized for a terminal, say).
func NewReport(o Outcome, profile, mode, message string) Report {
	return Report{User: o.User, Status: string(o.Status), Secret: o.Secret, Message: message,
		Profile: profile, Mode: mode, ElapsedMS: o.Elapsed.Milliseconds()}
}

// ReportCSVHeader is the header row of the CSV form.
var ReportCSVHeader = []string{"user", "status", "secret", "message", "profile", "mode", "elapsed_ms"}

// CSV is the report as a CSV row under ReportCSVHeader.
func (r Report) CSV() []string {
	return []string{r.User, r.Status, r.Secret, r.Message, r.Profile, r.Mode, strconv.FormatInt(r.ElapsedMS, 10)}
}
