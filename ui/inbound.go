package ui

import (
	"resetdesk/backends"
	"resetdesk/sanitize"
)

// This file is where text enters the console: every string that came from a server, a
// file, the config or the environment is cleaned of terminal control sequences here,
// once, as it arrives (in the command that fetched it), so that Update and View only
// ever hold text that is safe to draw. Values that are sent back (a user id to reset, a
// secret to copy) stay raw beside their drawn form.

// clean is s safe to draw, on one line.
func clean(s string) string { return sanitize.Line(s) }

// cleanSecret is a secret safe to draw and never shortened: quoted, with what a
// terminal would act on escaped, when it holds such characters (a server-made password).
func cleanSecret(s string) string { return sanitize.Secret(s) }

// cleanErr is err's text safe to draw ("" for nil).
func cleanErr(err error) string {
	if err == nil {
		return ""
	}
	return sanitize.Line(err.Error())
}

// profile is a configured profile and its fields as drawn.
type profile struct {
	p               backends.Profile
	name, kind, url string
	noSearch        bool
}

func newProfile(p backends.Profile) *profile {
	k, _ := backends.Lookup(p.Kind)
	return &profile{p: p, name: clean(p.Name), kind: clean(p.Kind), url: clean(p.URL), noSearch: k.NoSearch}
}

// hit is a user a search found: ID is sent as is, the rest is drawn.
type hit struct {
	ID                 string
	shown, name, about string
}

func newHits(us []backends.User) []hit {
	out := make([]hit, len(us))
	for i, u := range us {
		out[i] = hit{ID: u.ID, shown: clean(u.ID), name: clean(u.Name), about: clean(u.Detail)}
	}
	return out
}
