package main

import (
	"resetdesk/backends"
	"resetdesk/store"
)

// secrets is the secret chain for a config: RESETDESK_SECRET_<NAME> over the configured store.
func (a *app) secrets(cfg *store.Config) store.SecretStore {
	return store.EnvSecrets{Lookup: a.lookupEnv}
}

func (a *app) lookupEnv(name string) (string, bool) {
	v := a.getenv(name)
	return v, v != ""
}

// prepareRun is called by `run` and by the console before a run starts: the journal
// hook, the quota left and the history record.
func (a *app) prepareRun(p backends.Profile, job *backends.Job) (finish func([]backends.Outcome), err error) {
	return nil, nil
}
