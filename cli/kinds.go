package cli

import (
	"strings"

	"resetdesk/backends"
)

// The help texts name the systems and their modes as the registry has them: a kind
// added or a mode changed shows in every help without editing a sentence.

// modesText lists every kind with its modes: "admanager generate|set|unlock, emm set, …".
func modesText() string {
	var parts []string
	for _, k := range backends.Kinds() {
		names := make([]string, len(k.Modes))
		for i, m := range k.Modes {
			names[i] = m.Name
		}
		parts = append(parts, k.Name+" "+strings.Join(names, "|"))
	}
	return strings.Join(parts, ", ")
}

// systemsText names every system by its title, without its gloss: "ManageEngine
// ADManager Plus, WSO2 EMM 2.0, Odin, … and RCDevs WebADM".
func systemsText() string {
	var titles []string
	for _, k := range backends.Kinds() {
		t, _, _ := strings.Cut(k.Title, " (")
		titles = append(titles, t)
	}
	if len(titles) < 2 {
		return strings.Join(titles, "")
	}
	return strings.Join(titles[:len(titles)-1], ", ") + " and " + titles[len(titles)-1]
}
