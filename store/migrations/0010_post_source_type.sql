-- The format the owner wrote a local post's source in: 'text/plain'
-- (Mastodon's semantics for the client API's status) or 'text/markdown'
-- (the web compose form). An edit renders the new text the same way.
-- Every local post written before this was Markdown; remote posts have no
-- source and keep ''.
ALTER TABLE posts ADD COLUMN source_type TEXT NOT NULL DEFAULT ''
    CHECK (source_type IN ('', 'text/plain', 'text/markdown'));
UPDATE posts SET source_type = 'text/markdown' WHERE local = 1 AND reblog_of_id IS NULL;
