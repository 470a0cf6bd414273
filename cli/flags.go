package cli

import (
	"errors"
	"fmt"
	"strconv"
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
