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
	"unicode"
	"unicode/utf8"

	"resetdesk/backends"
)

// MaxListSize bounds a list: a hundred thousand ids fit in a few megabytes, and a path
// like /dev/zero must be refused, not read until memory runs out.
const MaxListSize = 16 << 20

// MaxUserIDLen bounds a user id; no system here takes longer ones.
const MaxUserIDLen = 512

// CheckUserID applies the rules every system shares: not empty, valid UTF-8, no control
// characters, no leading or trailing space, not absurdly long.
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
	for _, r := range id {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("user id %q contains a control character", id)
		}
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
// column; a header row is skipped). It strips a UTF-8 BOM and CRLF, drops blank lines,
// '#' comments and duplicates (keeping the first), and returns the refused ids with
// their line numbers. Input order is kept.
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
	first := true // the first data row may be a header
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		id := text
		if isCSV {
			cr := csv.NewReader(strings.NewReader(text))
			cr.Comma = sep
			rec, err := cr.Read()
			if err != nil && err != io.EOF {
				// csv counts lines of the one row it was given: say the column, not its line 1.
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					err = fmt.Errorf("%v at column %d", pe.Err, pe.Column)
				}
				bad = append(bad, BadUser{Line: line, ID: text, Err: fmt.Errorf("not a CSV row: %v", err)})
				continue
			}
			if len(rec) == 0 {
				continue
			}
			id = rec[0]
		}
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		header := first && isCSV && headerNames[strings.ToLower(id)]
		first = false
		if header {
			continue
		}
		if err := CheckUserID(id); err != nil {
			bad = append(bad, BadUser{Line: line, ID: id, Err: err})
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		users = append(users, id)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("line %d is longer than 1 MiB: this is not a list of user ids", line+1)
		}
		return nil, nil, fmt.Errorf("line %d: %v", line+1, err)
	}
	return users, bad, nil
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
