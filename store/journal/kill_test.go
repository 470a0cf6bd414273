package journal

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"resetdesk/backends"
)

// The child of the kill test journals into the directory in killDirEnv for the
// recipient in killRecipientEnv (a public key: the child never holds the identity).
const (
	killDirEnv       = "RESETDESK_JOURNAL_KILL_DIR"
	killRecipientEnv = "RESETDESK_JOURNAL_KILL_RECIPIENT"
)

// killUsers is more than a child can journal before it is killed.
const killUsers = 200_000

// Every third user's secret is made by the server; every fourth block of 8 users is
// journaled as one batch, like Odin's generated secrets.
func killSecrets(i int) (intended, answered string) {
	if i%3 == 2 {
		return "", fmt.Sprintf("srv-%d", i)
	}
	return fmt.Sprintf("pw-%d", i), fmt.Sprintf("pw-%d", i)
}

func TestKilledWhileSyncingLosesNoAcknowledgedEntry(t *testing.T) {
	if dir := os.Getenv(killDirEnv); dir != "" {
		killChild(dir, os.Getenv(killRecipientEnv))
		return
	}
	id := newIdentity(t)
	for round := range 10 {
		dir := t.TempDir()
		killAfter := 1 + rand.IntN(3000)
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWhileSyncingLosesNoAcknowledgedEntry$")
		cmd.Env = append(os.Environ(), killDirEnv+"="+dir, killRecipientEnv+"="+id.Recipient().String())
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		intended, answered, prepared := map[int]bool{}, map[int]bool{}, map[int]bool{}
		sc := bufio.NewScanner(out)
		acks := 0
		for sc.Scan() {
			var kind byte
			var i int
			if _, err := fmt.Sscanf(sc.Text(), "%c %d", &kind, &i); err != nil {
				continue // the test framework's own lines
			}
			switch kind {
			case 'P':
				prepared[i] = true
			case 'I':
				intended[i] = true
			default:
				answered[i] = true
			}
			if acks++; acks == killAfter {
				// SIGKILL while 32 goroutines keep the committer writing and syncing.
				must(t, cmd.Process.Kill())
			}
		}
		// Acknowledgements already in the pipe when the kill came count too.
		_ = cmd.Wait()
		if acks < killAfter {
			t.Fatalf("round %d: the child stopped after %d acknowledgements, before the kill at %d", round, acks, killAfter)
		}

		r := readOne(t, dir, id)
		got := map[int]Entry{}
		for _, e := range r.Entries {
			got[e.Index] = e
		}
		for i := range intended {
			pre, post := killSecrets(i)
			e, ok := got[i]
			switch {
			case !ok:
				t.Fatalf("round %d: user %d was acknowledged and is not in the journal", round, i)
			// An answer with a secret the server made is synced before it is acknowledged:
			// it must be there. One whose secret was journaled as the intent is not
			// waited for: the intent, with the same secret, may be what was left.
			case answered[i] && pre == "" && (e.Status != "ok" || e.Secret != post):
				t.Fatalf("round %d: user %d's acknowledged answer with a server-made secret reads as %s:%q", round, i, e.Status, e.Secret)
			case answered[i] && e.Secret != post:
				t.Fatalf("round %d: user %d's acknowledged answer reads as %s:%q", round, i, e.Status, e.Secret)
			case e.Status == StatusSent && e.Secret != pre, e.Status == "ok" && e.Secret != post:
				t.Fatalf("round %d: user %d reads as %s:%q", round, i, e.Status, e.Secret)
			case e.Status == StatusSent && pre == "" && !e.PasswordUnknown():
				t.Fatalf("round %d: user %d was sent with no secret and is not reported as password unknown", round, i)
			}
		}
		for i := range answered {
			if !intended[i] {
				t.Fatalf("round %d: user %d answered with no intent acknowledged first", round, i)
			}
		}
		// A secret prepared whose request was not acknowledged as sent is listed only if
		// its Intend reached the disk; otherwise it is counted as never sent.
		notListed := 0
		for i := range prepared {
			if _, ok := got[i]; !ok && !intended[i] {
				notListed++
			}
		}
		if r.NeverSent < notListed {
			t.Fatalf("round %d: %d prepared secrets neither listed nor counted as never sent (%d counted)", round, notListed, r.NeverSent)
		}
		if r.Damaged > 1 || (r.Damaged == 1 && !r.CutOff) {
			t.Fatalf("round %d: %s", round, r.Problem())
		}
		t.Logf("round %d: killed after %d acknowledgements, %d read in all, %d users in the journal, last line cut off: %v",
			round, killAfter, acks, len(r.Entries), r.CutOff)
	}
}

// killChild journals users from 32 goroutines and prints "P <index>" once its secret is
// acknowledged as prepared (a batch), "I <index>" once its intent (sent) and "R <index>"
// once its answer, until it is killed.
func killChild(dir, recipient string) {
	rcp, err := age.ParseX25519Recipient(recipient)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w, err := Open(dir, rcp, RunInfo{Profile: "lab", Mode: "sip"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var outMu sync.Mutex
	ack := func(kind byte, i int) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(os.Stdout, "%c %d\n", kind, i) // unbuffered: one write per acknowledgement
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var nextBlock atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				block := int(nextBlock.Add(1)) - 1
				if block*8 >= killUsers {
					return
				}
				var users []backends.Outcome
				for i := block * 8; i < block*8+8; i++ {
					pre, _ := killSecrets(i)
					users = append(users, backends.Outcome{Index: i, User: fmt.Sprintf("user%d", i), Status: backends.StatusRunning, Secret: pre})
				}
				if block%4 == 0 {
					if err := w.IntendBatch(users); err != nil {
						fail(err)
					}
					for _, o := range users {
						ack('P', o.Index)
					}
				}
				for _, o := range users {
					if err := w.Intend(o); err != nil {
						fail(err)
					}
					ack('I', o.Index)
					_, post := killSecrets(o.Index)
					o.Status, o.Secret = backends.StatusOK, post
					if err := w.Record(o); err != nil {
						fail(err)
					}
					ack('R', o.Index)
				}
			}
		}()
	}
	wg.Wait()
	w.Close()
	fmt.Fprintln(os.Stderr, "the kill test's child journaled every user before it was killed at", time.Now())
	os.Exit(0)
}
