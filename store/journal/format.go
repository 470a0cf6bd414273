package journal

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// headerMagic starts the first line of a file of the version written now, 3; the
// layout is version 2's. What tells them apart is what the writer promised: in a
// version 2 file every entry was synced before its caller went on; in version 3 a
// mark of a prepared secret as sent may not have been (Writer.Intend), and a file
// closed by Close ends with an entry of statusClosed.
const headerMagic = "resetdesk-journal/3 "

// headerMagicV2 starts the first line of a version 2 file.
const headerMagicV2 = "resetdesk-journal/2 "

// statusClosed is the status of the entry (index -1, no user) that ends a version 3
// file closed with every entry synced.
const statusClosed = "closed"

// headerVersion is the version a header line names: 3, 2, or 0 for none of them.
func headerVersion(line []byte) int {
	switch {
	case bytes.HasPrefix(line, []byte(headerMagic)):
		return 3
	case bytes.HasPrefix(line, []byte(headerMagicV2)):
		return 2
	}
	return 0
}

// legacyMagic starts every line of a version 1 file: base64 of "age-encryption.org"
// (18 bytes, a whole number of base64 groups, so it does not depend on what follows).
const legacyMagic = "YWdlLWVuY3J5cHRpb24ub3Jn"

// header is the age-encrypted payload of a version 2 header line.
type header struct {
	Key        []byte    `json:"key"` // the file key, chacha20poly1305.KeySize bytes
	Profile    string    `json:"profile"`
	Mode       string    `json:"mode"`
	Technician string    `json:"technician,omitempty"`
	Opened     time.Time `json:"opened"`
}

// RunInfo is what a run's file says of the run: its profile, its mode, and the
// technician of a served session ("" for a local run).
type RunInfo struct {
	Profile, Mode, Technician string
}

// sealedEntry is what one version 2 entry line holds; profile and mode are the
// header's.
type sealedEntry struct {
	Time   time.Time `json:"time"`
	Index  int       `json:"index"`
	User   string    `json:"user"`
	Status string    `json:"status"`
	Secret string    `json:"secret,omitempty"`
}

// fileCipher seals and opens the entries of one file.
type fileCipher struct {
	aead cipher.AEAD
	ad   []byte // the header line without its newline: binds each entry to its file
}

var errDamaged = errors.New("damaged")

// newHeader makes a file key and returns the header line (with its newline) that
// wraps it for rcp, and the cipher for the file's entries.
func newHeader(rcp age.Recipient, info RunInfo, opened time.Time) ([]byte, *fileCipher, error) {
	h := header{Key: make([]byte, chacha20poly1305.KeySize), Profile: info.Profile, Mode: info.Mode, Technician: info.Technician, Opened: opened.UTC()}
	rand.Read(h.Key) // never fails (crypto/rand crashes the program instead)
	plain, err := json.Marshal(h)
	if err != nil {
		return nil, nil, err
	}
	var msg bytes.Buffer
	enc, err := age.Encrypt(&msg, rcp)
	if err != nil {
		return nil, nil, err
	}
	if _, err := enc.Write(plain); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	line := append([]byte(headerMagic), base64.StdEncoding.AppendEncode(nil, msg.Bytes())...)
	fc, err := newFileCipher(h.Key, line)
	if err != nil {
		return nil, nil, err
	}
	return append(line, '\n'), fc, nil
}

func newFileCipher(key, headerLine []byte) (*fileCipher, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return &fileCipher{aead: aead, ad: bytes.Clone(headerLine)}, nil
}

// openHeader unwraps a header line of version 2 or 3 (without its newline) with id. The error matches
// ErrOtherKey when id is not the key the file was written for, and errDamaged
// when the line is not a whole header.
func openHeader(line []byte, id age.Identity) (header, *fileCipher, error) {
	var h header
	if headerVersion(line) == 0 {
		return h, nil, errDamaged
	}
	raw, err := base64.StdEncoding.AppendDecode(nil, line[len(headerMagic):]) // both versions' magic are as long
	if err != nil {
		return h, nil, errDamaged
	}
	plain, err := decryptAge(raw, id)
	if err != nil {
		return h, nil, err
	}
	if json.Unmarshal(plain, &h) != nil || len(h.Key) != chacha20poly1305.KeySize {
		return h, nil, errDamaged
	}
	fc, err := newFileCipher(h.Key, line)
	return h, fc, err
}

// appendLine appends e sealed under a random nonce, base64, and a newline, to dst.
func (c *fileCipher) appendLine(dst []byte, e sealedEntry) ([]byte, error) {
	plain, err := json.Marshal(e)
	if err != nil {
		return dst, err
	}
	sealed := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	rand.Read(sealed) // the nonce
	sealed = c.aead.Seal(sealed, sealed, plain, c.ad)
	dst = base64.StdEncoding.AppendEncode(dst, sealed)
	return append(dst, '\n'), nil
}

// entryOpener opens the entry lines of one file, reusing its buffers from line to line.
type entryOpener struct {
	c          *fileCipher
	raw, plain []byte
}

func (o *entryOpener) open(line []byte) (sealedEntry, error) {
	var e sealedEntry
	var err error
	o.raw, err = base64.StdEncoding.AppendDecode(o.raw[:0], line)
	if err != nil {
		return e, err
	}
	n := o.c.aead.NonceSize()
	if len(o.raw) < n {
		return e, errors.New("entry too short")
	}
	o.plain, err = o.c.aead.Open(o.plain[:0], o.raw[:n], o.raw[n:], o.c.ad)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(o.plain, &e)
	return e, err
}

// openLegacyLine reads a version 1 line: one age message holding a JSON Entry. The
// error matches ErrOtherKey when id is not the key it was written for.
func openLegacyLine(line []byte, id age.Identity) (Entry, error) {
	var e Entry
	raw, err := base64.StdEncoding.AppendDecode(nil, line)
	if err != nil {
		return e, err
	}
	plain, err := decryptAge(raw, id)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(plain, &e)
	return e, err
}

// decryptAge opens one age message; the error matches ErrOtherKey when the message is
// whole but id is not among its recipients.
func decryptAge(msg []byte, id age.Identity) ([]byte, error) {
	dec, err := age.Decrypt(bytes.NewReader(msg), id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, ErrOtherKey
		}
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	return io.ReadAll(dec)
}
