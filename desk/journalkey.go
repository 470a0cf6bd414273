package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/store"
	"resetdesk/store/journal"
)

// journalKeyEnv holds the journal's key for automation.
var journalKeyEnv = store.SecretEnvName(journal.KeyAccount)

// writeKey is the identity a new run's journal is written to, and where it came from.
// The order: RESETDESK_SECRET_JOURNAL_KEY; else the configured store, where the first
// run creates it; else — only when no store is reachable and profile p's secret came
// from outside it (the environment, a file, a command), the scripted run on a host with
// no Secret Service — a 0600 key file in the state directory, created on first use with
// one notice saying where it is.
// There is never a journal without a key: nothing is written in the clear.
func (d *Desk) writeKey(ctx context.Context, p backends.Profile) (*age.X25519Identity, string, error) {
	if v := d.getenv(journalKeyEnv); v != "" {
		id, err := age.ParseX25519Identity(strings.TrimSpace(v))
		if err != nil {
			return nil, "", fmt.Errorf("%s is not an age X25519 identity (an AGE-SECRET-KEY-1... line, as age-keygen writes)", journalKeyEnv)
		}
		return id, journalKeyEnv, nil
	}
	id, name, err := d.storeKey(ctx, true)
	if err == nil {
		return id, name, nil
	}
	// The key file is for a host with no store to reach — the keyring of an SSH login —
	// and a secret from the environment. A store that answers wrongly (the encrypted
	// file's passphrase is wrong or missing) is an error to fix, never a reason to keep
	// the key beside the journal.
	unreachable := errors.Is(err, store.ErrNoSecretService) || errors.Is(err, store.ErrKeyringTimeout)
	fromOutside := d.SecretOutside(p) != "" // the environment, a file or a command: not the store
	if !unreachable || !fromOutside {
		return nil, "", fmt.Errorf("%w (or give the journal a key in %s)", err, journalKeyEnv)
	}
	path, perr := journal.KeyFile(d.getenv)
	if perr != nil {
		return nil, "", perr
	}
	id, created, ferr := journal.LoadKeyFile(path, true)
	if ferr != nil {
		return nil, "", fmt.Errorf("no secret store for the journal key (%v), and the key file failed: %w", err, ferr)
	}
	if created {
		d.notice(fmt.Sprintf("created the journal key %s (0600): keep it, `resetdesk recover` needs it; "+
			"for stronger protection keep secrets and the key in an encrypted file: secret_store = \"file\" in the config", path))
	}
	return id, "key file " + path, nil
}

// storeKey is the journal key in the configured store (with create, made there when
// missing), and the store's name. A key found, or a store that cannot be reached, is
// kept for the host's life, so that a keyring that hangs costs its timeout once, not at
// every look.
func (h *Host) storeKey(ctx context.Context, create bool) (*age.X25519Identity, string, error) {
	h.keyMu.Lock()
	defer h.keyMu.Unlock()
	if h.keyID != nil || h.keyErr != nil {
		return h.keyID, h.keyStore, h.keyErr
	}
	st, err := h.ConfiguredStore()
	if err != nil {
		return nil, "", err
	}
	id, err := journal.LoadKey(ctx, st, create)
	switch {
	case err == nil:
		h.keyID, h.keyStore = id, st.Name()
	case errors.Is(err, store.ErrNoSecretService) || errors.Is(err, store.ErrKeyringTimeout):
		h.keyErr = err
	}
	// Any other answer (no key yet, a wrong passphrase, a cancelled prompt) is asked
	// again next time.
	return id, st.Name(), err
}

// readKeys are every journal identity this desk can reach: the environment's, the
// store's and the key file's (a host may have journaled with the key file before it had
// a keyring). journal.ErrNoKey when there is none.
func (d *Desk) readKeys(ctx context.Context) (age.Identity, error) {
	var ids identities
	var problems []string
	if v := d.getenv(journalKeyEnv); v != "" {
		id, err := age.ParseX25519Identity(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s is not an age X25519 identity (an AGE-SECRET-KEY-1... line, as age-keygen writes)", journalKeyEnv)
		}
		ids = append(ids, id)
	}
	if id, _, err := d.storeKey(ctx, false); err == nil {
		ids = append(ids, id)
	} else if !errors.Is(err, journal.ErrNoKey) && !errors.Is(err, ErrDemo) {
		problems = append(problems, err.Error())
	}
	if path, err := journal.KeyFile(d.getenv); err == nil {
		id, _, err := journal.LoadKeyFile(path, false)
		switch {
		case err == nil:
			ids = append(ids, id)
		case !errors.Is(err, journal.ErrNoKey):
			problems = append(problems, err.Error())
		}
	}
	if len(ids) == 0 {
		if len(problems) > 0 {
			return nil, fmt.Errorf("cannot read the journal key: %s", strings.Join(problems, "; "))
		}
		return nil, journal.ErrNoKey
	}
	return ids, nil
}

// identities tries each identity in turn: journals written with any of them open.
type identities []age.Identity

func (ids identities) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, id := range ids {
		key, err := id.Unwrap(stanzas)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, err
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// journalWarning says when journals of dir were written with a key none of this host's
// keys opens: recover cannot read them. The plan says it, before anything is sent, not
// when the secrets are needed — with where this run's key comes from.
func (d *Desk) journalWarning(ctx context.Context, dir string) string {
	all, err := d.readKeys(ctx)
	if err != nil {
		return ""
	}
	files, err := journal.Mismatched(dir, all)
	if err != nil || len(files) == 0 {
		return ""
	}
	w := fmt.Sprintf("%d journal file(s) were written with a key this host does not have (the first: %s): "+
		"recover cannot read them", len(files), files[0])
	if source := d.keySource(ctx); source != "" {
		w += "; this run journals with the key from the " + source
	}
	return w
}

// keySource names where a run's journal key comes from (writeKey's order), making
// nothing: "" when no key is there yet and the first run makes it in a key file.
func (d *Desk) keySource(ctx context.Context) string {
	if d.getenv(journalKeyEnv) != "" {
		return journalKeyEnv
	}
	_, name, err := d.storeKey(ctx, false)
	switch {
	case err == nil || errors.Is(err, journal.ErrNoKey):
		return name // there, or made there by this run
	case errors.Is(err, store.ErrNoSecretService) || errors.Is(err, store.ErrKeyringTimeout):
		if path, err := journal.KeyFile(d.getenv); err == nil {
			if _, _, err := journal.LoadKeyFile(path, false); err == nil {
				return "key file " + path
			}
		}
	}
	return ""
}
