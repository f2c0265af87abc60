package store

import (
	"context"
	"encoding/json"
)

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
