-- Link preview cards: what a web page says about itself (OpenGraph,
-- Twitter card tags, oEmbed), fetched in the background for the first
-- link of a post and kept per URL, so that many posts linking one page
-- fetch it once. A row with found = 0 records that the page had nothing
-- to show, so it is not fetched again before it is stale. Every text
-- field was normalised when the page was parsed; image_url is the
-- remote image, served through the remote media cache.
CREATE TABLE preview_cards (
    id                INTEGER PRIMARY KEY,
    url               TEXT    NOT NULL UNIQUE, -- the link as the post has it
    found             INTEGER NOT NULL DEFAULT 1,
    card_url          TEXT    NOT NULL DEFAULT '', -- the page's own URL (og:url, canonical)
    type              TEXT    NOT NULL DEFAULT 'link' CHECK (type IN ('link', 'photo', 'video', 'rich')),
    title             TEXT    NOT NULL DEFAULT '',
    description       TEXT    NOT NULL DEFAULT '',
    author_name       TEXT    NOT NULL DEFAULT '',
    author_url        TEXT    NOT NULL DEFAULT '',
    provider_name     TEXT    NOT NULL DEFAULT '',
    provider_url      TEXT    NOT NULL DEFAULT '',
    html              TEXT    NOT NULL DEFAULT '', -- sanitized, never an iframe
    width             INTEGER NOT NULL DEFAULT 0,
    height            INTEGER NOT NULL DEFAULT 0,
    image_url         TEXT    NOT NULL DEFAULT '',
    image_description TEXT    NOT NULL DEFAULT '',
    embed_url         TEXT    NOT NULL DEFAULT '',
    creator           TEXT    NOT NULL DEFAULT '', -- fediverse:creator, user@host
    published_at      INTEGER NOT NULL DEFAULT 0,
    fetched_at        INTEGER NOT NULL
) STRICT;

-- The card each post shows: one per post, the card of its first link.
CREATE TABLE post_cards (
    post_id INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    card_id INTEGER NOT NULL REFERENCES preview_cards (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX post_cards_card ON post_cards (card_id);
