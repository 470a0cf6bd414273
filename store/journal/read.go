package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"

	"resetdesk/store"
)

// Read returns the runs in dir with entries at or after since, newest run first,
// including every file it could not read in full (Run.Problem says why). It only
// reads: a dir that does not exist (a host that never ran) is no runs and no error.
//
// A file that was not closed cleanly and was last written before the host's last boot
// may have lost marks of prepared secrets as sent (Writer.Intend does not wait for
// their sync): its prepared secrets are listed then, as possibly set
// (Run.HostRestarted). One written since the boot lost nothing: a killed process's
// writes are in the kernel's hands.
func Read(dir string, id age.Identity, since time.Time) ([]Run, error) {
	return readRuns(os.DirFS(dir), dir, id, since, lastBoot())
}

// Mismatched names the journal files in dir that id cannot open, reading only their
// first line (the header; a version 1 file's first entry): `run` warns with it before
// anything is sent when the journal key is not the one that wrote the journals.
// Files that are unreadable for another cause are left to Read to report.
func Mismatched(dir string, id age.Identity) ([]string, error) {
	return mismatched(os.DirFS(dir), dir, id)
}

// readRuns reads every file of fsys; boot is the host's last boot (zero when unknown:
// every file may have been written before it).
func readRuns(fsys fs.FS, dir string, id age.Identity, since, boot time.Time) ([]Run, error) {
	names, err := journalFiles(fsys, dir)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, name := range names {
		// One unreadable file must not hide the secrets in the others: report it and go on.
		r := readRun(fsys, dir, name, id, since, boot)
		if len(r.Entries) > 0 || r.NeverSent > 0 || r.Damaged > 0 || r.Err != nil {
			runs = append(runs, r)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Started.After(runs[j].Started) })
	return runs, nil
}

func mismatched(fsys fs.FS, dir string, id age.Identity) ([]string, error) {
	names, err := journalFiles(fsys, dir)
	if err != nil {
		return nil, err
	}
	var other []string
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			continue
		}
		lr := newLineReader(f)
		first, _, ok := lr.next()
		f.Close()
		if !ok {
			continue
		}
		switch {
		case headerVersion(first) != 0:
			_, _, err = openHeader(first, id)
		case bytes.HasPrefix(first, []byte(legacyMagic)):
			_, err = openLegacyLine(first, id)
		default:
			continue
		}
		if errors.Is(err, ErrOtherKey) {
			other = append(other, filepath.Join(dir, name))
		}
	}
	return other, nil
}

// journalFiles lists the *.journal files of the directory, sorted by name.
func journalFiles(fsys fs.FS, dir string) ([]string, error) {
	des, err := fs.ReadDir(fsys, ".")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list the journal directory %s: %w", dir, store.UnwrapPath(err))
	}
	var names []string
	for _, de := range des {
		if !de.IsDir() && strings.HasSuffix(de.Name(), fileExt) {
			names = append(names, de.Name())
		}
	}
	return names, nil
}

// readRun reads one file; whatever stops it is in Run.Err.
func readRun(fsys fs.FS, dir, name string, id age.Identity, since, boot time.Time) Run {
	r := Run{File: filepath.Join(dir, name), Started: startedFromName(name)}
	f, err := fsys.Open(name)
	if err != nil {
		r.Err = fmt.Errorf("cannot open journal %s: %w", r.File, store.UnwrapPath(err))
		return r
	}
	defer f.Close()
	lr := newLineReader(f)
	first, terminated, ok := lr.next()
	switch {
	case !ok:
		// Empty: a run killed before its first write holds nothing.
	case headerVersion(first) != 0:
		// A host that restarted since the file's last write (or may have: boot unknown)
		// may have lost what was not synced.
		restarted := true
		if fi, err := f.Stat(); err == nil && !boot.IsZero() {
			restarted = fi.ModTime().Before(boot)
		}
		r.readEntries(lr, first, terminated, id, since, restarted)
	case bytes.HasPrefix(first, []byte(legacyMagic)) || (!terminated && strings.HasPrefix(legacyMagic, string(first))):
		r.readLegacy(lr, first, id, since)
	default:
		r.Err = fmt.Errorf("journal %s: %w (it does not start with a journal header)", r.File, ErrNotJournal)
	}
	if lr.err != nil && r.Err == nil {
		r.Err = fmt.Errorf("cannot read journal %s to the end: %w", r.File, store.UnwrapPath(lr.err))
	}
	return r
}

// readEntries reads a version 2 file after its header line.
// restarted: the host may have restarted since the file's last write.
func (r *Run) readEntries(lr *lineReader, first []byte, terminated bool, id age.Identity, since time.Time, restarted bool) {
	h, fc, err := openHeader(first, id)
	if errors.Is(err, ErrOtherKey) {
		r.Err = fmt.Errorf("journal %s: %w than this one: its secrets can be read only with the key that wrote it", r.File, ErrOtherKey)
		return
	}
	if err != nil {
		lines := 0
		for line, _, ok := lr.next(); ok; line, _, ok = lr.next() {
			if len(line) > 0 {
				lines++
			}
		}
		if !terminated && lines == 0 {
			return // killed while Open wrote the header: Open never returned, nothing was journaled
		}
		r.Err = fmt.Errorf("journal %s: its header line is damaged, so none of its %d entry line(s) can be read", r.File, lines)
		return
	}
	r.Started, r.Profile, r.Mode, r.Technician = h.Opened, h.Profile, h.Mode, h.Technician
	op := entryOpener{c: fc}
	var k keeper
	closed := false
	for line, _, ok := lr.next(); ok; line, _, ok = lr.next() {
		if len(line) == 0 {
			continue
		}
		se, err := op.open(line)
		k.damagedLast = err != nil
		if err != nil {
			r.Damaged++
			continue
		}
		if se.Status == statusClosed {
			closed = true
			continue
		}
		k.keep(Entry{Time: se.Time, Profile: h.Profile, Mode: h.Mode, Index: se.Index, User: se.User, Status: se.Status, Secret: se.Secret}, since)
	}
	// Only version 3 lets a caller go before its entry is synced; a file it closed has
	// every entry on disk.
	r.settle(&k, restarted && !closed && headerVersion(first) == 3)
}

// readLegacy reads a version 1 file, whose every line (first included) is an entry.
func (r *Run) readLegacy(lr *lineReader, first []byte, id age.Identity, since time.Time) {
	var k keeper
	r.Started = time.Time{}
	for line, ok := first, true; ok; line, _, ok = lr.next() {
		if len(line) == 0 {
			continue
		}
		e, err := openLegacyLine(line, id)
		if errors.Is(err, ErrOtherKey) {
			r.Entries, r.Damaged, r.Started = nil, 0, startedFromName(filepath.Base(r.File))
			r.Err = fmt.Errorf("journal %s: %w than this one: its secrets can be read only with the key that wrote it", r.File, ErrOtherKey)
			return
		}
		k.damagedLast = err != nil
		if err != nil {
			r.Damaged++
			continue
		}
		if r.Started.IsZero() || e.Time.Before(r.Started) {
			r.Started = e.Time
		}
		r.Profile, r.Mode = e.Profile, e.Mode
		k.keep(e, since)
	}
	if r.Started.IsZero() {
		r.Started = startedFromName(filepath.Base(r.File))
	}
	r.settle(&k, false)
}

// keeper holds the last entry per user while a file is read.
type keeper struct {
	last        map[int]Entry
	damagedLast bool // the last non-empty line read could not be opened
}

func (k *keeper) keep(e Entry, since time.Time) {
	if k.last == nil {
		k.last = map[int]Entry{}
	}
	if e.Time.Before(since) {
		delete(k.last, e.Index)
		return
	}
	k.last[e.Index] = e // a later entry (the answer) supersedes the "sent" one
}

// settle puts the entries that still matter in input order, and counts the secrets
// prepared whose request never left. With unsyncedLost (the host restarted before the
// run closed its file) a prepared secret may have been sent, its mark lost: it is
// listed, and counted in HostRestarted.
func (r *Run) settle(k *keeper, unsyncedLost bool) {
	for _, e := range k.last {
		switch {
		case e.Status == StatusPrepared && unsyncedLost:
			r.Entries = append(r.Entries, e)
			r.HostRestarted++
		case e.Status == StatusPrepared:
			r.NeverSent++
		case e.Secret != "" || e.PasswordUnknown():
			r.Entries = append(r.Entries, e)
		}
	}
	sort.Slice(r.Entries, func(i, j int) bool { return r.Entries[i].Index < r.Entries[j].Index })
	r.CutOff = r.Damaged == 1 && k.damagedLast
}

// startedFromName is the time in a journal file's name (when it was opened), for a
// file whose content cannot say; zero for a name of another form.
func startedFromName(name string) time.Time {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return time.Time{}
	}
	t, err := time.Parse(nameTime, name[:i])
	if err != nil {
		return time.Time{}
	}
	return t
}

// lineReader hands out a file's lines without their newline (and surrounding space),
// saying whether each ended in one. A line longer than any entry is handed out as one
// that opens as nothing (it counts as damaged).
type lineReader struct {
	br  *bufio.Reader
	err error // a read error other than the end of the file
}

// maxLine is far above any entry (a few hundred bytes) or header.
const maxLine = 64 << 10

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine)}
}

func (lr *lineReader) next() (line []byte, terminated, ok bool) {
	line, err := lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.br.ReadSlice('\n')
		}
		line = []byte("!") // not base64: opens as nothing
	}
	switch {
	case err == nil:
		return bytes.TrimSpace(line), true, true
	case err != io.EOF:
		lr.err = err
		return nil, false, false
	case len(line) == 0:
		return nil, false, false
	}
	return bytes.TrimSpace(line), false, true
}

// Purge removes the journal files whose last entry was written before cutoff (a file's
// modification time is its last append). It returns how many it removed.
func Purge(dir string, cutoff time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+fileExt))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range files {
		fi, err := os.Stat(name)
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(name); err != nil {
			return n, fmt.Errorf("journal: cannot purge %s: %w", filepath.Base(name), err)
		}
		n++
	}
	return n, nil
}
