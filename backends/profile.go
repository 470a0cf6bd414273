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

	// The desk's policy for this profile (the back end does not read these).

	// Verify says whether the caller is verified before a reset: VerifyOff (the
	// default), VerifyOffered or VerifyRequired.
	Verify string `toml:"verify"`
	// VerifyMethods are the ways a caller may be verified (VerifyMail, VerifySMS,
	// VerifyCallback); empty means every one the account has.
	VerifyMethods []string `toml:"verify_methods"`
	// Directory names another profile to look the caller's mail or mobile up in (for a
	// system without a directory, PRM); "" means the profile's own system.
	Directory string `toml:"directory"`
	// ApprovalOver: a run of more users than this needs a second technician; 0 = never.
	ApprovalOver int `toml:"approval_over"`
	// Approve lists accounts (globs) whose reset needs a second technician.
	Approve []string `toml:"approve"`
	// ApprovalTTL is how long a request waits for approval before it expires; the config
	// fills in its default (DefaultApprovalTTL, or the top-level approval_ttl).
	ApprovalTTL time.Duration `toml:"approval_ttl"`
	// SecretCommand is a program and its arguments (no shell) whose first line of
	// output is the profile's secret.
	SecretCommand []string `toml:"secret_command"`
}

// Verification policies (Profile.Verify).
const (
	VerifyOff      = "off"
	VerifyOffered  = "offered"
	VerifyRequired = "required"
)

// Verification methods (Profile.VerifyMethods).
const (
	VerifyMail     = "mail"
	VerifySMS      = "sms"
	VerifyCallback = "callback"
)

// DefaultApprovalTTL is how long an approval request waits when the config sets none.
const DefaultApprovalTTL = time.Hour
