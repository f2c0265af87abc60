package store

import (
	"context"
	"fmt"
	"time"
)

// PostStat is what a Mastodon status shows about a post beyond the post:
// counts, and the owner's own marks on it.
type PostStat struct {
	Replies    int
	Reblogs    int
	Favourites int
	Favourited bool
	Reblogged  bool
	Bookmarked bool
	Muted      bool // its conversation is muted
	Pinned     bool
	Filtered   []int64 // ids of filters naming this post
}

// PostStats returns the stats of many posts in one query, keyed by post
// id; ids not stored are absent. Favourited and Reblogged are the owner's.
func (db *DB) PostStats(ctx context.Context, ids []int64) (map[int64]PostStat, error) {
	owner := db.OwnerID()
	out := make(map[int64]PostStat, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT p.id,
		(SELECT COUNT(*) FROM posts c WHERE c.in_reply_to_uri = p.uri AND c.in_reply_to_uri != ''),
		(SELECT COUNT(*) FROM posts b WHERE b.reblog_of_id = p.id),
		(SELECT COUNT(*) FROM likes l WHERE l.post_id = p.id AND l.emoji = ''),
		EXISTS (SELECT 1 FROM likes l WHERE l.actor_id = ? AND l.post_id = p.id AND l.emoji = ''),
		EXISTS (SELECT 1 FROM posts b WHERE b.reblog_of_id = p.id AND b.author_id = ?),
		EXISTS (SELECT 1 FROM bookmarks bm WHERE bm.post_id = p.id),
		EXISTS (SELECT 1 FROM conversation_mutes cm WHERE cm.conversation = `+conversationKey+`),
		EXISTS (SELECT 1 FROM pins pn WHERE pn.actor_id = p.author_id AND pn.post_uri = p.uri)
		FROM posts p WHERE p.id IN (`+in+`)`, append([]any{owner, owner}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("post stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s PostStat
		if err := rows.Scan(&id, &s.Replies, &s.Reblogs, &s.Favourites, &s.Favourited, &s.Reblogged, &s.Bookmarked, &s.Muted, &s.Pinned); err != nil {
			return nil, err
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.addFilteredPosts(ctx, out, in, args)
}

func (db *DB) addFilteredPosts(ctx context.Context, out map[int64]PostStat, in string, args []any) error {
	rows, err := db.read.QueryContext(ctx, `SELECT post_id, filter_id FROM filter_statuses WHERE post_id IN (`+in+`) ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("filtered posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var postID, filterID int64
		if err := rows.Scan(&postID, &filterID); err != nil {
			return err
		}
		if s, ok := out[postID]; ok {
			s.Filtered = append(s.Filtered, filterID)
			out[postID] = s
		}
	}
	return rows.Err()
}

// AccountStat is what a Mastodon account shows about its activity, as far
// as this server knows it (a remote account's full counts live on its own
// server).
type AccountStat struct {
	Statuses     int // posts and boosts, not direct ones (as Mastodon counts)
	Followers    int
	Following    int
	LastStatusAt time.Time // zero when none
}

// AccountStats returns the stats of many actors in one query, keyed by
// actor id; ids not stored are absent.
func (db *DB) AccountStats(ctx context.Context, ids []int64) (map[int64]AccountStat, error) {
	out := make(map[int64]AccountStat, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT a.id, COALESCE(c.statuses, 0),
		(SELECT COUNT(*) FROM follows f WHERE f.followee_id = a.id AND f.state = 'accepted'),
		(SELECT COUNT(*) FROM follows f WHERE f.follower_id = a.id AND f.state = 'accepted'),
		COALESCE(c.last_status_at, 0)
		FROM actors a LEFT JOIN actor_counts c ON c.actor_id = a.id WHERE a.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("account stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, last int64
		var s AccountStat
		if err := rows.Scan(&id, &s.Statuses, &s.Followers, &s.Following, &last); err != nil {
			return nil, err
		}
		s.LastStatusAt = fromMilliOrZero(last)
		out[id] = s
	}
	return out, rows.Err()
}
