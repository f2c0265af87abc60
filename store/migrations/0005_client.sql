-- What the Mastodon client API needs beyond federation: the owner's
-- bookmarks, mutes, lists, filters, markers, followed tags, scheduled posts,
-- push subscriptions, uploads, and full-text search.

-- Timelines page by post id (arrival order); an author's posts by
-- (author_id, id).
CREATE INDEX posts_author_id ON posts (author_id, id);
CREATE INDEX notifications_actor ON notifications (actor_id, id);
-- "Is this author blocked by the owner?" is asked of every post read.
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- Per-followee options of the owner's follows (Mastodon's "reblogs",
-- "notify" and "languages" on POST /accounts/:id/follow). A followee
-- without a row has the defaults.
CREATE TABLE follow_options (
    followee_id  INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify       INTEGER NOT NULL DEFAULT 0,
    languages    TEXT    NOT NULL DEFAULT '[]' -- JSON array; empty means all
) STRICT;

-- The owner's private notes on accounts, and accounts featured on the
-- profile (endorsements).
CREATE TABLE account_notes (
    actor_id   INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    note       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE endorsements (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;

-- Accounts the owner mutes. expires_at 0 means never.
CREATE TABLE mutes (
    id                 INTEGER PRIMARY KEY, -- paging order
    actor_id           INTEGER NOT NULL UNIQUE REFERENCES actors (id) ON DELETE CASCADE,
    hide_notifications INTEGER NOT NULL DEFAULT 1,
    expires_at         INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
) STRICT;

-- Muted conversations (by posts.conversation, or the root post's URI when
-- the post has none): no notifications from them.
CREATE TABLE conversation_mutes (
    conversation TEXT    PRIMARY KEY,
    created_at   INTEGER NOT NULL
) STRICT;

-- The owner's bookmarks; id is the paging cursor (Mastodon pages bookmarks
-- by bookmark id, not status id).
CREATE TABLE bookmarks (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;

-- The owner's favourites, in the order they were made, for paging
-- GET /api/v1/favourites. likes is WITHOUT ROWID and keyed by actor, so it
-- has no order of its own; these triggers keep this log in step with it
-- without touching the code that writes likes.
CREATE TABLE favourites (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO favourites (post_id, created_at)
    SELECT l.post_id, MIN(l.created_at) FROM likes l JOIN actors a ON a.id = l.actor_id
    WHERE a.local = 1 AND l.emoji = '' GROUP BY l.post_id ORDER BY MIN(l.created_at), l.post_id;
CREATE TRIGGER favourites_insert AFTER INSERT ON likes
    WHEN NEW.emoji = '' AND (SELECT local FROM actors WHERE id = NEW.actor_id) = 1
BEGIN
    INSERT INTO favourites (post_id, created_at) VALUES (NEW.post_id, NEW.created_at) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER favourites_delete AFTER DELETE ON likes
    WHEN OLD.emoji = '' AND (SELECT local FROM actors WHERE id = OLD.actor_id) = 1
BEGIN
    DELETE FROM favourites WHERE post_id = OLD.post_id;
END;

-- Lists of accounts. replies_policy is Mastodon's: followed, list or none.
-- Posts by members of an exclusive list stay out of the home timeline.
CREATE TABLE lists (
    id             INTEGER PRIMARY KEY,
    title          TEXT    NOT NULL,
    replies_policy TEXT    NOT NULL DEFAULT 'list' CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive      INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE list_accounts (
    list_id  INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, actor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX list_accounts_actor ON list_accounts (actor_id);

-- Filters (Mastodon API v2): keywords and single posts, applied in
-- contexts (JSON array of home, notifications, public, thread, account).
CREATE TABLE filters (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    context       TEXT    NOT NULL DEFAULT '[]',
    filter_action TEXT    NOT NULL DEFAULT 'warn' CHECK (filter_action IN ('warn', 'hide', 'blur')),
    expires_at    INTEGER NOT NULL DEFAULT 0, -- 0: never
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE filter_keywords (
    id         INTEGER PRIMARY KEY,
    filter_id  INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword    TEXT    NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id);

CREATE TABLE filter_statuses (
    id        INTEGER PRIMARY KEY,
    filter_id INTEGER NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    post_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    UNIQUE (filter_id, post_id)
) STRICT;
CREATE INDEX filter_statuses_post ON filter_statuses (post_id);

-- Read positions a client syncs across devices.
CREATE TABLE markers (
    timeline     TEXT    PRIMARY KEY CHECK (timeline IN ('home', 'notifications')),
    last_read_id INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- Hashtags the owner follows (their public posts join the home timeline).
CREATE TABLE followed_tags (
    id         INTEGER PRIMARY KEY,
    tag        TEXT    NOT NULL UNIQUE, -- lower case, without '#'
    created_at INTEGER NOT NULL
) STRICT;

-- Every hashtag seen, for hashtag search and stable tag ids; filled by a
-- trigger as post_tags rows arrive.
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    first_seen INTEGER NOT NULL
) STRICT;
INSERT INTO tags (name, first_seen)
    SELECT t.tag, MIN(p.created_at) FROM post_tags t JOIN posts p ON p.id = t.post_id GROUP BY t.tag ORDER BY MIN(p.created_at);
CREATE TRIGGER tags_seen AFTER INSERT ON post_tags BEGIN
    INSERT INTO tags (name, first_seen) VALUES (NEW.tag, CAST(unixepoch('subsec') * 1000 AS INTEGER)) ON CONFLICT DO NOTHING;
END;

-- Posts the owner scheduled; params is the JSON of the status request.
CREATE TABLE scheduled_statuses (
    id           INTEGER PRIMARY KEY,
    scheduled_at INTEGER NOT NULL,
    params       TEXT    NOT NULL,
    media_ids    TEXT    NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (scheduled_at);

-- Web Push subscriptions, one per access token (Mastodon's rule); revoking
-- the token ends the subscription.
CREATE TABLE push_subscriptions (
    token_hash BLOB    PRIMARY KEY REFERENCES oauth_tokens (token_hash) ON DELETE CASCADE,
    endpoint   TEXT    NOT NULL,
    p256dh     TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    alerts     TEXT    NOT NULL DEFAULT '{}', -- JSON {"mention": true, ...}
    policy     TEXT    NOT NULL DEFAULT 'all' CHECK (policy IN ('all', 'followed', 'follower', 'none')),
    created_at INTEGER NOT NULL
) STRICT;

-- Idempotency-Key of status creation: the same key within a while returns
-- the post already made instead of posting twice.
CREATE TABLE idempotency_keys (
    key        TEXT    PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Media the owner uploaded. The attachment row (post_id NULL until
-- posted) is what posts and the API see; this row remembers the local file,
-- and outlives the attachment (attachment_id becomes NULL) so the file can
-- be removed after the post is deleted.
CREATE TABLE media_uploads (
    id            INTEGER PRIMARY KEY,
    attachment_id INTEGER UNIQUE REFERENCES attachments (id) ON DELETE SET NULL,
    path          TEXT    NOT NULL, -- file name under the media directory
    state         TEXT    NOT NULL DEFAULT 'processing' CHECK (state IN ('processing', 'ready', 'failed')),
    error         TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX media_uploads_created ON media_uploads (created_at);

-- Full-text search over posts (not boosts). Contentless: the text lives in
-- posts; this holds only the index. kith_plain_text is a Go function the
-- store registers with the driver (HTML to text, so tag and attribute names
-- are not indexed); writing posts from another SQLite client would fail
-- on these triggers, which is the price of indexing text rather than markup.
CREATE VIRTUAL TABLE posts_fts USING fts5 (
    text, summary,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO posts_fts (rowid, text, summary)
    SELECT id, kith_plain_text(content), summary FROM posts WHERE reblog_of_id IS NULL;
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    INSERT INTO posts_fts (rowid, text, summary) VALUES (NEW.id, kith_plain_text(NEW.content), NEW.summary);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF content, summary ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
    INSERT INTO posts_fts (rowid, text, summary) VALUES (NEW.id, kith_plain_text(NEW.content), NEW.summary);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
END;
