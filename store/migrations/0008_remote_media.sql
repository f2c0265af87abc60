-- Remote media cached on demand: attachments, avatars and headers of remote
-- accounts, fetched the first time a page or an app asks kith for them and
-- served from the media directory after that. Rows and files are pruned
-- when unused for media.remote_cache_days, and fetched again on demand.
CREATE TABLE remote_media (
    id           INTEGER PRIMARY KEY,
    url_hash     TEXT    NOT NULL UNIQUE, -- hex SHA-256 of url
    url          TEXT    NOT NULL,
    path         TEXT    NOT NULL,        -- file name under the media directory
    size         INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    fetched_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL         -- never before fetched_at
) STRICT;
CREATE INDEX remote_media_last_used ON remote_media (last_used_at);
