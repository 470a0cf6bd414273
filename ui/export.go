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
	"resetdesk/backends/report"
)

// exportCmd writes the export off the UI goroutine; the message names the file by its
// absolute path, so that the technician knows where it went.
func exportCmd(path, profile, mode, ticket string, outcomes []backends.Outcome) tea.Cmd {
	return func() tea.Msg {
		err := exportFile(path, profile, mode, ticket, outcomes)
		if abs, aerr := filepath.Abs(path); aerr == nil && path != "" {
			path = abs
		}
		return exportedMsg{path: clean(path), err: cleanErr(err)}
	}
}

// exportFile writes the results as CSV, or JSON when the name ends in .json, in a new
// file of mode 0600: it holds secrets, and an existing file is never overwritten.
func exportFile(path, profile, mode, ticket string, outcomes []backends.Outcome) error {
	switch {
	case path == "":
		return errors.New("no file named: type a path ending in .csv or .json")
	case strings.HasSuffix(path, "?"):
		// A ? typed for the help: never a file name (F1 shows the help in a field).
		return fmt.Errorf("%s ends in ?: nothing written; a ? typed in a field is text (f1 shows the help): type the name again", clean(path))
	}
	recs := make([]report.Record, 0, len(outcomes))
	for _, o := range outcomes {
		recs = append(recs, report.New(o, report.Run{Profile: profile, Mode: mode, Ticket: ticket}, o.Message))
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
		_ = w.Write(report.CSVHeader)
		for _, r := range recs {
			_ = w.Write(r.CSV())
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	}
	shown := clean(path)
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
