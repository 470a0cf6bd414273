package journal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/store"
)

// file is what a Writer needs of its *os.File: the seam through which tests make the
// disk fail or count the syncs.
type file interface {
	Write(p []byte) (int, error)
	Sync() error
	Truncate(size int64) error
	Close() error
}

// Writer appends one run's entries to its own file. Its methods may be called from
// many goroutines at once: one committer goroutine writes and syncs whatever has
// queued up while the previous sync ran, and each caller waits for the sync of its
// own entries.
type Writer struct {
	path   string
	cipher *fileCipher
	now    func() time.Time

	mu      sync.Mutex
	wake    sync.Cond // signalled when a group starts filling, or on Close
	next    *group    // the entries waiting for the next write; nil when none
	closing bool
	sent    map[int]intent // Intend's and IntendBatch's entries not yet settled by Record, by index
	stopped chan struct{}  // closed when the committer has returned
	lateErr error          // the first failed write of entries nobody waited for
	// failed is set when a sync fails after callers were let go at the write (their
	// requests may have left): the journal takes nothing more, so nothing more is sent.
	failed error

	// Only the committer touches these (and Close once it has returned).
	f         file
	size      int64 // the file's length after its last good write
	headerLen int64
	torn      bool // a failed write could not be cut back to size yet
}

// intent is what Intend (or IntendBatch, prepared) journaled for a user whose answer
// is not recorded yet.
type intent struct {
	user, secret string
	prepared     bool // only made ahead (IntendBatch): not sent yet
}

// group is the entries of one write and sync, from every caller that queued while
// the previous one was running.
type group struct {
	buf     []byte
	written chan struct{} // closed once the write has returned (werr set when it failed)
	werr    error
	done    chan struct{} // closed once err is set, after the sync
	err     error
	lazy    bool // holds entries nobody waits for (Record of an answer already on disk)
	early   bool // holds entries whose callers were let go at the write, before the sync
}

// stage is how far a caller's entries must have gone before queue returns.
type stage int

const (
	// untilQueued: return at once; the entry's secret is on disk already.
	untilQueued stage = iota
	// untilWritten: return once the kernel holds the entry (write(2) returned), so that
	// a killed process cannot lose it; the sync follows at once, and a power loss
	// before it is what Read's reboot rule answers for.
	untilWritten
	// untilSynced: return once the entry is on disk.
	untilSynced
)

// Open creates the journal file of a new run in dir, writes its header and syncs the
// file and dir: when Open returns nil, dir has taken a write and a sync.
func Open(dir string, rcp age.Recipient, info RunInfo) (*Writer, error) {
	return open(dir, rcp, info, func(f *os.File) file { return f })
}

func open(dir string, rcp age.Recipient, info RunInfo, wrap func(*os.File) file) (*Writer, error) {
	if err := store.PrivateDir(dir); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	now := time.Now()
	hdr, fc, err := newHeader(rcp, info, now)
	if err != nil {
		return nil, fmt.Errorf("journal: cannot make a file key: %w", err)
	}
	name := fmt.Sprintf("%s-%d%s", now.UTC().Format(nameTime), os.Getpid(), fileExt)
	path := filepath.Join(dir, name)
	osf, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: cannot create a file in %s: %w", dir, store.UnwrapPath(err))
	}
	f := wrap(osf)
	// The header is the test write: a full disk or a file system that fails its syncs
	// is found here, before the first secret depends on it. The dir sync makes the
	// file itself survive a crash.
	err = writeAll(f, hdr)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = store.SyncDir(dir)
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("journal: %s cannot take a write and a sync: %w", dir, store.UnwrapPath(err))
	}
	w := &Writer{
		path: path, cipher: fc, now: time.Now,
		sent: map[int]intent{}, stopped: make(chan struct{}),
		f: f, size: int64(len(hdr)), headerLen: int64(len(hdr)),
	}
	w.wake.L = &w.mu
	go w.commitLoop()
	return w, nil
}

// nameTime is the time at the start of a journal file's name.
const nameTime = "20060102T150405.000000000Z"

// Intend journals a request about to be sent (Job.Intend) as StatusSent: with the
// secret made ahead, or with none when the system makes the secret (PRM, a WebADM
// link), so that a request cut off from its answer is still found by Read
// (Entry.PasswordUnknown). It returns once the entry is synced — except for a secret
// IntendBatch prepared (synced already) for the same user: its mark as sent, which only
// says the request left, is waited for until the kernel holds it (a killed process
// cannot lose it) and synced right after, with the others of its group. A power loss
// before that sync may lose the mark; Read then lists the prepared secret as possibly
// set. A failed write fails Intend; a sync that fails after it stops the journal
// (every later call fails), so nothing more is sent.
func (w *Writer) Intend(o backends.Outcome) error {
	if err := w.intend([]backends.Outcome{o}, StatusSent); err != nil {
		if o.Secret == "" {
			return fmt.Errorf("the journal could not record the request before sending it: %w", err)
		}
		return fmt.Errorf("the journal could not keep the new secret: %w", err)
	}
	return nil
}

// IntendBatch journals a batch of secrets made ahead (one generate call) as
// StatusPrepared in one write and one sync, before the batch is dispatched: on disk
// before anyone can see them, and known not to be in effect until each user's Intend
// journals its request as sent.
func (w *Writer) IntendBatch(outcomes []backends.Outcome) error {
	if err := w.intend(outcomes, StatusPrepared); err != nil {
		return fmt.Errorf("the journal could not keep the batch of %d new secret(s): %w", len(outcomes), err)
	}
	return nil
}

func (w *Writer) intend(outcomes []backends.Outcome, status string) error {
	prepared := status == StatusPrepared
	todo := make([]backends.Outcome, 0, len(outcomes))
	until := untilWritten // lowered to untilSynced by any secret not on disk yet
	w.mu.Lock()
	for _, o := range outcomes {
		in, ok := w.sent[o.Index]
		if ok && in == (intent{o.User, o.Secret, prepared}) {
			continue
		}
		if prepared || o.Secret == "" || !ok || in != (intent{o.User, o.Secret, true}) {
			until = untilSynced
		}
		o.Status = backends.Status(status)
		todo = append(todo, o)
	}
	w.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	if err := w.queue(todo, until); err != nil {
		return err
	}
	w.mu.Lock()
	for _, o := range todo {
		w.sent[o.Index] = intent{o.User, o.Secret, prepared}
	}
	w.mu.Unlock()
	return nil
}

// Record journals a final outcome (Job.Record), superseding the user's intent: one
// that carries a secret is kept; one without drops the intent's secret (a refused
// request set nothing), except an unknown outcome, whose password stays unknown. An
// outcome with no secret and no intent leaves no entry.
//
// An answer that brings a secret the journal does not hold yet (one the server made:
// PRM, a WebADM link) is synced before Record returns, so it is on disk before it is
// shown. Any other answer is queued for the next sync and Record returns at once: its
// secret, if any, is on disk already as the intent, and if the process dies before the
// answer's entry is synced, recover shows the intent — the same secret, "sent, may be
// set" — so nothing is lost. A failed write of such an entry is returned by Close.
func (w *Writer) Record(o backends.Outcome) error {
	w.mu.Lock()
	in, pending := w.sent[o.Index]
	w.mu.Unlock()
	if o.Secret == "" && !pending {
		return nil
	}
	until := untilQueued
	if o.Secret != "" && (!pending || in.secret != o.Secret) {
		until = untilSynced
	}
	if err := w.queue([]backends.Outcome{o}, until); err != nil {
		return fmt.Errorf("the journal could not keep the answer: %w", err)
	}
	w.mu.Lock()
	delete(w.sent, o.Index)
	w.mu.Unlock()
	return nil
}

// queue seals the outcomes as entries and queues them as one piece of the next group,
// and returns once that group has gone as far as until says.
func (w *Writer) queue(outcomes []backends.Outcome, until stage) error {
	now := w.now().UTC()
	var buf []byte
	for _, o := range outcomes {
		var err error
		buf, err = w.cipher.appendLine(buf, sealedEntry{Time: now, Index: o.Index, User: o.User, Status: string(o.Status), Secret: o.Secret})
		if err != nil {
			return err
		}
	}
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return fmt.Errorf("journal %s is closed", w.path)
	}
	if w.failed != nil {
		w.mu.Unlock()
		return w.failed
	}
	g := w.next
	if g == nil {
		g = &group{buf: buf, written: make(chan struct{}), done: make(chan struct{})}
		w.next = g
		w.wake.Signal()
	} else {
		g.buf = append(g.buf, buf...)
	}
	g.lazy = g.lazy || until == untilQueued
	g.early = g.early || until == untilWritten
	w.mu.Unlock()
	switch until {
	case untilQueued:
		return nil
	case untilWritten:
		<-g.written
		return g.werr
	}
	<-g.done
	return g.err
}

// commitLoop is the committer: it takes the group that filled while it was busy,
// writes and syncs it, and tells its callers, until Close and nothing is left.
func (w *Writer) commitLoop() {
	defer close(w.stopped)
	w.mu.Lock()
	for {
		for w.next == nil && !w.closing {
			w.wake.Wait()
		}
		g := w.next
		w.next = nil
		if g == nil {
			w.mu.Unlock()
			return
		}
		failed := w.failed
		w.mu.Unlock()
		if failed != nil {
			// Queued before the failure was known: nothing more is written.
			g.werr, g.err = failed, failed
			close(g.written)
		} else {
			g.err = w.commit(g)
		}
		close(g.done)
		w.mu.Lock()
		if g.err != nil && g.lazy && w.lateErr == nil {
			w.lateErr = g.err
		}
		if g.err != nil && g.early && g.werr == nil && w.failed == nil {
			w.failed = fmt.Errorf("%w (requests that may have left are not known to be on disk): the journal takes nothing more, so nothing more is sent", g.err)
		}
	}
}

// commit appends g's entries, lets go the callers waiting only for the write, and
// syncs. A failure is cut back to the last good length: a fragment left in place would
// swallow the next entry, which would then be lost. A failed sync of a group whose
// callers were let go is not cut back: their requests may have left, and their entries
// must stay where a killed process's would (the group's other entries stay too: recover
// lists them as possibly set, the safe side).
func (w *Writer) commit(g *group) error {
	err := w.append(g.buf)
	g.werr = err
	close(g.written)
	if err == nil {
		if serr := w.f.Sync(); serr != nil {
			err = fmt.Errorf("journal %s: cannot sync: %w", w.path, store.UnwrapPath(serr))
		}
		if err == nil || g.early {
			w.size += int64(len(g.buf))
			return err
		}
	}
	if terr := w.f.Truncate(w.size); terr != nil {
		w.torn = true
	} else {
		_ = w.f.Sync() // best effort: the callers are told the write failed either way
	}
	return err
}

// append writes buf after the last good write, cutting back first a failed write that
// could not be cut back before.
func (w *Writer) append(buf []byte) error {
	if w.torn {
		if err := w.f.Truncate(w.size); err != nil {
			return fmt.Errorf("journal %s: an earlier failed write cannot be cut back (%v): nothing more is written after it", w.path, store.UnwrapPath(err))
		}
		w.torn = false
	}
	if err := writeAll(w.f, buf); err != nil {
		return fmt.Errorf("journal %s: cannot write: %w", w.path, store.UnwrapPath(err))
	}
	return nil
}

// writeAll writes p, calling a write that returns short with no error a short write.
func writeAll(f file, p []byte) error {
	n, err := f.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return err
}

// Close waits for the entries already queued, ends the file with a synced mark that it
// was closed with every entry on disk (Read then trusts that a mark of a prepared
// secret as sent was not lost), and closes it. A run that journaled nothing leaves no
// file behind.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		<-w.stopped
		return nil
	}
	w.closing = true
	w.wake.Signal()
	w.mu.Unlock()
	<-w.stopped
	var endErr error
	if w.size > w.headerLen && w.failed == nil && !w.torn {
		endErr = w.markClosed()
	}
	err := w.f.Close()
	if w.size == w.headerLen {
		_ = os.Remove(w.path)
	}
	if err != nil {
		return fmt.Errorf("journal %s: %w", w.path, store.UnwrapPath(err))
	}
	if w.failed != nil {
		return w.failed
	}
	if endErr != nil {
		return endErr
	}
	if w.lateErr != nil {
		return fmt.Errorf("an answer already journaled as sent could not be recorded (recover shows it as sent): %w", w.lateErr)
	}
	return nil
}

// markClosed appends and syncs the entry that says the file was closed with every
// entry synced. Only Close calls it, once the committer has returned. A failure is cut
// back: the file then reads as one whose run was cut off, which is the safe side.
func (w *Writer) markClosed() error {
	buf, err := w.cipher.appendLine(nil, sealedEntry{Time: w.now().UTC(), Index: -1, Status: statusClosed})
	if err == nil {
		err = writeAll(w.f, buf)
	}
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		if w.f.Truncate(w.size) == nil {
			_ = w.f.Sync()
		}
		return fmt.Errorf("journal %s: cannot mark the run as ended (%w): after a restart of the host, recover lists its secrets made ahead as possibly sent", w.path, store.UnwrapPath(err))
	}
	w.size += int64(len(buf))
	return nil
}
