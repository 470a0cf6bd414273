// Package userlist reads the users of a run: a pasted list, a TXT file (one id per
// line) or a CSV export (the first column, a header row skipped); and checks every id by
// the rules all systems share and by the system's own (backends.UserValidator) before
// anything is sent.
package userlist

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"resetdesk/backends"
	"resetdesk/sanitize"
)

// MaxListSize bounds a list: a hundred thousand ids fit in a few megabytes, and a path
// like /dev/zero must be refused, not read until memory runs out.
const MaxListSize = 16 << 20

// MaxUserIDLen bounds a user id; no system here takes longer ones.
const MaxUserIDLen = 512

// CheckUserID applies the rules every system shares: not empty, valid UTF-8, no control
// or invisible format characters, no leading or trailing space, not absurdly long.
func CheckUserID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty user id")
	case !utf8.ValidString(id):
		return fmt.Errorf("user id %q is not valid UTF-8", id)
	case len(id) > MaxUserIDLen:
		return fmt.Errorf("user id is longer than %d bytes", MaxUserIDLen)
	case strings.TrimSpace(id) != id:
		return fmt.Errorf("user id %q has leading or trailing spaces", id)
	}
	// A bidi override or a zero-width space is as bad as a control: the id would be sent
	// as it is while a screen shows (or a table strips it to) another user's name.
	if r, ok := sanitize.Unseen(id); ok {
		return fmt.Errorf("user id %q holds %s", id, sanitize.Describe(r))
	}
	return nil
}

// BadUser is one id refused by Parse or Validate, with its line.
type BadUser struct {
	Line int // 1-based; 0 when the id did not come from a list
	ID   string
	Err  error
}

func (b BadUser) String() string {
	if b.Line > 0 {
		return fmt.Sprintf("line %d: %v", b.Line, b.Err)
	}
	return b.Err.Error()
}

// headerNames are first cells that mark a CSV header row rather than a user.
var headerNames = map[string]bool{
	"user": true, "users": true, "username": true, "userid": true, "user_id": true, "login": true,
	"id": true, "samaccountname": true, "userprincipalname": true, "upn": true, "email": true, "mail": true,
	"account": true, "name": true,
}

// Parse reads a pasted list, a TXT file (one id per line) or a CSV file (the first
// column; a header row is skipped; a quoted field may span lines). It strips a UTF-8 BOM
// and CRLF, drops blank lines, '#' comments and duplicates (keeping the first), and
// returns the refused ids with their line numbers. Input order is kept.
func Parse(r io.Reader) (users []string, bad []BadUser, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxListSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxListSize {
		return nil, nil, fmt.Errorf("the list is larger than %d MiB: is it a list of user ids? (split a larger one into several runs)", MaxListSize>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	// A lone CR ends a line too: old Mac exports, and tmux's paste-buffer -p.
	data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("the list is not UTF-8 text (is it a spreadsheet? save it as CSV)")
	}
	sep, isCSV := csvSeparator(data)
	var rows []row
	if isCSV {
		rows = csvRows(data, sep)
	} else if rows, err = textRows(data); err != nil {
		return nil, nil, err
	}
	first := true // the first data row may be a header
	seen := map[string]bool{}
	for _, rw := range rows {
		id := strings.TrimSpace(rw.id)
		if rw.err == nil && id == "" {
			continue
		}
		header := first && isCSV && rw.err == nil && headerNames[strings.ToLower(id)]
		first = false
		if header {
			continue
		}
		if rw.err == nil {
			rw.err = CheckUserID(id)
			rw.id = id
		}
		switch {
		case rw.err != nil:
			bad = append(bad, BadUser{Line: rw.line, ID: rw.id, Err: rw.err})
		case !seen[id]:
			seen[id] = true
			users = append(users, id)
		}
	}
	return users, bad, nil
}

// row is one entry of a list: the id it gives (a CSV row's first cell) and its line.
type row struct {
	line int
	id   string
	err  error // a row that is not CSV
}

// textRows are the lines of a plain list, without '#' comments.
func textRows(data []byte) ([]row, error) {
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		if text := sc.Text(); !strings.HasPrefix(strings.TrimSpace(text), "#") {
			rows = append(rows, row{line: line, id: text})
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d is longer than 1 MiB: this is not a list of user ids", line+1)
		}
		return nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return rows, nil
}

// csvRows reads a CSV export as a whole, so that a quoted field holding line breaks (an
// address, a note) is one row; each row's line is the line its first cell starts on.
func csvRows(data []byte, sep rune) []row {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma, cr.Comment, cr.FieldsPerRecord = sep, '#', -1
	lines := strings.Split(string(data), "\n")
	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			text := ""
			if pe.StartLine >= 1 && pe.StartLine <= len(lines) {
				text = lines[pe.StartLine-1]
			}
			e := fmt.Errorf("not a CSV row: %v at column %d", pe.Err, pe.Column)
			if pe.Line != pe.StartLine {
				e = fmt.Errorf("not a CSV row: %v (a quote opened on line %d is still open at line %d)", pe.Err, pe.StartLine, pe.Line)
			}
			rows = append(rows, row{line: pe.StartLine, id: text, err: e})
			if pe.Err == csv.ErrQuote && pe.Line != pe.StartLine {
				return rows // an unclosed quote ate the rest of the file
			}
			continue
		}
		if err != nil || len(rec) == 0 {
			return rows
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, row{line: line, id: rec[0]})
	}
}

// csvSeparator tells a CSV export from a plain list by its first data line: a comma, a
// semicolon (Excel in many locales) or a tab, none of which a user id holds.
func csvSeparator(data []byte) (rune, bool) {
	for _, l := range bytes.Split(data, []byte("\n")) {
		l = bytes.Trim(l, " \r")
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		for _, sep := range []rune{'\t', ';', ','} {
			if bytes.ContainsRune(l, sep) {
				return sep, true
			}
		}
		return 0, false
	}
	return 0, false
}

// Validate checks every id with CheckUserID and, when b implements
// backends.UserValidator, with the system's own rules. b may be nil.
func Validate(b backends.Backend, users []string) []BadUser {
	var bad []BadUser
	v, _ := b.(backends.UserValidator)
	for _, u := range users {
		err := CheckUserID(u)
		if err == nil && v != nil {
			err = v.ValidateUser(u)
		}
		if err != nil {
			bad = append(bad, BadUser{ID: u, Err: err})
		}
	}
	return bad
}

// Refusal is the error for a list with bad ids: how many, and the first n of them with
// their lines. Ids come from a file or a paste: the caller sanitizes before drawing.
func Refusal(bad []BadUser, n int) error {
	if len(bad) == 0 {
		return nil
	}
	lines := make([]string, 0, n+1)
	for i, b := range bad {
		if i == n {
			lines = append(lines, fmt.Sprintf("and %d more", len(bad)-n))
			break
		}
		lines = append(lines, b.String())
	}
	return fmt.Errorf("%d invalid user id(s), nothing sent: %s", len(bad), strings.Join(lines, "; "))
}
