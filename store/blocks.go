package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

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

// BlockedActors pages the accounts the owner blocks, by actor
// id, highest first: blocks have no row id of their own, and Mastodon only
// asks that the Link header cursors work.
func (db *DB) BlockedActors(ctx context.Context, pg Page) ([]Actor, error) {
	owner := db.OwnerID()
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM blocks b JOIN actors a ON a.id = b.blocked_id
		WHERE b.blocker_id = ?`, owner)
	return actors, err
}
