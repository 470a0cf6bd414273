package demo

import (
	"time"

	"resetdesk/backends"
	_ "resetdesk/backends/webadm" // registers the kind
	"resetdesk/backends/webadm/webadmtest"
)

func startWebADM() (Instance, error) {
	// 30-80 ms per call so that the console's live table has something to show.
	s := webadmtest.New(SampleUsers,
		webadmtest.WithFaults(webadmtest.Faults{Latency: 30 * time.Millisecond, Jitter: 50 * time.Millisecond}))
	// A few people without a mobile number, so that SMS delivery can be seen to fail.
	for i, login := range s.Users() {
		if i%17 == 16 {
			s.RemoveMobile(login)
		}
	}
	return Instance{
		Profile: backends.Profile{
			Name:     "demo-webadm",
			Kind:     "webadm",
			URL:      s.URL,
			Username: webadmtest.Username,
			Domain:   webadmtest.Domain,
			BaseDN:   webadmtest.BaseDN,
		},
		Secret: webadmtest.Password,
		Server: s,
		Close:  s.Close,
	}, nil
}
