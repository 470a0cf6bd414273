package history

import (
	"context"
	"database/sql"
	"fmt"
)

// schemaV0 is the schema of the resetdesk versions that never set user_version. Its
// statements are IF NOT EXISTS, so that the first migration both creates a new history
// and passes over one of those.
const schemaV0 = `
CREATE TABLE IF NOT EXISTS runs (
	id       INTEGER PRIMARY KEY,
	os_user  TEXT NOT NULL,
	started  INTEGER NOT NULL,   -- unix milliseconds
	finished INTEGER,            -- NULL: the run never finished (killed, crashed)
	profile  TEXT NOT NULL,
	kind     TEXT NOT NULL,
	mode     TEXT NOT NULL,
	ticket   TEXT NOT NULL DEFAULT '',
	total    INTEGER NOT NULL,
	ok       INTEGER NOT NULL DEFAULT 0,
	failed   INTEGER NOT NULL DEFAULT 0,
	unknown  INTEGER NOT NULL DEFAULT 0,
	skipped  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
CREATE TABLE IF NOT EXISTS outcomes (
	run_id  INTEGER NOT NULL REFERENCES runs(id),
	idx     INTEGER NOT NULL,
	user    TEXT NOT NULL,
	status  TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	at      INTEGER NOT NULL     -- unix milliseconds
);
CREATE INDEX IF NOT EXISTS outcomes_user ON outcomes(user);
CREATE INDEX IF NOT EXISTS outcomes_run ON outcomes(run_id);
CREATE UNIQUE INDEX IF NOT EXISTS outcomes_run_idx ON outcomes(run_id, idx);
`

// migrations[v] takes a history from user_version v to v+1.
var migrations = []string{
	// 1: the technician of a run made through `resetdesk serve`; two indexes for the
	// count of a profile's quota use, which Reserve makes under the write lock: the
	// profile's runs by their end, and each run's outcomes by status and time, so that
	// the count reads only the index entries it counts; and outcomes_run dropped, as
	// outcomes_run_idx (run_id, idx) serves every lookup by run and each index costs a
	// page written per outcome.
	0: schemaV0 + `
ALTER TABLE runs ADD COLUMN technician TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS runs_profile ON runs(profile, finished);
CREATE INDEX IF NOT EXISTS outcomes_spent ON outcomes(run_id, status, at);
DROP INDEX IF EXISTS outcomes_run;
`,
	// The verification of callers: every event, and which one each reset relied on
	// (see migrationVerifications).
	migrationVerifications,
	// Four-eyes approval requests (requestsSchema), so that a request survives a restart
	// of serve and a `run` in another process can wait on one.
	requestsSchema,
}

// schemaVersion is the user_version of a history this code has written.
var schemaVersion = len(migrations)

// migrate brings the history on conn to schemaVersion, in one immediate transaction so
// that two processes opening an old history at once migrate it once.
func migrate(ctx context.Context, conn *sql.Conn, path string) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("history %s: cannot take the write lock to prepare the database: %w", path, err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(ctx, `ROLLBACK`) //nolint:errcheck // the error that made us roll back is the one to report
		}
	}()
	var v int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("history %s: cannot read the schema version: %w", path, err)
	}
	if v > schemaVersion {
		return fmt.Errorf("history %s: schema version %d is newer than this resetdesk writes (%d): use a newer resetdesk", path, v, schemaVersion)
	}
	for ; v < schemaVersion; v++ {
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("history %s: cannot migrate the schema from version %d to %d: %w", path, v, v+1, err)
		}
	}
	// PRAGMA takes no bound parameter; v is our own integer.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		return fmt.Errorf("history %s: cannot record the schema version: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("history %s: cannot commit the schema: %w", path, err)
	}
	return nil
}

// technicianColumn is the expression that reads a run's technician: version 0 has no
// such column, and a read-only DB reads an old history as it is.
func (d *DB) technicianColumn() string {
	if d.version < 1 {
		return `''`
	}
	return `technician`
}
