package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/odin" // registers the kind
	"resetdesk/backends/odin/odintest"
)

func startOdin() (Instance, error) {
	srv := odintest.New(SampleUsers, odintest.WithFaults(odintest.Faults{Latency: 40 * time.Millisecond}))
	return Instance{
		Profile: backends.Profile{
			Name: "demo-odin", Kind: "odin", URL: srv.BaseURL(),
			Username: odintest.Username, ServiceProvider: odintest.ServiceProvider, Group: odintest.Group,
			Concurrency: 8,
		},
		Secret: odintest.Password,
		Server: srv,
		Close:  srv.Close,
	}, nil
}
