-- The full-text index is written once per transaction instead of once per
-- post. FTS5 writes what it holds in memory to a new segment of the index
-- whenever a savepoint opens, and a write statement opens one: with the
-- index row written by the insert trigger, a transaction that stores many
-- posts (a batch of received activities) made a segment, and later merges,
-- for every post. The triggers now note the post in posts_fts_pending, and
-- the store indexes the pending posts in one statement just before the
-- transaction commits (store.indexPending).
CREATE TABLE posts_fts_pending (
    id INTEGER PRIMARY KEY
) STRICT;

DROP TRIGGER posts_fts_insert;
DROP TRIGGER posts_fts_update;
DROP TRIGGER posts_fts_delete;
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    INSERT OR IGNORE INTO posts_fts_pending (id) VALUES (NEW.id);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF content, summary ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
    INSERT OR IGNORE INTO posts_fts_pending (id) VALUES (NEW.id);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
    DELETE FROM posts_fts_pending WHERE id = OLD.id;
END;
