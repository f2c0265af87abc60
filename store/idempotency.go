package store

import (
	"context"
	"fmt"
	"time"
)

// PutIdempotencyKey remembers which post an Idempotency-Key made.
func (tx *Tx) PutIdempotencyKey(ctx context.Context, key string, postID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO idempotency_keys (key, post_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET post_id = excluded.post_id, created_at = excluded.created_at`, key, postID, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	return nil
}

// PostForIdempotencyKey returns the id of the post a key made since a
// time (Mastodon honours keys for an hour), or ErrNotFound. It reads in
// the transaction, so a retry racing the first request waits for it.
func (tx *Tx) PostForIdempotencyKey(ctx context.Context, key string, since time.Time) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, `SELECT post_id FROM idempotency_keys WHERE key = ? AND created_at >= ?`, key, unixMilli(since)).Scan(&id)
	if err != nil {
		return 0, notFound(err, "idempotency key")
	}
	return id, nil
}

// DeleteIdempotencyKeysBefore forgets keys older than a time.
func (tx *Tx) DeleteIdempotencyKeysBefore(ctx context.Context, before time.Time) (int, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, unixMilli(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
