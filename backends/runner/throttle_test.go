package runner

import (
	"testing"
	"time"
)

// A moment in a message is the time of day when it is today, and carries its date
// otherwise: a note shown for days must not pass another day's 00:49 for today's.
func TestTimeTextDatesWhatIsNotToday(t *testing.T) {
	now := time.Now()
	if got, want := TimeText(now), now.Format("15:04"); got != want {
		t.Fatalf("now: %q, want %q", got, want)
	}
	for _, other := range []time.Time{now.AddDate(0, 0, -1), now.AddDate(0, 0, 1), now.AddDate(-1, 0, 0)} {
		got := TimeText(other)
		if want := other.Format("2006-01-02 15:04"); got != want {
			t.Fatalf("%v: %q, want %q", other, got, want)
		}
	}
}
