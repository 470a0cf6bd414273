package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/emm" // registers the kind
	"resetdesk/backends/emm/emmtest"
)

func startEMM() (Instance, error) {
	srv := emmtest.New(SampleUsers, emmtest.WithFaults(emmtest.Faults{Latency: 50 * time.Millisecond}))
	return Instance{
		Profile: backends.Profile{
			Name: "demo-emm", Kind: "emm", URL: srv.URL,
			Username: emmtest.Username, Concurrency: 6,
		},
		Secret: emmtest.Password,
		Server: srv,
		Close:  srv.Close,
	}, nil
}
