package cli

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"resetdesk/store"
)

// decimal is an integer flag written in decimal only: `--expires 010` is ten hours, not
// eight (octal), and `0x10` is refused rather than read as sixteen. set tells an explicit
// 0 from a flag left out.
type decimal struct {
	n   int
	set bool
}

func (d *decimal) String() string {
	if !d.set {
		return ""
	}
	return strconv.Itoa(d.n)
}

func (d *decimal) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 32)
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%s is far too large", s)
	}
	if err != nil {
		return fmt.Errorf("%q is not a whole number (write it in decimal)", s)
	}
	d.n, d.set = int(n), true
	return nil
}

func (d *decimal) Type() string { return "N" }

// duration is a duration flag read as the config reads durations (90s, 10m, 1h, 7d);
// only a positive one is taken.
type duration struct {
	d   time.Duration
	set bool
}

func (d *duration) String() string {
	if !d.set {
		return ""
	}
	return d.d.String()
}

func (d *duration) Set(s string) error {
	v, err := store.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return fmt.Errorf("%q: give a positive duration like 10m or 1h", s)
	}
	d.d, d.set = v, true
	return nil
}

func (d *duration) Type() string { return "DURATION" }
