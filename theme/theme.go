// Package theme holds the console's palette and lipgloss styles: a dark and a light
// variant chosen from the terminal's background, and a colorless one when NO_COLOR is set
// (https://no-color.org), where emphasis comes from bold, underline and reverse instead.
package theme

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Theme is the set of styles every page draws with.
type Theme struct {
	Dark    bool
	NoColor bool

	Title    lipgloss.Style // page titles
	Subtle   lipgloss.Style // hints, secondary text
	Text     lipgloss.Style
	Key      lipgloss.Style // key names in hints
	Cursor   lipgloss.Style // the row under the cursor
	Selected lipgloss.Style // a selected (marked) item
	OK       lipgloss.Style
	Failed   lipgloss.Style
	Unknown  lipgloss.Style
	Skipped  lipgloss.Style
	Running  lipgloss.Style
	Warn     lipgloss.Style
	Danger   lipgloss.Style // red badges: insecure TLS, errors
	Toast    lipgloss.Style
	Header   lipgloss.Style // table header
	Bar      lipgloss.Style // progress bar, filled part
	BarEmpty lipgloss.Style
}

// New builds the theme for a dark or light background; noColor drops every color.
func New(dark, noColor bool) Theme {
	if noColor {
		return plain(dark)
	}
	pick := lipgloss.LightDark(dark)
	c := func(light, darkHex string) color.Color {
		return pick(lipgloss.Color(light), lipgloss.Color(darkHex))
	}
	s := lipgloss.NewStyle
	accent := c("#5A3FC0", "#B4A4FF")
	return Theme{
		Dark:     dark,
		Title:    s().Bold(true).Foreground(accent),
		Subtle:   s().Foreground(c("#6B6B6B", "#8A8A8A")),
		Text:     s(),
		Key:      s().Bold(true).Foreground(accent),
		Cursor:   s().Bold(true).Background(c("#E4DEFF", "#3A3260")),
		Selected: s().Foreground(c("#0B7A75", "#5FD7D2")),
		OK:       s().Foreground(c("#1A7F37", "#5FD787")),
		Failed:   s().Foreground(c("#C62828", "#FF6B6B")),
		Unknown:  s().Bold(true).Foreground(c("#B35C00", "#FFB454")),
		Skipped:  s().Foreground(c("#6B6B6B", "#8A8A8A")),
		Running:  s().Foreground(accent),
		Warn:     s().Foreground(c("#B35C00", "#FFB454")),
		Danger:   s().Bold(true).Foreground(c("#FFFFFF", "#FFFFFF")).Background(c("#C62828", "#B71C1C")),
		Toast:    s().Bold(true).Foreground(c("#FFFFFF", "#1A1A1A")).Background(c("#1A7F37", "#5FD787")).Padding(0, 1),
		Header:   s().Bold(true).Underline(true),
		Bar:      s().Foreground(accent),
		BarEmpty: s().Foreground(c("#C8C8C8", "#444444")),
	}
}

func plain(dark bool) Theme {
	s := lipgloss.NewStyle
	return Theme{
		Dark: dark, NoColor: true,
		Title: s().Bold(true), Subtle: s(), Text: s(), Key: s().Bold(true),
		Cursor: s().Reverse(true), Selected: s().Bold(true),
		OK: s(), Failed: s().Bold(true), Unknown: s().Bold(true).Underline(true), Skipped: s(), Running: s(),
		Warn: s().Bold(true), Danger: s().Bold(true).Reverse(true), Toast: s().Reverse(true).Padding(0, 1),
		Header: s().Bold(true).Underline(true), Bar: s(), BarEmpty: s(),
	}
}
