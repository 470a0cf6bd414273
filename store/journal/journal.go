// Package journal keeps every new secret resetdesk sets in an encrypted, append-only
// file that is synced to disk before the secret is shown, so that a dropped SSH session
// or a killed process loses no password (`resetdesk recover` reads it back).
//
// One file per run under $XDG_STATE_HOME/resetdesk/journal/ (0600 files, 0700 dir); each
// line is one entry, encrypted on its own with age to an X25519 recipient and base64
// encoded, so an append needs only the public key and a line torn by a crash damages
// only itself. The identity (private key) lives in the secret store under KeyAccount.
package journal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/store"
)

// KeyAccount is the secret-store account (profile slot) holding the journal's identity.
const KeyAccount = store.JournalKeyAccount

const fileExt = ".journal"

// Dir is the journal directory: $XDG_STATE_HOME/resetdesk/journal.
func Dir(getenv func(string) string) (string, error) {
	d, err := store.StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "journal"), nil
}

// LoadKey returns the journal identity from secrets. With create, a missing key is
// generated and stored (the first run); without, ErrNoKey is returned (recover on a
// machine that never ran).
func LoadKey(ctx context.Context, secrets store.SecretStore, create bool) (*age.X25519Identity, error) {
	s, err := secrets.Get(ctx, KeyAccount)
	if err == nil {
		id, perr := age.ParseX25519Identity(strings.TrimSpace(s))
		if perr != nil {
			return nil, fmt.Errorf("the journal key in the %s is not an age X25519 identity", secrets.Name())
		}
		return id, nil
	}
	if !errors.Is(err, store.ErrNoSecret) || !create {
		if errors.Is(err, store.ErrNoSecret) {
			return nil, ErrNoKey
		}
		return nil, fmt.Errorf("journal key: %w", err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	if err := secrets.Set(ctx, KeyAccount, id.String()); err != nil {
		return nil, fmt.Errorf("cannot store a new journal key in the %s: %w", secrets.Name(), err)
	}
	return id, nil
}

// ErrNoKey: no journal key exists yet, so nothing was ever journaled here.
var ErrNoKey = errors.New("no journal key yet: nothing has been journaled")

// Entry is one journaled secret.
type Entry struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	Index   int       `json:"index"` // position in the run's user list
	User    string    `json:"user"`
	Status  string    `json:"status"` // ok, unknown, failed, or StatusSent
	Secret  string    `json:"secret"`
}

// StatusSent marks a secret journaled before its request went out (Writer.Intend) with
// no answer recorded after it: the system may have set it.
const StatusSent = "sent"

// Writer appends one run's entries to its own file.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	rcp     age.Recipient
	profile string
	mode    string
	now     func() time.Time
	sent    map[int]bool // indexes journaled by Intend and not yet settled
}

// Open creates the journal file of a new run in dir.
func Open(dir string, rcp age.Recipient, profile, mode string) (*Writer, error) {
	if err := store.PrivateDir(dir); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	now := time.Now()
	name := fmt.Sprintf("%s-%d%s", now.UTC().Format("20060102T150405.000000000Z"), os.Getpid(), fileExt)
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: cannot create a file in %s: %w", dir, err)
	}
	// The file must survive a crash even if the first entry comes right away.
	if err := store.SyncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: cannot sync %s: %w", dir, err)
	}
	return &Writer{f: f, rcp: rcp, profile: profile, mode: mode, now: time.Now, sent: map[int]bool{}}, nil
}

// Intend journals a secret about to be sent (Job.Intend), synced before returning. A
// request without a secret made ahead (the system makes it) journals nothing here.
func (w *Writer) Intend(o backends.Outcome) error {
	if o.Secret == "" {
		return nil
	}
	o.Status = StatusSent
	if err := w.append(o); err != nil {
		return fmt.Errorf("the journal could not keep the new secret: %w", err)
	}
	w.mu.Lock()
	w.sent[o.Index] = true
	w.mu.Unlock()
	return nil
}

// Record journals a final outcome (Job.Record), synced before returning: one that
// carries a secret is kept; one without a secret drops the secret journaled ahead for
// that user (a refused request set nothing). An outcome with no secret either way
// leaves no entry.
func (w *Writer) Record(o backends.Outcome) error {
	w.mu.Lock()
	pending := w.sent[o.Index]
	w.mu.Unlock()
	if o.Secret == "" && !pending {
		return nil
	}
	if err := w.append(o); err != nil {
		return err
	}
	w.mu.Lock()
	delete(w.sent, o.Index)
	w.mu.Unlock()
	return nil
}

func (w *Writer) append(o backends.Outcome) error {
	e := Entry{Time: w.now().UTC(), Profile: w.profile, Mode: w.mode, Index: o.Index, User: o.User, Status: string(o.Status), Secret: o.Secret}
	plain, err := json.Marshal(e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc, err := age.Encrypt(&buf, w.rcp)
	if err != nil {
		return err
	}
	if _, err := enc.Write(plain); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	line := base64.StdEncoding.AppendEncode(nil, buf.Bytes())
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return errors.New("journal is closed")
	}
	// One write per line (O_APPEND) and a sync per entry: the entry is on disk before
	// the runner hands the outcome to anyone who could show it.
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("journal write: %w", err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("journal sync: %w", err)
	}
	return nil
}

// Close closes the run's file. A run with no secrets leaves no file behind.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	fi, statErr := f.Stat()
	err := f.Close()
	if statErr == nil && fi.Size() == 0 {
		_ = os.Remove(f.Name())
	}
	return err
}

// Run is one run's journal file, read back.
type Run struct {
	File    string
	Started time.Time // of the first entry
	Profile string
	Mode    string
	// Entries holds the last entry per user that still carries a secret (ok, unknown
	// or StatusSent), in the run's input order.
	Entries []Entry
	Damaged int   // lines that could not be read (a write torn by a crash)
	Err     error // the whole file could not be read (another key, permissions)
}

// Read returns the runs in dir with entries at or after since, newest run first.
func Read(dir string, id age.Identity, since time.Time) ([]Run, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+fileExt))
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, name := range files {
		// One unreadable file must not hide the secrets in the others: report it and go on.
		r, err := readFile(name, id, since)
		if err != nil {
			r.Err = err
		}
		if len(r.Entries) > 0 || r.Damaged > 0 || r.Err != nil {
			runs = append(runs, r)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Started.After(runs[j].Started) })
	return runs, nil
}

func readFile(name string, id age.Identity, since time.Time) (Run, error) {
	r := Run{File: name}
	f, err := os.Open(name)
	if err != nil {
		return r, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	last := map[int]Entry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := decodeLine(line, id)
		if errors.Is(err, errWrongKey) {
			return r, fmt.Errorf("journal %s was written with another key than the one in the secret store", filepath.Base(name))
		}
		if err != nil {
			r.Damaged++
			continue
		}
		if r.Started.IsZero() || e.Time.Before(r.Started) {
			r.Started = e.Time
		}
		r.Profile, r.Mode = e.Profile, e.Mode
		if e.Time.Before(since) {
			delete(last, e.Index)
			continue
		}
		last[e.Index] = e // a later entry (the answer) supersedes the "sent" one
	}
	if err := sc.Err(); err != nil {
		return r, fmt.Errorf("journal %s: %w", filepath.Base(name), err)
	}
	for _, e := range last {
		if e.Secret != "" {
			r.Entries = append(r.Entries, e)
		}
	}
	sort.Slice(r.Entries, func(i, j int) bool { return r.Entries[i].Index < r.Entries[j].Index })
	return r, nil
}

var errWrongKey = errors.New("wrong key")

func decodeLine(line []byte, id age.Identity) (Entry, error) {
	var e Entry
	raw, err := base64.StdEncoding.AppendDecode(nil, line)
	if err != nil {
		return e, err
	}
	dec, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return e, errWrongKey
		}
		return e, err
	}
	plain, err := io.ReadAll(dec)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(plain, &e)
	return e, err
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
