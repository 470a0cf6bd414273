package ui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// exportRecord has the fields of `resetdesk run --format json`.
type exportRecord struct {
	User      string `json:"user"`
	Status    string `json:"status"`
	Secret    string `json:"secret"`
	Message   string `json:"message"`
	Profile   string `json:"profile"`
	Mode      string `json:"mode"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

func exportCmd(path, profile, mode string, outcomes []backends.Outcome) tea.Cmd {
	return func() tea.Msg {
		err := exportFile(path, profile, mode, outcomes)
		return exportedMsg{path: sanitize.Line(path), err: err}
	}
}

// exportFile writes the results as CSV, or JSON when the name ends in .json, in a new
// file of mode 0600: it holds secrets, and an existing file is never overwritten.
func exportFile(path, profile, mode string, outcomes []backends.Outcome) error {
	if path == "" {
		return errors.New("no file named: type a path ending in .csv or .json")
	}
	recs := make([]exportRecord, 0, len(outcomes))
	for _, o := range outcomes {
		recs = append(recs, exportRecord{User: o.User, Status: string(o.Status), Secret: o.Secret, Message: o.Message,
			Profile: profile, Mode: mode, ElapsedMS: o.Elapsed.Milliseconds()})
	}
	var buf bytes.Buffer
	if strings.EqualFold(filepath.Ext(path), ".json") {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(recs); err != nil {
			return err
		}
	} else {
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"user", "status", "secret", "message", "profile", "mode", "elapsed_ms"})
		for _, r := range recs {
			_ = w.Write([]string{r.User, r.Status, r.Secret, r.Message, r.Profile, r.Mode, fmt.Sprint(r.ElapsedMS)})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	}
	shown := sanitize.Line(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s exists already: choose another name", shown)
	case err != nil:
		return fmt.Errorf("cannot create %s: %v", shown, errors.Unwrap(err))
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %v", shown, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %v", shown, err)
	}
	return nil
}
