package theme

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestNoColorHasNoColors(t *testing.T) {
	th := New(true, true)
	for _, st := range []lipgloss.Style{th.Title, th.OK, th.Failed, th.Danger, th.Toast, th.Cursor} {
		if _, ok := st.GetForeground().(lipgloss.NoColor); !ok {
			t.Errorf("NO_COLOR theme has a foreground: %v", st.GetForeground())
		}
		if _, ok := st.GetBackground().(lipgloss.NoColor); !ok {
			t.Errorf("NO_COLOR theme has a background: %v", st.GetBackground())
		}
	}
}

func TestDarkAndLightDiffer(t *testing.T) {
	d, l := New(true, false), New(false, false)
	if d.OK.GetForeground() == l.OK.GetForeground() {
		t.Fatal("dark and light themes use the same green")
	}
}

func TestPlainThemeKeepsTheText(t *testing.T) {
	if !New(true, true).NoColor {
		t.Fatal("the plain theme says it has color")
	}
	if !strings.Contains(New(true, true).Danger.Render("x"), "x") {
		t.Fatal("plain theme lost the text")
	}
}
