-- Actors: the owner (local = 1) and every remote account kith has seen.
CREATE TABLE actors (
    id             INTEGER PRIMARY KEY,
    uri            TEXT    NOT NULL UNIQUE,
    local          INTEGER NOT NULL DEFAULT 0,
    type           TEXT    NOT NULL DEFAULT 'Person',
    username       TEXT    NOT NULL DEFAULT '',
    domain         TEXT    NOT NULL,
    display_name   TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '', -- sanitized HTML
    url            TEXT    NOT NULL DEFAULT '',
    inbox          TEXT    NOT NULL DEFAULT '',
    shared_inbox   TEXT    NOT NULL DEFAULT '',
    outbox         TEXT    NOT NULL DEFAULT '',
    followers      TEXT    NOT NULL DEFAULT '',
    following      TEXT    NOT NULL DEFAULT '',
    featured       TEXT    NOT NULL DEFAULT '',
    key_id         TEXT    NOT NULL DEFAULT '',
    public_key_pem TEXT    NOT NULL DEFAULT '',
    locked         INTEGER NOT NULL DEFAULT 0,
    bot            INTEGER NOT NULL DEFAULT 0,
    discoverable   INTEGER NOT NULL DEFAULT 0,
    avatar_url     TEXT    NOT NULL DEFAULT '',
    header_url     TEXT    NOT NULL DEFAULT '',
    fields         TEXT    NOT NULL DEFAULT '[]', -- JSON [{"name":..,"value":..}]
    also_known_as  TEXT    NOT NULL DEFAULT '[]', -- JSON array of actor URIs
    moved_to       TEXT    NOT NULL DEFAULT '',
    published_at   INTEGER NOT NULL DEFAULT 0,
    fetched_at     INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX actors_key_id ON actors (key_id);
CREATE INDEX actors_handle ON actors (username COLLATE NOCASE, domain COLLATE NOCASE);
CREATE INDEX actors_domain ON actors (domain);

-- Posts: local and remote notes, and boosts (a boost is a post whose
-- reblog_of_id names the boosted one).
CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    uri             TEXT    NOT NULL UNIQUE,
    url             TEXT    NOT NULL DEFAULT '',
    author_id       INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    local           INTEGER NOT NULL DEFAULT 0,
    type            TEXT    NOT NULL DEFAULT 'Note',
    visibility      TEXT    NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
    reblog_of_id    INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    in_reply_to_uri TEXT    NOT NULL DEFAULT '',
    in_reply_to_id  INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    conversation    TEXT    NOT NULL DEFAULT '',
    summary         TEXT    NOT NULL DEFAULT '',
    content         TEXT    NOT NULL DEFAULT '', -- sanitized HTML
    source          TEXT    NOT NULL DEFAULT '', -- what the owner typed (local posts)
    language        TEXT    NOT NULL DEFAULT '',
    sensitive       INTEGER NOT NULL DEFAULT 0,
    published_at    INTEGER NOT NULL,
    edited_at       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX posts_author ON posts (author_id, published_at DESC);
CREATE INDEX posts_reply ON posts (in_reply_to_uri) WHERE in_reply_to_uri != '';
CREATE INDEX posts_reblog ON posts (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX posts_timeline ON posts (published_at DESC);

-- Earlier versions of edited posts, newest last.
CREATE TABLE post_edits (
    id        INTEGER PRIMARY KEY,
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    summary   TEXT    NOT NULL,
    content   TEXT    NOT NULL,
    sensitive INTEGER NOT NULL,
    edited_at INTEGER NOT NULL -- when this version was published or last edited
) STRICT;
CREATE INDEX post_edits_post ON post_edits (post_id, id);

CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    url         TEXT    NOT NULL, -- remote URL, or local media path
    media_type  TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    blurhash    TEXT    NOT NULL DEFAULT '',
    focus_x     REAL    NOT NULL DEFAULT 0,
    focus_y     REAL    NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX attachments_post ON attachments (post_id, position);

CREATE TABLE post_mentions (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_uri TEXT    NOT NULL,
    name      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, actor_uri)
) STRICT, WITHOUT ROWID;
CREATE INDEX post_mentions_actor ON post_mentions (actor_uri);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL, -- lower case, without '#'
    PRIMARY KEY (post_id, tag)
) STRICT, WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags (tag, post_id);

CREATE TABLE post_emojis (
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    shortcode TEXT    NOT NULL,
    url       TEXT    NOT NULL,
    PRIMARY KEY (post_id, shortcode)
) STRICT, WITHOUT ROWID;

-- Polls hang off their post. Remote polls carry counts; local polls count
-- votes in poll_votes.
CREATE TABLE polls (
    post_id      INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    multiple     INTEGER NOT NULL DEFAULT 0,
    expires_at   INTEGER NOT NULL DEFAULT 0,
    closed_at    INTEGER NOT NULL DEFAULT 0,
    voters_count INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE poll_options (
    post_id  INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title    TEXT    NOT NULL,
    votes    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (post_id, position)
) STRICT, WITHOUT ROWID;

-- Votes: remote voters on local polls, and the owner's votes on remote ones.
CREATE TABLE poll_votes (
    post_id  INTEGER NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    uri      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (post_id, actor_id, position)
) STRICT, WITHOUT ROWID;

-- Follows in both directions: remote → owner and owner → remote.
CREATE TABLE follows (
    follower_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followee_id  INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'accepted')),
    activity_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX follows_followee ON follows (followee_id, state);
CREATE INDEX follows_activity ON follows (activity_uri);

-- Likes (favourites and emoji reactions) in both directions.
CREATE TABLE likes (
    actor_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    emoji        TEXT    NOT NULL DEFAULT '', -- '' for a plain Like
    activity_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (actor_id, post_id, emoji)
) STRICT, WITHOUT ROWID;
CREATE INDEX likes_post ON likes (post_id);
CREATE INDEX likes_activity ON likes (activity_uri);

-- Blocks in both directions.
CREATE TABLE blocks (
    blocker_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    blocked_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    activity_uri TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE domain_blocks (
    domain     TEXT    PRIMARY KEY COLLATE NOCASE,
    created_at INTEGER NOT NULL
) STRICT;

-- Pinned posts (local) and remote actors' featured collections.
CREATE TABLE pins (
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_uri   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (actor_id, post_uri)
) STRICT, WITHOUT ROWID;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    type       TEXT    NOT NULL, -- mention, follow, follow_request, reblog, favourite, poll, update, move
    actor_id   INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id    INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    read       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX notifications_once ON notifications (type, actor_id, COALESCE(post_id, 0));

-- Reports (Flag) received from other servers.
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    actor_id     INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    activity_uri TEXT    NOT NULL UNIQUE,
    content      TEXT    NOT NULL DEFAULT '',
    objects      TEXT    NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL
) STRICT;

-- Activities kith sent, kept for the outbox, for Undo, and for delivery:
-- each delivery is a "deliver" job naming an activity and an inbox, so
-- retries and dead deliveries live in the job queue.
CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    uri        TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    object_uri TEXT    NOT NULL DEFAULT '',
    public     INTEGER NOT NULL DEFAULT 0, -- listed in the outbox
    body       BLOB    NOT NULL,           -- the JSON as sent
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX activities_outbox ON activities (public, id DESC) WHERE public = 1;
CREATE INDEX activities_object ON activities (object_uri, type);
