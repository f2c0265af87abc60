package store

import (
	"context"
	"encoding/json"
	"fmt"
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

// CreateOwnReport stores a report the owner files through the client API
// and returns its id. It sits beside received reports (actor_id is the
// owner's, which tells them apart), shaped like a Flag: objects are the
// reported account's URI, then the posts'. id is a URN, not an activity
// anyone was sent: reports are not forwarded.
func (tx *Tx) CreateOwnReport(ctx context.Context, id, comment string, objects []string) (int64, error) {
	owner := tx.ownerID
	objs, _ := json.Marshal(nonNil(objects))
	var rowID int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO reports (actor_id, activity_uri, content, objects, created_at) VALUES (?, ?, ?, ?, ?)
		RETURNING id`, owner, id, comment, string(objs), unixMilli(tx.now)).Scan(&rowID)
	if err != nil {
		return 0, fmt.Errorf("create report: %w", err)
	}
	return rowID, nil
}
