// Package demo starts the built-in simulated back ends in-process (the fakes that the
// tests use), seeded with sample users, and gives one profile per kind with its secret,
// so that `resetdesk --demo` and `resetdesk run --demo` work with no config and no server.
//
// It is linked into every process but costs nothing until Start: no package-level state
// is built at initialisation (here or in the fakes), and nothing is started or seeded
// before --demo asks for it.
package demo

import (
	"fmt"

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

// starters start one kind's demo each, in the order of their profile names: a plain
// list rather than a registry filled by init functions, so that importing the package
// runs nothing.
var starters = []func() (Instance, error){startADManager, startEMM, startOdin, startPRM, startWebADM}

// Env is the set of running demo back ends.
type Env struct {
	Instances []Instance // sorted by profile name
}

// SampleUsers is how many users every demo back end is seeded with.
const SampleUsers = 240

// Start starts every demo back end. Close the Env when done.
func Start() (*Env, error) {
	env := &Env{}
	for _, start := range starters {
		inst, err := start()
		if err != nil {
			env.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		// Every demo profile offers to verify the caller; the desk "sends" the codes to
		// its demo outbox, so that the whole flow works with no mail server.
		inst.Profile.Verify = backends.VerifyOffered
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
