package store

import "context"

// A boost is a post of its own (type Announce) whose reblog_of_id names
// the boosted post.

// BoostOf finds an actor's boost of a post.
func (tx *Tx) BoostOf(ctx context.Context, actorID, postID int64) (Post, error) {
	return postWhere(ctx, txQueryer{tx}, `p.author_id = ? AND p.reblog_of_id = ?`, actorID, postID)
}

// BoostOf finds an actor's boost of a post outside a transaction.
func (db *DB) BoostOf(ctx context.Context, actorID, postID int64) (Post, error) {
	return postWhere(ctx, db.read, `p.author_id = ? AND p.reblog_of_id = ?`, actorID, postID)
}

// RebloggedBy pages the accounts that boosted a post; cursors[i] is the
// id of actors[i]'s boost, which is what Mastodon pages these by.
func (db *DB) RebloggedBy(ctx context.Context, postID int64, pg Page) (actors []Actor, cursors []int64, err error) {
	return db.pagedActors(ctx, pg, "b.id", `SELECT `+prefixed("a.", actorColumns)+`, b.id FROM posts b
		JOIN actors a ON a.id = b.author_id WHERE b.reblog_of_id = ?`, postID)
}
