package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PutLike records a like (emoji "") or an emoji reaction; it reports
// whether it is new.
func (tx *Tx) PutLike(ctx context.Context, actorID, postID int64, emoji, activityURI string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO likes (actor_id, post_id, emoji, activity_uri, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, actorID, postID, emoji, activityURI, unixMilli(tx.now))
	if err != nil {
		return false, fmt.Errorf("put like: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteLike removes a like (any emoji) by actor and post.
func (tx *Tx) DeleteLike(ctx context.Context, actorID, postID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM likes WHERE actor_id = ? AND post_id = ?`, actorID, postID)
	return err
}

// DeleteLikeByActivity removes the like an activity made; it reports
// whether there was one.
func (tx *Tx) DeleteLikeByActivity(ctx context.Context, actorID int64, activityURI string) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM likes WHERE actor_id = ? AND activity_uri = ?`, actorID, activityURI)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// LikeActivity returns the activity URI of an actor's like of a post.
func (tx *Tx) LikeActivity(ctx context.Context, actorID, postID int64) (string, error) {
	var uri string
	err := tx.queryRow(ctx, `SELECT activity_uri FROM likes WHERE actor_id = ? AND post_id = ? AND emoji = ''`, actorID, postID).Scan(&uri)
	return uri, notFoundOrNil(err, "like")
}

// CountLikes counts the likes of a post.
func (db *DB) CountLikes(ctx context.Context, postID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM likes WHERE post_id = ? AND emoji = ''`, postID).Scan(&n)
	return n, err
}

func notFoundOrNil(err error, what string) error {
	if err == nil {
		return nil
	}
	return notFound(err, what)
}

// PutBlock records a block; it reports whether it is new.
func (tx *Tx) PutBlock(ctx context.Context, blockerID, blockedID int64, activityURI string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO blocks (blocker_id, blocked_id, activity_uri, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, blockerID, blockedID, activityURI, unixMilli(tx.now))
	if err != nil {
		return false, fmt.Errorf("put block: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteBlock removes a block and returns the activity that made it.
func (tx *Tx) DeleteBlock(ctx context.Context, blockerID, blockedID int64) (string, error) {
	var uri string
	err := tx.queryRow(ctx, `DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ? RETURNING activity_uri`, blockerID, blockedID).Scan(&uri)
	return uri, notFoundOrNil(err, "block")
}

// Blocked reports whether blocker blocks blocked.
func (db *DB) Blocked(ctx context.Context, blockerID, blockedID int64) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?`, blockerID, blockedID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// PutDomainBlock blocks a domain; it reports whether it is new.
func (tx *Tx) PutDomainBlock(ctx context.Context, domain string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO domain_blocks (domain, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, domain, unixMilli(tx.now))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteDomainBlock unblocks a domain.
func (tx *Tx) DeleteDomainBlock(ctx context.Context, domain string) error {
	_, err := tx.exec(ctx, `DELETE FROM domain_blocks WHERE domain = ?`, domain)
	return err
}

// DomainBlocks lists blocked domains.
func (db *DB) DomainBlocks(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT domain FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// SeverFollows removes follows both ways between two actors (a block does
// this).
func (tx *Tx) SeverFollows(ctx context.Context, a, b int64) error {
	_, err := tx.exec(ctx, `DELETE FROM follows WHERE (follower_id = ? AND followee_id = ?) OR (follower_id = ? AND followee_id = ?)`, a, b, b, a)
	return err
}

// SeverDomainFollows removes every follow, both ways, between the local
// actor and the actors of a domain.
func (tx *Tx) SeverDomainFollows(ctx context.Context, localID int64, domain string) error {
	_, err := tx.exec(ctx, `DELETE FROM follows WHERE
		(follower_id = ? AND followee_id IN (SELECT id FROM actors WHERE domain = ? COLLATE NOCASE)) OR
		(followee_id = ? AND follower_id IN (SELECT id FROM actors WHERE domain = ? COLLATE NOCASE))`, localID, domain, localID, domain)
	return err
}

// Notification is something the owner is told about.
type Notification struct {
	ID        int64
	Type      string
	ActorID   int64
	PostID    int64
	CreatedAt time.Time
	Read      bool
}

// Notify adds a notification unless the same one exists.
func (tx *Tx) Notify(ctx context.Context, typ string, actorID, postID int64) error {
	var post any
	if postID != 0 {
		post = postID
	}
	_, err := tx.exec(ctx, `INSERT INTO notifications (type, actor_id, post_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		typ, actorID, post, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// Notifications lists notifications, newest first.
func (db *DB) Notifications(ctx context.Context, limit int) ([]Notification, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, type, actor_id, COALESCE(post_id, 0), created_at, read FROM notifications ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var at int64
		if err := rows.Scan(&n.ID, &n.Type, &n.ActorID, &n.PostID, &at, &n.Read); err != nil {
			return nil, err
		}
		n.CreatedAt = fromMilli(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// InsertReport stores a Flag received from another server.
func (tx *Tx) InsertReport(ctx context.Context, actorID int64, activityURI, content string, objects []string) error {
	objs, _ := json.Marshal(nonNil(objects))
	_, err := tx.exec(ctx, `INSERT INTO reports (actor_id, activity_uri, content, objects, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, actorID, activityURI, content, string(objs), unixMilli(tx.now))
	return err
}

// CountReports counts stored reports.
func (db *DB) CountReports(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports`).Scan(&n)
	return n, err
}

// PutPin pins a post URI for an actor; DeletePin unpins.
func (tx *Tx) PutPin(ctx context.Context, actorID int64, postURI string) error {
	_, err := tx.exec(ctx, `INSERT INTO pins (actor_id, post_uri, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, actorID, postURI, unixMilli(tx.now))
	return err
}

// DeletePin unpins a post URI.
func (tx *Tx) DeletePin(ctx context.Context, actorID int64, postURI string) error {
	_, err := tx.exec(ctx, `DELETE FROM pins WHERE actor_id = ? AND post_uri = ?`, actorID, postURI)
	return err
}

// Pins lists an actor's pinned post URIs, newest first.
func (db *DB) Pins(ctx context.Context, actorID int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT post_uri FROM pins WHERE actor_id = ? ORDER BY created_at DESC`, actorID)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// RecordVote stores a vote and bumps the option's count; it reports
// whether the vote is new.
func (tx *Tx) RecordVote(ctx context.Context, postID, actorID int64, position int, uri string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO poll_votes (post_id, actor_id, position, uri) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		postID, actorID, position, uri)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.exec(ctx, `UPDATE poll_options SET votes = votes + 1 WHERE post_id = ? AND position = ?`, postID, position); err != nil {
		return false, err
	}
	_, err = tx.exec(ctx, `UPDATE polls SET voters_count = (SELECT COUNT(DISTINCT actor_id) FROM poll_votes WHERE post_id = ?) WHERE post_id = ?`, postID, postID)
	return true, err
}

// CloseExpiredPolls marks polls ended by now as closed and, in the same
// transaction, notifies the owner (localID) of each one they wrote or
// voted in. It returns how many polls it closed.
func (tx *Tx) CloseExpiredPolls(ctx context.Context, localID int64, at time.Time) (int, error) {
	now := unixMilli(at)
	rows, err := tx.query(ctx, `UPDATE polls SET closed_at = expires_at
		WHERE closed_at = 0 AND expires_at > 0 AND expires_at <= ? RETURNING post_id`, now)
	if err != nil {
		return 0, fmt.Errorf("close polls: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		_, err := tx.exec(ctx, `INSERT INTO notifications (type, actor_id, post_id, created_at)
			SELECT 'poll', p.author_id, p.id, ? FROM posts p WHERE p.id = ? AND (p.author_id = ?
				OR EXISTS (SELECT 1 FROM poll_votes v WHERE v.post_id = p.id AND v.actor_id = ?))
			ON CONFLICT DO NOTHING`, now, id, localID, localID)
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// PollVotesBy returns the options an actor chose in each of some polls,
// keyed by post id.
func (db *DB) PollVotesBy(ctx context.Context, actorID int64, postIDs []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(postIDs) == 0 {
		return out, nil
	}
	ids, _ := json.Marshal(postIDs)
	rows, err := db.read.QueryContext(ctx, `SELECT post_id, position FROM poll_votes
		WHERE actor_id = ? AND post_id IN (SELECT value FROM json_each(?)) ORDER BY post_id, position`, actorID, string(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var post int64
		var pos int
		if err := rows.Scan(&post, &pos); err != nil {
			return nil, err
		}
		out[post] = append(out[post], pos)
	}
	return out, rows.Err()
}
