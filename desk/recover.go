package desk

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
	if !anyJournal(dir) {
		// Nothing was ever journaled here (or it has all been purged): no key needed.
		rc.Nothing = true
		return rc, nil
	}
	id, err := d.readKeys(ctx)
	if errors.Is(err, journal.ErrNoKey) {
		rc.Nothing = true
		return rc, nil
	}
	if err != nil {
		return rc, err
	}
	runs, err := journal.Read(dir, id, cutoff)
	if err != nil {
		return rc, err
	}
	// A served technician recovers their own runs: another's secrets are theirs to hand
	// over.
	for _, r := range runs {
		if d.tech == nil || r.Technician == d.tech.Name || r.Err != nil {
			rc.Runs = append(rc.Runs, r)
		}
	}
	for _, r := range rc.Runs {
		if r.NeverSent > 0 {
			// Made ahead in a batch, journaled, and never sent: handing one over would
			// give a user a password that was never set.
			rc.Notes = append(rc.Notes, fmt.Sprintf("run of %s (profile %s, mode %s): %d secret(s) made ahead were never sent — those users' old passwords still work; not listed",
				r.Started.Local().Format("2006-01-02 15:04:05"), r.Profile, r.Mode, r.NeverSent))
		}
		if note := r.Restart(); note != "" {
			// Listed, as possibly set: the list is whole, only less exact.
			rc.Notes = append(rc.Notes, note)
		}
		if p := r.Problem(); p != "" {
			rc.Notes = append(rc.Notes, p)
			// A last line cut off by a kill was never acknowledged: nothing sent or shown
			// is missing, so it is said, but the list is whole.
			if r.Err != nil || !(r.CutOff && r.Damaged == 1) {
				rc.Unreadable = true
			}
		}
	}
	return rc, nil
}

// RecoverStatus explains an entry's status to the technician.
func RecoverStatus(e journal.Entry) string {
	switch {
	case e.PasswordUnknown():
		return "possibly reset, password unknown — reset again"
	case e.Status == journal.StatusSent:
		return "sent, no answer recorded: may be set"
	case e.Status == "unknown":
		return "no answer: may be set"
	case e.Status == journal.StatusPrepared:
		// Listed only when the host restarted before the run ended (Run.HostRestarted).
		return "made ahead; the host restarted before the run ended: may be set — try it or reset again"
	}
	return e.Status
}

// anyJournal reports whether dir holds a journal file.
func anyJournal(dir string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.journal"))
	return len(files) > 0
}
