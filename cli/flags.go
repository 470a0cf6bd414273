package cli

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

// errGivenTwice is once's refusal of a second value.
var errGivenTwice = errors.New("given twice")

// once refuses a second value for a flag that takes one: `-p odin-lab -p adm-lab` used
// to reset on adm-lab, silently. A command line that says two things is refused before
// anything is done, naming the flag; the same value twice says one thing (and shell
// completion parses the line twice).
type once struct {
	pflag.Value
	set   bool
	first string
}

func (o *once) Set(s string) error {
	if o.set {
		if s == o.first {
			return nil
		}
		return errGivenTwice
	}
	o.set, o.first = true, s
	return o.Value.Set(s)
}

// refuseRepeatedFlags makes every flag of root and its commands take one value (there
// are no list flags: --users takes one file).
func refuseRepeatedFlags(root *cobra.Command) {
	wrap := func(f *pflag.Flag) {
		if _, done := f.Value.(*once); !done {
			f.Value = &once{Value: f.Value}
		}
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(wrap)
		c.PersistentFlags().VisitAll(wrap)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// givenTwice is the message for a flag given twice, or "" when err is another refusal.
func givenTwice(err error) string {
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) || !errors.Is(err, errGivenTwice) {
		return ""
	}
	name := "--" + iv.GetFlag().Name
	if s := iv.GetFlag().Shorthand; s != "" {
		name = "-" + s + "/" + name
	}
	return name + " is given twice with different values: give it once (nothing was done)"
}
