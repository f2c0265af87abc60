package store

import (
	"context"
	"fmt"
)

// PutBookmark bookmarks a post for the owner; bookmarking twice keeps the
// first bookmark (and its place in the list).
func (tx *Tx) PutBookmark(ctx context.Context, postID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO bookmarks (post_id, created_at) VALUES (?, ?) ON CONFLICT (post_id) DO NOTHING`,
		postID, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("bookmark post %d: %w", postID, err)
	}
	return nil
}

// DeleteBookmark removes a bookmark; removing one that is not there is
// not an error (Mastodon answers 200 either way).
func (tx *Tx) DeleteBookmark(ctx context.Context, postID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM bookmarks WHERE post_id = ?`, postID); err != nil {
		return fmt.Errorf("unbookmark post %d: %w", postID, err)
	}
	return nil
}

// BookmarksPage pages the owner's bookmarks, newest bookmark first.
// cursors[i] is the paging id of posts[i] (a bookmark id).
func (db *DB) BookmarksPage(ctx context.Context, pg Page) (posts []Post, cursors []int64, err error) {
	return db.pagedPosts(ctx, pg, "bm.id", `SELECT `+postColumns+`, bm.id FROM bookmarks bm JOIN posts p ON p.id = bm.post_id
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id WHERE 1`)
}
