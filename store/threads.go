package store

import (
	"context"
	"fmt"
)

// maxThreadDepth bounds the walks up and down a thread, so a loop in
// reply links (a post answering itself, or two answering each other)
// cannot run away.
const maxThreadDepth = 256

// Ancestors returns the stored posts a post replies to, up the thread,
// oldest (the root) first, at most max of them (the nearest ones). Only
// posts viewerID may see are returned (0: an anonymous reader; see
// AccountOptions.ViewerID); a hidden one is skipped, not a stop.
func (db *DB) Ancestors(ctx context.Context, viewerID, postID int64, max int) ([]Post, error) {
	posts, err := db.queryPostsBatch(ctx, `WITH RECURSIVE up (id, depth) AS (
			SELECT in_reply_to_id, 1 FROM posts WHERE id = ? AND in_reply_to_id IS NOT NULL
			UNION ALL
			SELECT p.in_reply_to_id, up.depth + 1 FROM posts p JOIN up ON p.id = up.id
			WHERE p.in_reply_to_id IS NOT NULL AND up.depth < ?)
		SELECT `+postColumns+` FROM up JOIN posts p ON p.id = up.id
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id
		WHERE `+visibleToOwner+` AND `+notBlocked("p.author_id", "a.domain")+`
		ORDER BY up.depth LIMIT ?`, postID, maxThreadDepth, viewerID, viewerID, viewerID, max)
	if err != nil {
		return nil, fmt.Errorf("ancestors of %d: %w", postID, err)
	}
	// Read nearest first so LIMIT keeps the nearest; show root first.
	for i, j := 0, len(posts)-1; i < j; i, j = i+1, j-1 {
		posts[i], posts[j] = posts[j], posts[i]
	}
	return posts, nil
}

// Descendants returns the stored replies to a post and their replies, in
// thread order (depth first, siblings by arrival), at most max of them.
// Only posts viewerID may see are returned, and a hidden post hides its
// replies too.
func (db *DB) Descendants(ctx context.Context, viewerID int64, postURI string, max int) ([]Post, error) {
	// path orders the tree depth first: each level appends the post id,
	// zero-padded so that text order is numeric order.
	posts, err := db.queryPostsBatch(ctx, `WITH RECURSIVE down (id, uri, path, depth) AS (
			SELECT p.id, p.uri, printf('%020d', p.id), 1 FROM posts p
			JOIN actors a ON a.id = p.author_id
			WHERE p.in_reply_to_uri = ? AND p.in_reply_to_uri != '' AND p.uri != ? AND `+visibleToOwner+` AND `+notBlocked("p.author_id", "a.domain")+`
			UNION ALL
			SELECT p.id, p.uri, down.path || printf('%020d', p.id), down.depth + 1 FROM down
			JOIN posts p ON p.in_reply_to_uri = down.uri AND p.in_reply_to_uri != ''
			JOIN actors a ON a.id = p.author_id
			WHERE down.depth < ? AND `+visibleToOwner+` AND `+notBlocked("p.author_id", "a.domain")+`)
		SELECT `+postColumns+` FROM down JOIN posts p ON p.id = down.id
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id
		ORDER BY down.path LIMIT ?`, postURI, postURI, viewerID, viewerID, viewerID, maxThreadDepth, viewerID, viewerID, viewerID, max)
	if err != nil {
		return nil, fmt.Errorf("descendants of %s: %w", postURI, err)
	}
	return posts, nil
}
