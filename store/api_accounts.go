package store

import (
	"context"
	"fmt"
	"slices"
)

// Reads the Mastodon account and status endpoints need beyond timelines:
// who follows whom a page at a time, who favourited or boosted a post,
// and whether the owner may see one post.

// VisiblePosts says which of some posts viewerID (the owner's actor id,
// or 0 for an anonymous reader) may see, by the rules of visibleToOwner
// and with blocked authors hidden. Posts not stored are absent.
func (db *DB) VisiblePosts(ctx context.Context, viewerID int64, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT p.id, `+visibleToOwner+` AND `+notBlocked("p.author_id", "a.domain")+`
		FROM posts p JOIN actors a ON a.id = p.author_id WHERE p.id IN (`+in+`)`, append([]any{viewerID, viewerID, viewerID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("visible posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var visible bool
		if err := rows.Scan(&id, &visible); err != nil {
			return nil, err
		}
		out[id] = visible
	}
	return out, rows.Err()
}

// pagedActors runs an actor query ("SELECT actor columns, cursor FROM ...
// WHERE cond" without ORDER BY) over one page of cursor column col, newest
// first, and returns the actors with their cursors.
func (db *DB) pagedActors(ctx context.Context, pg Page, col, q string, args ...any) ([]Actor, []int64, error) {
	cond, bargs, ascending := pg.bounds(col)
	order := " DESC"
	if ascending {
		order = " ASC"
	}
	q += " AND " + cond + " ORDER BY " + col + order + " LIMIT ?"
	args = append(append(args, bargs...), clampLimit(pg.Limit))
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("actors: %w", err)
	}
	defer rows.Close()
	var actors []Actor
	var cursors []int64
	for rows.Next() {
		var cursor int64
		a, err := scanActorCursor(rows, &cursor)
		if err != nil {
			return nil, nil, err
		}
		actors = append(actors, a)
		cursors = append(cursors, cursor)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if ascending {
		slices.Reverse(actors)
		slices.Reverse(cursors)
	}
	return actors, cursors, nil
}

// scanActorCursor reads actorColumns followed by one cursor column.
func scanActorCursor(row interface{ Scan(...any) error }, cursor *int64) (Actor, error) {
	return scanActor(withCursor{row, cursor})
}

// withCursor adds a trailing cursor column to a row scan.
type withCursor struct {
	row    interface{ Scan(...any) error }
	cursor *int64
}

func (w withCursor) Scan(dest ...any) error { return w.row.Scan(append(dest, w.cursor)...) }

// FollowersPage pages the accounts that follow followeeID (accepted
// follows), by actor id, highest first. Follows carry no row id of their
// own, so the actor id is the cursor Link headers carry.
func (db *DB) FollowersPage(ctx context.Context, followeeID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM follows f
		JOIN actors a ON a.id = f.follower_id WHERE f.followee_id = ? AND f.state = 'accepted'`, followeeID)
	return actors, err
}

// FollowingPage pages the accounts followerID follows (accepted), by
// actor id, highest first.
func (db *DB) FollowingPage(ctx context.Context, followerID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM follows f
		JOIN actors a ON a.id = f.followee_id WHERE f.follower_id = ? AND f.state = 'accepted'`, followerID)
	return actors, err
}

// FavouritedBy pages the accounts that favourited a post, by actor id.
func (db *DB) FavouritedBy(ctx context.Context, postID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM likes l
		JOIN actors a ON a.id = l.actor_id WHERE l.post_id = ? AND l.emoji = ''`, postID)
	return actors, err
}

// RebloggedBy pages the accounts that boosted a post; cursors[i] is the
// id of actors[i]'s boost, which is what Mastodon pages these by.
func (db *DB) RebloggedBy(ctx context.Context, postID int64, pg Page) (actors []Actor, cursors []int64, err error) {
	return db.pagedActors(ctx, pg, "b.id", `SELECT `+prefixed("a.", actorColumns)+`, b.id FROM posts b
		JOIN actors a ON a.id = b.author_id WHERE b.reblog_of_id = ?`, postID)
}

// CountFollowRequests counts the follow requests awaiting the owner.
func (db *DB) CountFollowRequests(ctx context.Context, localID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM follows WHERE followee_id = ? AND state = 'pending'`, localID).Scan(&n)
	return n, err
}

// BoostOf finds an actor's boost of a post outside a transaction.
func (db *DB) BoostOf(ctx context.Context, actorID, postID int64) (Post, error) {
	return postWhere(ctx, db.read, `p.author_id = ? AND p.reblog_of_id = ?`, actorID, postID)
}
