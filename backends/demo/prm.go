package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/prm" // registers the kind
	"resetdesk/backends/prm/prmtest"
)

func init() {
	register("prm", func() (Instance, error) {
		srv := prmtest.New(SampleUsers)
		// The demo shows the time-based token, the mode a careful admin picks.
		srv.SetTimeBased(true)
		srv.SetFaults(prmtest.Faults{Latency: 60 * time.Millisecond})
		return Instance{
			Profile: backends.Profile{
				Name: "demo-prm", Kind: "prm", URL: srv.URL,
				TimeBasedToken: true, Concurrency: 4,
			},
			Secret: prmtest.Token,
			Server: srv,
			Close:  srv.Close,
		}, nil
	})
}
