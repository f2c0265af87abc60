-- The owner's conversations: the direct posts the owner wrote or was
-- mentioned in, grouped by thread as Mastodon groups them for its
-- conversations API. A post's thread is its posts.conversation, or its URI
-- when it names none; a reply joins the conversation of its parent.
CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    thread     TEXT    NOT NULL UNIQUE,
    unread     INTEGER NOT NULL DEFAULT 0,
    -- hidden: the owner removed it; the next post in it brings it back.
    hidden     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- The posts of each conversation. Its newest post is its last status and
-- its paging cursor; deleting a post takes it out of its conversation.
CREATE TABLE conversation_posts (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    post_id         INTEGER NOT NULL UNIQUE REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, post_id)
) STRICT, WITHOUT ROWID;

-- Direct posts stored before conversations existed join theirs, read:
-- whatever they said was seen in the notifications at the time.
CREATE TEMP TABLE direct_threads AS
    SELECT p.id AS post_id, CASE WHEN p.conversation != '' THEN p.conversation ELSE p.uri END AS thread, p.created_at
    FROM posts p
    WHERE p.visibility = 'direct' AND p.reblog_of_id IS NULL
    AND EXISTS (SELECT 1 FROM actors o WHERE o.local = 1 AND (o.id = p.author_id
        OR o.uri IN (SELECT m.actor_uri FROM post_mentions m WHERE m.post_id = p.id)));
INSERT INTO conversations (thread, created_at)
    SELECT thread, MIN(created_at) FROM direct_threads GROUP BY thread ORDER BY MIN(post_id);
INSERT INTO conversation_posts (conversation_id, post_id)
    SELECT c.id, d.post_id FROM direct_threads d JOIN conversations c ON c.thread = d.thread;
DROP TABLE direct_threads;
