package backends

import "time"

// MaxConcurrency bounds the requests a run has in flight at once.
const MaxConcurrency = 64

// DefaultTimeout is the time limit of one request when the profile sets no timeout.
const DefaultTimeout = 20 * time.Second

// Profile is one configured system. The config file decodes straight into it
// (`[profiles.NAME]`, the keys below); kind-specific fields are empty where a kind does
// not use them.
type Profile struct {
	Name               string        `toml:"-"` // the table's name
	Kind               string        `toml:"kind"`
	URL                string        `toml:"url"` // the system's base URL; the client appends the API paths
	Username           string        `toml:"username"`
	ServiceProvider    string        `toml:"service_provider"`
	Group              string        `toml:"group"`
	Domain             string        `toml:"domain"`
	BaseDN             string        `toml:"base_dn"`
	ProductName        string        `toml:"product_name"`
	DailyQuota         int           `toml:"daily_quota"` // successful resets per day; 0 = none
	TimeBasedToken     bool          `toml:"time_based_token"`
	Concurrency        int           `toml:"concurrency"` // requests in flight; 0 = the default
	RateLimit          float64       `toml:"rate_limit"`  // requests per second; 0 = unlimited
	Timeout            time.Duration `toml:"timeout"`     // per request; 0 = the default
	CAFile             string        `toml:"ca_file"`
	InsecureSkipVerify bool          `toml:"insecure_skip_verify"`
	// Protected lists accounts never reset (globs); the profile's own login always is.
	Protected []string `toml:"protected"`
}
