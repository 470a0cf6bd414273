// Package journal keeps every new secret resetdesk sets in an encrypted, append-only
// file that is on disk before the secret is sent or shown, so that a dropped SSH
// session, a killed process or a full disk loses no password (`resetdesk recover`
// reads it back).
//
// # Files
//
// One file per run, <UTC time>-<pid>.journal under $XDG_STATE_HOME/resetdesk/journal
// (0600 files in a 0700 dir). The journal identity (an age X25519 private key) lives
// in the secret store under KeyAccount, or in a 0600 key file (LoadKeyFile); appending
// needs only its public key.
//
// # Format (version 3)
//
// The first line is the header:
//
//	resetdesk-journal/3 <base64 of an age message to the journal identity's recipient>
//
// The age message holds JSON {"key", "profile", "mode", "opened"}: "key" is 32 random
// bytes made for this file alone, so a file costs one X25519 exchange to open, however
// many entries it holds. Every further line is one entry:
//
//	<base64 of nonce (24 bytes) || XChaCha20-Poly1305 seal>
//
// sealing JSON {"time", "index", "user", "status", "secret"} under the file key, with
// the header line (without its newline) as associated data: an entry moved into
// another file, or a header swapped, fails to open. Each line is sealed on its own, so
// a line torn by a crash or a full disk damages only itself.
//
// The nonce is random rather than a counter: XChaCha20's 192-bit nonce makes random
// nonces safe (a collision is negligible even across billions of entries), and a
// random nonce needs no state that must stay right when a failed write is cut back —
// a counter rewound after a partial write would reuse a nonce, which for this cipher
// gives away both plaintexts and the authentication key.
//
// The last line of a file Close ended is an entry of status "closed" (index -1, no
// user): the run's every entry was synced. Version 2 (before the marks of prepared
// secrets as sent stopped waiting for their sync) has the same layout and is still
// read; it has no such entry and needs none, since all its entries were synced before
// anyone went on.
//
// Version 1 (resetdesk before the group commit) is still read: every line is its own
// age message (base64) holding a JSON Entry. Reading one costs an X25519 exchange per
// line, so it is slow for large runs; they age out with the retention.
//
// # Guarantees
//
//   - Open creates the file, writes the header and syncs it and its directory before
//     it returns: a directory that cannot take a write and a sync (a full disk, a
//     read-only file system) fails Open, before anything is sent.
//   - Intend, IntendBatch and Record return only once their entries are written and
//     fsynced — except the mark of a prepared secret as sent (Intend of a secret
//     IntendBatch synced already), which returns once the kernel holds it and is synced
//     right after: a killed process cannot lose it, a restart of the host can, and Read
//     then lists the run's prepared secrets as possibly set. Entries that arrive while a
//     sync is running are written together and synced by the next one (group commit),
//     so the fsyncs per entry fall with the number of callers.
//   - Close ends the file with an entry saying every entry is synced; Read trusts a
//     file so closed, or one written since the host's last boot, to have lost nothing.
//   - A failed append (short write, no space, failed sync) is cut back to the last good
//     length, so the next entry starts on a clean line, and every caller whose entry
//     was in that write gets the error. A failed sync of a write that let a mark go
//     is the exception: the mark stays (its request may have left), and every later
//     call fails, so the run sends nothing more; Close returns the error.
//   - Read and Mismatched only read (they take the directory as an fs.FS); Purge is the
//     only call that deletes.
package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

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

// KeyFile is where LoadKeyFile keeps the journal identity on a host with no secret
// store: $XDG_STATE_HOME/resetdesk/journal.key (outside the journal directory, which
// Purge empties).
func KeyFile(getenv func(string) string) (string, error) {
	d, err := store.StateDir(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "journal.key"), nil
}

// ErrNoKey: no journal key exists yet, so nothing was ever journaled here.
var ErrNoKey = errors.New("no journal key yet: nothing has been journaled")

// ErrOtherKey is matched (errors.Is) by Run.Err for a file written with another
// journal key than the one given to Read.
var ErrOtherKey = errors.New("written with another journal key")

// ErrNotJournal is matched by Run.Err for a file in the journal directory that is not
// a journal.
var ErrNotJournal = errors.New("not a journal file")

// Entry is one journaled secret.
type Entry struct {
	Time    time.Time `json:"time"`
	Profile string    `json:"profile"`
	Mode    string    `json:"mode"`
	Index   int       `json:"index"` // position in the run's user list
	User    string    `json:"user"`
	Status  string    `json:"status"` // ok, unknown, failed, StatusSent or StatusPrepared
	Secret  string    `json:"secret"`
}

// StatusSent marks an entry journaled before its request went out (Writer.Intend) with
// no answer recorded after it: the system may have set its secret — or, when the
// system makes the secret itself (no Secret), a password nobody has seen.
const StatusSent = "sent"

// StatusPrepared marks a secret made ahead in a batch (Writer.IntendBatch) whose
// request was never journaled as sent: it never left, and the old password still works.
// Read counts such entries (Run.NeverSent) and lists none — unless the host restarted
// before the run closed its file: a mark as sent may then have been lost before its sync
// (Writer.Intend), so Read lists them, as possibly set (Run.HostRestarted).
const StatusPrepared = "prepared"

// PasswordUnknown reports a user whose request went out with no secret made ahead and
// whose answer never came (sent, or unknown, with no secret): the system may have
// reset the account to a password nobody has seen. The technician must reset that
// user again.
func (e Entry) PasswordUnknown() bool {
	return e.Secret == "" && (e.Status == StatusSent || e.Status == string(backends.StatusUnknown))
}

// Run is one run's journal file, read back.
type Run struct {
	File    string
	Started time.Time // when the run opened the file (version 1: its first entry)
	Profile string
	Mode    string
	// Technician is the technician of the served session that made the run ("" for a
	// local run, and for files of version 1).
	Technician string
	// Entries holds, in the run's input order, the last entry of every user that still
	// matters: it carries a secret (ok, unknown or StatusSent), or its password is
	// unknown (Entry.PasswordUnknown). A refused request's entries are gone, and so are
	// the secrets prepared ahead whose request never left: NeverSent counts them.
	Entries   []Entry
	NeverSent int
	// HostRestarted counts the secrets prepared ahead listed in Entries (StatusPrepared)
	// because the host restarted after the run's last write and before it closed its
	// file: their marks as sent may have been lost, so each may be set (Restart says it).
	HostRestarted int
	// Damaged counts the lines that could not be read; CutOff is set when the only one
	// is the last line: a write cut off by a crash or a full disk, which was never
	// acknowledged, so the entries before it hold everything that was sent or shown.
	Damaged int
	CutOff  bool
	// Err is set when the file could not be read at all. It matches (errors.Is)
	// ErrOtherKey, ErrNotJournal or fs.ErrPermission when that is the cause, and names
	// the file.
	Err error
}

// Restart says in one sentence, naming the file, what a restart of the host during the
// run means for its secrets made ahead (Run.HostRestarted); "" when none is in doubt.
func (r Run) Restart() string {
	if r.HostRestarted == 0 {
		return ""
	}
	return fmt.Sprintf("journal %s: the host restarted before this run ended: %d secret(s) made ahead may have been sent — try them or reset those users again", r.File, r.HostRestarted)
}

// Problem says in one sentence, naming the file, what could not be read and what it
// means for the technician; "" when the whole file was read.
func (r Run) Problem() string {
	switch {
	case r.Err != nil:
		return r.Err.Error()
	case r.Damaged == 0:
		return ""
	case r.CutOff:
		return fmt.Sprintf("journal %s: the last write was cut off (the process stopped or the disk filled while writing it); it was never acknowledged, so no secret that was sent or shown is missing", r.File)
	}
	return fmt.Sprintf("journal %s: %d damaged line(s) in the middle of the file: the secrets in them are lost; check the users of that run", r.File, r.Damaged)
}
