-- Quote posts (FEP-044f, and the older quoteUrl / _misskey_quote /
-- quoteUri forms). A post quotes at most one other post; the row says
-- which, and whether the quoted post's author allowed it.
CREATE TABLE quotes (
    post_id           INTEGER PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    quoted_uri        TEXT    NOT NULL,
    quoted_id         INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'revoked', 'deleted', 'unauthorized')),
    authorization_uri TEXT    NOT NULL DEFAULT '', -- the QuoteAuthorization stamp, when there is one
    request_uri       TEXT    NOT NULL DEFAULT '', -- the QuoteRequest kith sent for an owner's quote
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX quotes_quoted ON quotes (quoted_id, post_id) WHERE quoted_id IS NOT NULL;
CREATE INDEX quotes_quoted_uri ON quotes (quoted_uri);
CREATE INDEX quotes_request ON quotes (request_uri) WHERE request_uri != '';
CREATE INDEX quotes_authorization ON quotes (authorization_uri) WHERE authorization_uri != '';

-- The stamps kith gave out: permissions for a remote post to quote one of
-- the owner's posts, served at their id until revoked.
CREATE TABLE quote_authorizations (
    id          INTEGER PRIMARY KEY,
    quoted_id   INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    quoting_uri TEXT    NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    request_uri TEXT    NOT NULL DEFAULT '',
    revoked_at  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    UNIQUE (quoted_id, quoting_uri)
) STRICT;
CREATE INDEX quote_authorizations_quoting ON quote_authorizations (quoting_uri);

-- Who may quote a post: public, followers or nobody; '' when unknown (a
-- remote post that says nothing). The owner's posts always have one.
ALTER TABLE posts ADD COLUMN quote_policy TEXT NOT NULL DEFAULT '';
