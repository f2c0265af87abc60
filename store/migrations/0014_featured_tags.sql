-- Hashtags the owner features on their profile (Mastodon's featured tags).
-- They are shown on the profile, answered by the API and federated as the
-- actor's featuredTags collection. How many posts use a tag, and when the
-- last one was made, are counted from post_tags when read, so they never
-- go stale.
CREATE TABLE featured_tags (
    id         INTEGER PRIMARY KEY,
    tag        TEXT    NOT NULL UNIQUE, -- lower case, without '#'
    created_at INTEGER NOT NULL
) STRICT;
