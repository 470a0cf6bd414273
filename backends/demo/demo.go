// Package demo starts the built-in simulated back ends in-process (the fakes that the
// tests use), seeded with sample users, and gives one profile per kind with its secret,
// so that `resetdesk --demo` and `resetdesk run --demo` work with no config and no server.
package demo

import (
	"fmt"
	"sort"
	"sync"

	"resetdesk/backends"
)

// Instance is one running demo back end.
type Instance struct {
	Profile backends.Profile
	Secret  string
	// Server is the fake itself (*odintest.Server, ...), for tests that inspect it.
	Server any
	Close  func()
}

// starter starts one kind's demo; registered by the file of that kind in this package.
type starter func() (Instance, error)

var (
	startersMu sync.Mutex
	starters   = map[string]starter{}
)

func register(kind string, s starter) {
	startersMu.Lock()
	defer startersMu.Unlock()
	starters[kind] = s
}

// Env is the set of running demo back ends.
type Env struct {
	Instances []Instance // sorted by profile name
}

// SampleUsers is how many users every demo back end is seeded with.
const SampleUsers = 240

// Start starts every demo back end. Close the Env when done.
func Start() (*Env, error) {
	startersMu.Lock()
	kinds := make([]string, 0, len(starters))
	for k := range starters {
		kinds = append(kinds, k)
	}
	startersMu.Unlock()
	sort.Strings(kinds)
	env := &Env{}
	for _, k := range kinds {
		inst, err := starters[k]()
		if err != nil {
			env.Close()
			return nil, fmt.Errorf("demo %s: %w", k, err)
		}
		env.Instances = append(env.Instances, inst)
	}
	return env, nil
}

// Profiles lists the demo profiles.
func (e *Env) Profiles() []backends.Profile {
	out := make([]backends.Profile, len(e.Instances))
	for i, in := range e.Instances {
		out[i] = in.Profile
	}
	return out
}

// Secret returns the secret of a demo profile.
func (e *Env) Secret(profile string) (string, bool) {
	for _, in := range e.Instances {
		if in.Profile.Name == profile {
			return in.Secret, true
		}
	}
	return "", false
}

// Instance returns the demo back end of a profile.
func (e *Env) Instance(profile string) (Instance, bool) {
	for _, in := range e.Instances {
		if in.Profile.Name == profile {
			return in, true
		}
	}
	return Instance{}, false
}

// Close stops every demo back end.
func (e *Env) Close() {
	for _, in := range e.Instances {
		if in.Close != nil {
			in.Close()
		}
	}
}
