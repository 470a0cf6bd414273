package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"resetdesk/backends"
	"resetdesk/backends/report"
	"resetdesk/sanitize"
)

// outcomeWriter prints final outcomes as JSON lines, CSV or an aligned table. write
// returns the first error of the stream (a closed pipe), after which it writes nothing.
type outcomeWriter struct {
	format string
	run    report.Run
	w      io.Writer
	csv    *csv.Writer
	tab    *tabwriter.Writer
	enc    *json.Encoder
	names  bool // the table has a NAME column
	err    error
}

// names: some user of the run has a display name, so the table shows a NAME column (the
// JSON and CSV records always carry the name).
func newOutcomeWriter(w io.Writer, format string, run report.Run, names bool) *outcomeWriter {
	ow := &outcomeWriter{format: format, run: run, w: w, names: names}
	switch format {
	case "csv":
		ow.csv = csv.NewWriter(w)
		ow.err = ow.csv.Write(report.CSVHeader)
	case "table":
		ow.tab = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		head := "USER\tSTATUS\tSECRET\tMESSAGE\tELAPSED"
		if names {
			head = "USER\tNAME\tSTATUS\tSECRET\tMESSAGE\tELAPSED"
		}
		_, ow.err = fmt.Fprintln(ow.tab, head)
	default:
		ow.enc = json.NewEncoder(w)
		ow.enc.SetEscapeHTML(false)
	}
	return ow
}

func (ow *outcomeWriter) write(o backends.Outcome) error {
	if ow.err != nil {
		return ow.err
	}
	msg := sanitize.Line(o.Message)
	o.Name = sanitize.Line(o.Name) // from the server, like the message
	switch ow.format {
	case "csv":
		rec := report.New(o, ow.run, msg)
		rec.Secret = sanitize.Secret(o.Secret) // a CSV is read on terminals too
		if ow.err = ow.csv.Write(rec.CSV()); ow.err == nil {
			ow.csv.Flush()
			ow.err = ow.csv.Error()
		}
	case "table":
		user := sanitize.Line(o.User)
		if ow.names {
			user += "\t" + o.Name
		}
		_, ow.err = fmt.Fprintf(ow.tab, "%s\t%s\t%s\t%s\t%s\n", user, o.Status, sanitize.Secret(o.Secret), msg, o.Elapsed.Round(time.Millisecond))
	default:
		ow.err = ow.enc.Encode(report.New(o, ow.run, msg))
	}
	return ow.err
}

func (ow *outcomeWriter) flush() {
	if ow.err != nil {
		return
	}
	if ow.tab != nil {
		ow.err = ow.tab.Flush()
	}
	if ow.csv != nil {
		ow.csv.Flush()
	}
}

// outputFile is --output: the results in a file of their own, 0600, created new (never
// over an existing file), written as they arrive and synced at the end.
type outputFile struct {
	f *os.File
	w *outcomeWriter
}

// outputFormats are the extensions --output takes and the format each is written in.
var outputFormats = map[string]string{".csv": "csv", ".json": "json", ".jsonl": "json"}

// checkOutputName refuses an --output that is a format's name (`-o json`, kubectl's
// habit, would write live secrets to a file named json) or whose extension is not one
// resetdesk writes (`-o out.yaml` got JSON). "" is no --output.
func checkOutputName(path string) error {
	if path == "" {
		return nil
	}
	switch base := strings.ToLower(filepath.Base(path)); base {
	case "json", "jsonl", "csv", "table", "yaml", "yml", "wide", "text", "txt":
		return fmt.Errorf("--output %s: --output names the file the results (with their secrets) are written to; to choose how they are printed use --format json, csv or table (or name a file: -o results.csv)", path)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if _, ok := outputFormats[ext]; !ok {
		if ext == "" {
			return fmt.Errorf("--output %s: give the file an extension that says its format: .csv, .json or .jsonl", path)
		}
		return fmt.Errorf("--output %s: resetdesk does not write %s: name the file .csv, .json or .jsonl", path, ext)
	}
	return nil
}

// The file's format is its extension's (checkOutputName allowed it).
func createOutput(path string, run report.Run) (*outputFile, error) {
	format := outputFormats[strings.ToLower(filepath.Ext(path))]
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists: resetdesk never overwrites results; choose another name", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %v", path, err)
	}
	return &outputFile{f: f, w: newOutcomeWriter(f, format, run, true)}, nil
}

func (o *outputFile) write(oc backends.Outcome) { _ = o.w.write(oc) }

func (o *outputFile) close() error {
	o.w.flush()
	err := o.w.err
	if serr := o.f.Sync(); err == nil {
		err = serr
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// discard removes the file of a run that never started.
func (o *outputFile) discard() {
	o.f.Close()
	_ = os.Remove(filepath.Clean(o.f.Name()))
}
