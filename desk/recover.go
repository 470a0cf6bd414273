package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"resetdesk/store/journal"
)

// Recovery is what the journal holds: the recent runs' secrets, newest run first, and
// what else to know.
type Recovery struct {
	Runs []journal.Run
	Keep time.Duration // the retention: older entries are not listed
	// Nothing is set when no run has journaled anything here yet.
	Nothing bool
	// Notes are what could not be read or was done (files purged), one line each.
	Notes []string
	// Unreadable reports whether some journal could not be read in part or whole.
	Unreadable bool
}

// Entries counts the secrets listed.
func (r Recovery) Entries() int {
	n := 0
	for _, run := range r.Runs {
		n += len(run.Entries)
	}
	return n
}

// Recover reads the recent runs' secrets from the journal: `recover` and the console's
// recover page both call it. Old entries are purged only when purge is set.
func (d *Desk) Recover(ctx context.Context, purge bool) (Recovery, error) {
	var rc Recovery
	if d.demo != nil {
		return rc, ErrDemo
	}
	keep, err := d.JournalRetention()
	if err != nil {
		return rc, err
	}
	rc.Keep = keep
	dir, err := journal.Dir(d.getenv)
	if err != nil {
		return rc, err
	}
	cutoff := time.Now().Add(-keep)
	if purge {
		n, perr := journal.Purge(dir, cutoff)
		if perr != nil {
			rc.Notes = append(rc.Notes, perr.Error())
		}
		if n > 0 {
			rc.Notes = append(rc.Notes, fmt.Sprintf("purged %d journal file(s) older than %s", n, keep))
		}
	}
	ks, err := d.journalSecrets()
	if err != nil {
		return rc, err
	}
	id, err := journal.LoadKey(ctx, ks, false)
	if errors.Is(err, journal.ErrNoKey) {
		rc.Nothing = true
		return rc, nil
	}
	if err != nil {
		return rc, fmt.Errorf("cannot open the journal: %w", err)
	}
	rc.Runs, err = journal.Read(dir, id, cutoff)
	if err != nil {
		return rc, err
	}
	damaged := 0
	for _, r := range rc.Runs {
		damaged += r.Damaged
		if r.Err != nil {
			rc.Notes = append(rc.Notes, r.Err.Error())
			rc.Unreadable = true
		}
	}
	if damaged > 0 {
		rc.Unreadable = true
		rc.Notes = append(rc.Notes, fmt.Sprintf("%d journal line(s) could not be read (a write cut short by a crash); the secret of that user may be lost: check it", damaged))
	}
	return rc, nil
}

// RecoverStatus explains a journal status to the technician.
func RecoverStatus(s string) string {
	switch s {
	case journal.StatusSent:
		return "sent, no answer recorded: may be set"
	case "unknown":
		return "no answer: may be set"
	}
	return s
}
