package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/admanager" // registers the kind
	"resetdesk/backends/admanager/admanagertest"
)

// demoQuota is three help-desk licences' worth of successful resets a day (50 each).
const demoQuota = 150

func startADManager() (Instance, error) {
	// 30-80 ms per call so that the console's live table has something to show; the
	// simulated server enforces the same daily quota as the profile announces.
	srv := admanagertest.New(SampleUsers,
		admanagertest.WithQuota(demoQuota, admanagertest.QuotaPerAccount),
		admanagertest.WithFaults(admanagertest.Faults{Latency: 30 * time.Millisecond, Jitter: 50 * time.Millisecond}))
	return Instance{
		Profile: backends.Profile{
			Name: "demo-admanager", Kind: "admanager", URL: srv.URL,
			Domain: admanagertest.Domain, ProductName: "resetdesk", DailyQuota: demoQuota,
		},
		Secret: admanagertest.Token,
		Server: srv,
		Close:  srv.Close,
	}, nil
}
