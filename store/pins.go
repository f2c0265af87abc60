package store

import (
	"context"
)

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
