package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

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
// transaction, notifies the owner of each one they wrote or
// voted in. It returns how many polls it closed.
func (tx *Tx) CloseExpiredPolls(ctx context.Context, at time.Time) (int, error) {
	owner := tx.ownerID
	now := unixMilli(at)
	rows, err := tx.query(ctx, `UPDATE polls SET closed_at = expires_at
		WHERE closed_at = 0 AND expires_at > 0 AND expires_at <= ? RETURNING post_id`, now)
	if err != nil {
		return 0, fmt.Errorf("close polls: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("close polls: %w", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("close polls: %w", err)
	}
	for _, id := range ids {
		_, err := tx.exec(ctx, `INSERT INTO notifications (type, actor_id, post_id, created_at)
			SELECT 'poll', p.author_id, p.id, ? FROM posts p WHERE p.id = ? AND (p.author_id = ?
				OR EXISTS (SELECT 1 FROM poll_votes v WHERE v.post_id = p.id AND v.actor_id = ?))
			ON CONFLICT DO NOTHING`, now, id, owner, owner)
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// OwnPollVotes returns the options the owner chose in each of some polls,
// keyed by post id.
func (db *DB) OwnPollVotes(ctx context.Context, postIDs []int64) (map[int64][]int, error) {
	out := map[int64][]int{}
	if len(postIDs) == 0 {
		return out, nil
	}
	ids, _ := json.Marshal(postIDs)
	rows, err := db.read.QueryContext(ctx, `SELECT post_id, position FROM poll_votes
		WHERE actor_id = ? AND post_id IN (SELECT value FROM json_each(?)) ORDER BY post_id, position`, db.OwnerID(), string(ids))
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
