package ui

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/aymanbagabas/go-osc52/v2"
)

// Where the console draws: inside tmux (its own $TMUX, or a TERM of tmux or screen
// when $TMUX did not come along: sudo, su, env -i, a served session) or GNU screen
// ($STY). Local and served consoles detect it the same way, from the session's
// environment.
func inTmux(sh *shared) bool {
	term := sh.desk.Getenv("TERM")
	return sh.desk.Getenv("TMUX") != "" || strings.HasPrefix(term, "tmux") ||
		(strings.HasPrefix(term, "screen") && sh.desk.Getenv("STY") == "")
}

func inScreen(sh *shared) bool { return sh.desk.Getenv("STY") != "" }

// canForget reports whether the console can delete the tmux paste buffers a copy
// leaves: only a console of this machine's own terminal whose $TMUX names the server.
func canForget(sh *shared) bool { return sh.local && sh.desk.Getenv("TMUX") != "" }

// clipboardCmds writes s to the clipboard through OSC 52 ("" clears it), on the
// program's own output. The bare sequence reaches terminals directly and tmux with
// set-clipboard on; inside tmux or screen the DCS-wrapped form is sent as well, which
// reaches the outer terminal through passthrough without tmux keeping the secret in its
// buffers.
func clipboardCmds(sh *shared, s string) []tea.Cmd {
	cmds := []tea.Cmd{tea.SetClipboard(s)}
	switch {
	case inScreen(sh):
		cmds = append(cmds, tea.Raw(osc52.New(s).Screen().String()))
	case inTmux(sh):
		cmds = append(cmds, tea.Raw(osc52.New(s).Tmux().String()))
	}
	return cmds
}

// tmuxBuffersNote is said once, before the first copy, where the copy may stay in tmux's
// paste buffers and the console cannot delete them.
func (c *Console) tmuxBuffersNote() string {
	if !inTmux(c.sh) || canForget(c.sh) {
		return ""
	}
	where := "from the server"
	if c.sh.local {
		where = "without $TMUX"
	}
	return "Inside tmux the copy also lands in tmux's paste buffers, which this console cannot clear " + where +
		": run `tmux delete-buffer` after pasting. Copy?"
}

func (c *Console) copy(m copyMsg) tea.Cmd {
	if note := c.tmuxBuffersNote(); note != "" && !c.tmuxNoted {
		c.tmuxNoted = true
		return c.apply(ask{text: note, hint: "y copies · n cancels",
			yes: func() (tea.Cmd, nav) { return c.copy(m), nil }})
	}
	if m.copied != nil {
		m.copied()
	}
	c.clipID++
	c.clipHeld = true
	c.clipUntil = c.now().Add(clipboardTTL)
	c.clipCopied = append(c.clipCopied, m.secret)
	id := c.clipID
	cmds := clipboardCmds(c.sh, m.secret)
	cmds = append(cmds,
		toast("copied "+m.what+"; the clipboard is cleared in "+clipboardTTL.String()+" and on quit"),
		tea.Tick(clipboardTTL, func(time.Time) tea.Msg { return clipboardExpiredMsg{id} }),
		c.clipboardTick())
	return tea.Batch(cmds...)
}

// clipboardTick redraws the header's countdown in a second.
func (c *Console) clipboardTick() tea.Cmd {
	id := c.clipID
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return clipboardTickMsg{id} })
}

// clearClipboard empties the clipboard and, for the console of a local tmux, deletes
// the paste buffers that kept a copied secret: with set-clipboard on tmux stores every
// OSC 52 copy in a buffer, and an empty OSC 52 does not clear it.
func (c *Console) clearClipboard() []tea.Cmd {
	cmds := clipboardCmds(c.sh, "")
	if canForget(c.sh) && len(c.clipCopied) > 0 {
		cmds = append(cmds, forgetInTmux(c.clipCopied))
	}
	c.clipCopied = nil
	return cmds
}

// forgetInTmux deletes every tmux paste buffer whose content is one of secrets. Buffers
// are compared by reading them, so no secret ever goes on a command line.
func forgetInTmux(secrets []string) tea.Cmd {
	return func() tea.Msg {
		// Quitting waits for this: a tmux that does not answer must not hang it.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		names, err := exec.CommandContext(ctx, "tmux", "list-buffers", "-F", "#{buffer_name}").Output()
		if err != nil {
			return nil
		}
		for _, name := range strings.Fields(string(names)) {
			content, err := exec.CommandContext(ctx, "tmux", "show-buffer", "-b", name).Output()
			if err == nil && slices.Contains(secrets, string(content)) {
				_ = exec.CommandContext(ctx, "tmux", "delete-buffer", "-b", name).Run()
			}
		}
		return nil
	}
}
