package verify

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"resetdesk/backends"
)

// clock is a settable now for Codes.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func codesAt(t time.Time) (*Codes, *clock) {
	c := NewCodes()
	clk := &clock{t}
	c.now = clk.now
	return c, clk
}

var alice = Key{Who: "alice", Profile: "adm", User: "jdoe"}

func TestCodeIsSixDigitsKeptOnlyAsAKeyedHash(t *testing.T) {
	c, _ := codesAt(time.Now())
	seen := map[string]bool{}
	for range 50 {
		code, err := c.New(alice, time.Minute, 3, Sent{Method: backends.VerifyMail})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
			t.Fatalf("code %q", code)
		}
		seen[code] = true
		p := c.pending[alice]
		if bytes.Contains(p.sum, []byte(code)) || len(p.sum) != 32 {
			t.Fatalf("the code is kept as itself")
		}
	}
	if len(seen) < 45 { // 50 draws from a million: a repeat or two at most
		t.Fatalf("only %d distinct codes in 50", len(seen))
	}
}

func TestCheckPassesOnceAndIgnoresSpacing(t *testing.T) {
	c, _ := codesAt(time.Now())
	code, _ := c.New(alice, time.Minute, 3, Sent{Method: backends.VerifySMS, Destination: "+33 •• 03"})
	spaced := code[:3] + " " + code[3:]
	if got := c.Check(alice, spaced); got.Outcome != Passed || got.Sent.Method != backends.VerifySMS {
		t.Fatalf("check = %+v", got)
	}
	if got := c.Check(alice, code); got.Outcome != NoCode {
		t.Fatalf("a used code passed again: %+v", got)
	}
}

func TestWrongCodesCountDownToOutOfAttempts(t *testing.T) {
	c, _ := codesAt(time.Now())
	code, _ := c.New(alice, time.Minute, 3, Sent{})
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	if got := c.Check(alice, wrong); got.Outcome != Wrong || got.Left != 2 {
		t.Fatalf("1st: %+v", got)
	}
	if got := c.Check(alice, "12345"); got.Outcome != Wrong || got.Left != 1 {
		t.Fatalf("2nd: %+v", got)
	}
	if got := c.Check(alice, wrong); got.Outcome != Exhausted {
		t.Fatalf("3rd: %+v", got)
	}
	if got := c.Check(alice, code); got.Outcome != NoCode {
		t.Fatalf("the right code after the attempts ran out: %+v", got)
	}
}

func TestCodeExpires(t *testing.T) {
	c, clk := codesAt(time.Now())
	code, _ := c.New(alice, 10*time.Minute, 3, Sent{})
	clk.t = clk.t.Add(9 * time.Minute)
	if _, ok := c.Pending(alice); !ok {
		t.Fatal("not pending before its time")
	}
	clk.t = clk.t.Add(time.Minute)
	if _, ok := c.Pending(alice); ok {
		t.Fatal("pending after its time")
	}
	if got := c.Check(alice, code); got.Outcome != Expired {
		t.Fatalf("check = %+v", got)
	}
}

func TestCodesArePerTechnicianAndTheLatestWins(t *testing.T) {
	c, _ := codesAt(time.Now())
	first, _ := c.New(alice, time.Minute, 3, Sent{})
	second, _ := c.New(alice, time.Minute, 3, Sent{})
	bob := alice
	bob.Who = "bob"
	if got := c.Check(bob, second); got.Outcome != NoCode {
		t.Fatalf("bob checked alice's code: %+v", got)
	}
	if first != second {
		if got := c.Check(alice, first); got.Outcome != Wrong {
			t.Fatalf("a replaced code: %+v", got)
		}
	}
	if got := c.Check(alice, second); got.Outcome != Passed {
		t.Fatalf("the latest code: %+v", got)
	}
}
