-- The owner: kith is single-user, so this table holds at most one row.
CREATE TABLE owner (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    username        TEXT    NOT NULL,
    display_name    TEXT    NOT NULL DEFAULT '',
    password_hash   TEXT    NOT NULL,
    private_key_pem TEXT    NOT NULL,
    public_key_pem  TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

-- Small owner-editable settings, one row per key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Web sessions. Only a SHA-256 of the cookie value is stored, so a copy of
-- the database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash BLOB    PRIMARY KEY,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    user_agent TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- The job queue: every piece of background work is a row here. A row is
-- deleted when its job succeeds; dead rows stay, with their last error.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    payload    BLOB    NOT NULL DEFAULT x'',
    unique_key TEXT    UNIQUE,
    state      TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'dead')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    run_at     INTEGER NOT NULL,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (state, run_at);
