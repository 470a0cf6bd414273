package backends

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// Kind is one back-end system type, registered by its client package.
type Kind struct {
	Name  string // "odin"
	Title string // "Odin (Cisco BroadWorks)"
	// Required lists the config keys (TOML names) a profile of this kind must set,
	// besides kind and url.
	Required []string
	// SecretLabel names the profile's secret for prompts: "password", "AuthToken".
	SecretLabel string
	// Modes lists the modes without needing a configured back end (for validation).
	Modes []Mode
	// NoSearch: the system offers no user search (Search returns ErrNoSearch), so the
	// console says so before anything is typed and offers paste and import instead.
	NoSearch bool
	// Identity reads a user id the way the system names accounts: how two ids compare
	// and what the guards match (nil: ids compare exactly). It needs no configured back
	// end.
	Identity func(id string) Identity
	// LookupAll: the system names every id at the cost of a few calls (one listing, one
	// search per hundred ids), so every id of a run is looked up before anything is
	// sent — for the people's names, and so that an id it does not hold is never sent —
	// not only those whose form does not settle the account.
	LookupAll bool
	// New builds a back end for a profile and its secret. client is the HTTP client
	// built from the profile's TLS and timeout settings.
	New func(p Profile, secret string, client *http.Client) (Backend, error)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Kind{}
)

// Register adds a kind; client packages call it from init.
func Register(k Kind) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[k.Name]; dup {
		panic("backends: kind registered twice: " + k.Name)
	}
	registry[k.Name] = k
}

// Lookup returns the kind named name.
func Lookup(name string) (Kind, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	k, ok := registry[strings.ToLower(name)]
	return k, ok
}

// Kinds lists the registered kinds by name.
func Kinds() []Kind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames lists the registered kind names, sorted.
func KindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// FindMode returns the mode of modes named name, case-insensitively.
func FindMode(modes []Mode, name string) (Mode, error) {
	var names []string
	for _, m := range modes {
		if strings.EqualFold(m.Name, strings.TrimSpace(name)) {
			return m, nil
		}
		names = append(names, m.Name)
	}
	return Mode{}, fmt.Errorf("unknown mode %q: this system offers %s", name, strings.Join(names, ", "))
}
