package desk_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"resetdesk/backends"
	"resetdesk/backends/odin/odintest"
	"resetdesk/backends/prm/prmtest"
	"resetdesk/backends/runner"
	"resetdesk/desk"
	"resetdesk/store"
	"resetdesk/store/journal"
)

// planCase is one pre-flight: a host set up (extra config of profile lab, runs made
// before, a journal of another key), a technician's request, and what the plan says.
type planCase struct {
	name  string
	extra string // lines of profile lab
	tech  string
	users int
	// before runs that many users on lab first (alice), spending quota.
	before int
	// foreignJournal leaves a journal written with a key the host does not have.
	foreignJournal bool
	// url replaces the profile's URL in the request (the plan does not send anything).
	url string

	refused   string // a fragment of the refusal; "" for none
	sending   int
	pastQuota int
	quota     desk.QuotaUse
	transport bool
	journal   bool
	blocked   string // a fragment of Blocked; "" for none
}

func TestPlanSaysWhatARunWillDo(t *testing.T) {
	cases := []planCase{
		{name: "plain", tech: "alice", users: 3, sending: 3},
		{name: "local desk", tech: "", users: 2, sending: 2},
		{name: "max_users", tech: "dave", users: 3, refused: "max_users = 2", sending: 3, blocked: "max_users = 2"},
		{name: "profile not the technician's", tech: "carol", users: 1, refused: "not open to technician carol", sending: 1, blocked: "not open"},
		{name: "quota partly spent", extra: "daily_quota = 3\n", tech: "alice", users: 3, before: 2,
			sending: 1, pastQuota: 2, quota: desk.QuotaUse{Has: true, Daily: 3, Left: 1}},
		{name: "quota spent", extra: "daily_quota = 2\n", tech: "alice", users: 1, before: 2,
			sending: 0, pastQuota: 1, quota: desk.QuotaUse{Has: true, Daily: 2}, blocked: "daily quota of 2 successful resets is spent"},
		{name: "plain http to another machine", tech: "alice", users: 1, url: "http://odin.example.com/api/v2", sending: 1, transport: true},
		{name: "a journal this host cannot read", tech: "alice", users: 1, foreignJournal: true, sending: 1, journal: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := odintest.New(6)
			defer srv.Close()
			home := t.TempDir()
			host := teamHost(t, srv, home, c.extra, desk.Options{})
			users := srv.Users()
			if c.before > 0 {
				if _, err := tryRunAs(t, deskOf(t, host, "alice"), "lab", users[len(users)-c.before:]); err != nil {
					t.Fatal(err)
				}
			}
			if c.foreignJournal {
				foreignJournalIn(t, home)
			}
			d := deskOf(t, host, c.tech)
			plan := planOf(t, host, d, c.url, users[:c.users])
			check := func(what string, got, want any) {
				if got != want {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("refused", plan.Refused != "" && strings.Contains(plan.Refused, c.refused), c.refused != "")
			check("sending", plan.Sending(), c.sending)
			check("past the quota", plan.PastQuota(), c.pastQuota)
			check("quota", plan.Quota, c.quota)
			check("transport warning", plan.Transport != "", c.transport)
			check("journal warning", len(plan.Journal) == 1 && strings.Contains(plan.Journal[0], "recover cannot read them; "+
				"this run journals with the key from the RESETDESK_SECRET_JOURNAL_KEY"), c.journal)
			check("blocked", plan.Blocked() != "" && strings.Contains(plan.Blocked(), c.blocked), c.blocked != "")
			check("approval", plan.Approval.Needed, false)
			check("technician", plan.Technician, c.tech)
			if len(plan.Users) != c.users || plan.Users[0].ID != users[0] || plan.Users[0].Skip != "" {
				t.Errorf("users %+v", plan.Users)
			}
		})
	}
}

// planOf plans a sip run of users on lab at d (the profile taken from the host's
// config, so that a technician who may not use it can still ask), with url in place of
// the profile's when set.
func planOf(t *testing.T, host *desk.Host, d *desk.Desk, url string, users []string) *desk.Plan {
	t.Helper()
	ctx := context.Background()
	p, err := host.Config().Profile("lab")
	if err != nil {
		t.Fatal(err)
	}
	b, err := deskOf(t, host, "bob").Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if url != "" {
		p.URL = url
	}
	req, err := runner.NewRequest(b, p, runner.Spec{Mode: "sip", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := d.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// foreignJournalIn leaves in home's journal directory a journal written with a key of
// another host.
func foreignJournalIn(t *testing.T, home string) {
	t.Helper()
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := journal.Dir(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err != nil {
		t.Fatal(err)
	}
	w, err := journal.Open(dir, other.Recipient(), journal.RunInfo{Profile: "lab", Mode: "sip"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Intend(backends.Outcome{User: "jdoe", Status: backends.StatusRunning, Secret: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.journal")); len(files) != 1 {
		t.Fatalf("journals: %v", files)
	}
}

// On a profile that requires verifying the caller, the plan says who was not verified
// by this technician and is blocked until they are — unless a second technician must
// approve the run, whose approval stands for it.
func TestPlanSaysWhetherTheCallersWereVerified(t *testing.T) {
	srv := odintest.New(4)
	defer srv.Close()
	host := teamHost(t, srv, t.TempDir(), "verify = \"required\"\napprove = [\"9871515003*\"]\n", desk.Options{})
	alice, bob := deskOf(t, host, "alice"), deskOf(t, host, "bob")
	users := srv.Users()
	plan := planOf(t, host, alice, "", users[:1])
	if c := plan.Caller; c.Policy != "required" || c.Verified || len(c.Unverified) != 1 || !strings.Contains(plan.Blocked(), "requires verifying the caller") {
		t.Fatalf("unverified: %+v, blocked %q", c, plan.Blocked())
	}
	if _, err := alice.AttestCallback(context.Background(), callerOf(t, alice, "lab", users[0]), "INC-1"); err != nil {
		t.Fatal(err)
	}
	plan = planOf(t, host, alice, "", users[:1])
	if c := plan.Caller; !c.Verified || !strings.HasPrefix(c.How, "callback · ") || plan.Blocked() != "" {
		t.Fatalf("verified by alice: %+v, blocked %q", c, plan.Blocked())
	}
	if plan := planOf(t, host, bob, "", users[:1]); plan.Caller.Verified || plan.Blocked() == "" {
		t.Fatalf("alice's verification counted for bob: %+v", plan.Caller)
	}
	plan = planOf(t, host, bob, "", users[3:4])
	if plan.Caller.Verified || !plan.Approval.Needed || plan.Blocked() != "" {
		t.Fatalf("an unverified run that needs approval: %+v, %+v, blocked %q", plan.Caller, plan.Approval, plan.Blocked())
	}
}

// The approve globs hold whatever spelling names the account, as protected does: a PRM
// ADsPath or DOMAIN\ login of an svc- account needs approval as its login does.
func TestApproveGlobsNameTheAccountInEverySpelling(t *testing.T) {
	srv := prmtest.New(1)
	defer srv.Close()
	p := backends.Profile{Name: "prm", Kind: "prm", URL: srv.URL, Approve: []string{"svc-*"}}
	h, err := desk.NewHost(desk.Options{Config: &store.Config{Profiles: []backends.Profile{p}}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	d := deskOf(t, h, "")
	b, err := backends.Open(p, prmtest.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"svc-backup", `MYDOMAIN\svc-backup`, "LDAP://CN=svc-backup,CN=Users,DC=mydomain,DC=com", "ldap://cn=SVC-Backup,cn=users,dc=mydomain,dc=com"} {
		req, err := runner.NewRequest(b, p, runner.Spec{Mode: "generate", Users: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := d.Plan(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if a := plan.Approval; !a.Needed || !slices.Equal(a.Accounts, []string{id}) {
			t.Errorf("%s: %+v", id, a)
		}
	}
}
