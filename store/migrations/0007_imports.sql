-- Imports of CSV lists (follows, blocks, mutes, domain blocks, bookmarks,
-- lists): one row per uploaded file, one import_rows row per line. Rows
-- are applied by a background job a few at a time, so follows go out at
-- a polite rate and progress can be shown while it runs.
CREATE TABLE imports (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL, -- following, blocks, mutes, domain_blocks, bookmarks, lists
    mode       TEXT    NOT NULL CHECK (mode IN ('merge', 'overwrite')),
    file_name  TEXT    NOT NULL DEFAULT '',
    state      TEXT    NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done')),
    total      INTEGER NOT NULL DEFAULT 0,
    done       INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- One line of an import. fields is the JSON array of the CSV fields;
-- target is what the line resolved to (an actor or post URI, a domain),
-- kept so an overwrite can remove what the file does not list.
CREATE TABLE import_rows (
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    fields    TEXT    NOT NULL DEFAULT '[]',
    state     TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    target    TEXT    NOT NULL DEFAULT '',
    error     TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, line)
) STRICT, WITHOUT ROWID;
CREATE INDEX import_rows_pending ON import_rows (import_id, state, line);

-- Posts recreated from an archive, by their id in the archive, so that
-- running the same import again changes nothing.
CREATE TABLE imported_posts (
    source_uri TEXT    PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX imported_posts_post ON imported_posts (post_id);
