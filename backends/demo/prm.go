package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/prm" // registers the kind
	"resetdesk/backends/prm/prmtest"
)

func startPRM() (Instance, error) {
	// The demo shows the time-based token, the mode a careful admin picks.
	srv := prmtest.New(SampleUsers, prmtest.WithTimeBased(), prmtest.WithFaults(prmtest.Faults{Latency: 60 * time.Millisecond}))
	return Instance{
		Profile: backends.Profile{
			Name: "demo-prm", Kind: "prm", URL: srv.URL,
			TimeBasedToken: true, Concurrency: 4,
			// PRM keeps no mail or phone: the sample people are looked up in the demo AD.
			Directory: "demo-admanager",
		},
		Secret: prmtest.Token,
		Server: srv,
		Close:  srv.Close,
	}, nil
}
