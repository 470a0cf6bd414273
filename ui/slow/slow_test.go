package slow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

func TestCallIsBoundedEvenWhenTheCallIgnoresItsContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	_, err := Call(context.Background(), 20*time.Millisecond, func(context.Context) (string, error) {
		<-release // ignores its context, as a stuck keyring does
		return "late", nil
	})
	if err == nil || !strings.Contains(err.Error(), "no answer within 20ms") {
		t.Fatalf("err = %v", err)
	}
	v, err := Call(context.Background(), time.Minute, func(context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("a quick call: %v, %v", v, err)
	}
	parent, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Call(parent, time.Minute, func(ctx context.Context) (int, error) { <-release; return 0, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled parent: %v", err)
	}
}

func TestTaskSpinsOnlyWhileRunning(t *testing.T) {
	task := NewTask()
	ran := false
	cmd := task.Start("opening lab", func() tea.Msg { ran = true; return nil })
	if !task.Running() || !strings.HasSuffix(task.View(), " opening lab…") {
		t.Fatalf("running view %q", task.View())
	}
	if b, ok := cmd().(tea.BatchMsg); !ok || len(b) != 2 {
		t.Fatal("start did not batch the spinner's tick with the call")
	} else {
		b[1]()
	}
	if !ran {
		t.Fatal("the call did not run")
	}
	tick := spinner.TickMsg{ID: task.spin.ID()}
	if task.Update(tick) == nil {
		t.Fatal("a running task's spinner stopped")
	}
	task.Done()
	if task.Update(tick) != nil || task.View() != "" {
		t.Fatal("an idle task still spins")
	}
}
