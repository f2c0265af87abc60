-- Post counts per account, kept by triggers: counting an author's posts
-- on every rendering of their account would read all of them.
CREATE TABLE actor_counts (
    actor_id       INTEGER PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    statuses       INTEGER NOT NULL DEFAULT 0, -- posts and boosts, not direct ones (as Mastodon counts)
    last_status_at INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO actor_counts (actor_id, statuses, last_status_at)
    SELECT author_id, SUM(visibility != 'direct'), MAX(published_at) FROM posts GROUP BY author_id;

CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN
    INSERT INTO actor_counts (actor_id, statuses, last_status_at)
        VALUES (NEW.author_id, NEW.visibility != 'direct', NEW.published_at)
        ON CONFLICT (actor_id) DO UPDATE SET statuses = statuses + (NEW.visibility != 'direct'),
            last_status_at = MAX(last_status_at, NEW.published_at);
END;

CREATE TRIGGER posts_count_delete AFTER DELETE ON posts WHEN OLD.visibility != 'direct' BEGIN
    UPDATE actor_counts SET statuses = MAX(statuses - 1, 0) WHERE actor_id = OLD.author_id;
END;
