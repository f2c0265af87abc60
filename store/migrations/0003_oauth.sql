-- OAuth applications (client apps and the owner's own scripts).
CREATE TABLE oauth_apps (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    website       TEXT    NOT NULL DEFAULT '',
    redirect_uris TEXT    NOT NULL DEFAULT '', -- one per line
    scopes        TEXT    NOT NULL DEFAULT 'read',
    client_id     TEXT    NOT NULL UNIQUE,
    client_secret TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- Authorization codes, short-lived, stored hashed.
CREATE TABLE oauth_codes (
    code_hash      BLOB    PRIMARY KEY,
    app_id         INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    scopes         TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL DEFAULT '',
    expires_at     INTEGER NOT NULL
) STRICT;

-- Access tokens, stored hashed. A token is the owner's, through one app.
CREATE TABLE oauth_tokens (
    token_hash   BLOB    PRIMARY KEY,
    app_id       INTEGER NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX oauth_tokens_app ON oauth_tokens (app_id);
