package store

import (
	"context"
	"fmt"
)

// ListedReplies returns one page of the public and unlisted replies to a
// post, for its replies collection: the owner's own (local) replies or
// everyone else's, by row id after afterID, at most limit. Replies from
// authors or domains the owner blocked are left out.
func (db *DB) ListedReplies(ctx context.Context, uri string, local bool, afterID int64, limit int) ([]Post, error) {
	posts, err := db.queryPostsBatch(ctx, `SELECT `+postColumns+postFrom+`
		WHERE p.in_reply_to_uri = ? AND p.in_reply_to_uri != '' AND p.visibility IN ('public', 'unlisted')
		AND p.local = ? AND p.id > ? AND `+notBlocked("p.author_id", "a.domain")+`
		ORDER BY p.id LIMIT ?`, uri, local, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("listed replies to %s: %w", uri, err)
	}
	return posts, nil
}
