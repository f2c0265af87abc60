-- The owner's custom emoji: an image under the media directory, used as
-- :shortcode: in the owner's posts, name and bio, listed by the client
-- API and federated as Emoji tags.
CREATE TABLE custom_emojis (
    shortcode         TEXT    NOT NULL PRIMARY KEY, -- [A-Za-z0-9_]{2,}, without colons
    path              TEXT    NOT NULL,             -- under the media directory
    content_type      TEXT    NOT NULL,
    category          TEXT    NOT NULL DEFAULT '',
    visible_in_picker INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;

-- The custom emoji a remote actor's name, bio and field values use, as
-- its document's Emoji tags carry them: JSON [{"shortcode":..,"url":..}].
ALTER TABLE actors ADD COLUMN emojis TEXT NOT NULL DEFAULT '[]';

-- The image of a custom emoji reaction (EmojiReact, Misskey's reaction
-- Like), from the activity's Emoji tag; '' for a plain Like or a Unicode
-- emoji.
ALTER TABLE likes ADD COLUMN emoji_url TEXT NOT NULL DEFAULT '';
