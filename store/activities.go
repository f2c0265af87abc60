package store

import (
	"context"
	"fmt"
	"time"
)

// Activity is an activity kith sent, as sent.
type Activity struct {
	ID        int64
	URI       string
	Type      string
	ObjectURI string
	Public    bool
	Body      []byte
	CreatedAt time.Time
	// PublishedAt is set, when inserting, only for an activity that
	// happened in the past (an imported post's Create).
	PublishedAt time.Time
}

// InsertActivity stores an outgoing activity and returns its row id. Row
// ids are time-based like post ids (postids.go) because they order the
// outbox; an activity with PublishedAt set (the Create of an imported
// post) gets one from that past time, so it is listed among its own.
func (tx *Tx) InsertActivity(ctx context.Context, a Activity) (int64, error) {
	var rowID int64
	var err error
	if a.PublishedAt.IsZero() {
		rowID, err = tx.newActivityRowID(ctx)
	} else {
		rowID, err = tx.importedID(ctx, takenActivityIDs, a.PublishedAt)
	}
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.queryRow(ctx, `INSERT INTO activities (id, uri, type, object_uri, public, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (uri) DO UPDATE SET body = excluded.body RETURNING id`,
		rowID, a.URI, a.Type, a.ObjectURI, a.Public, a.Body, unixMilli(tx.now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert activity %s: %w", a.URI, err)
	}
	return id, nil
}

const activityColumns = `id, uri, type, object_uri, public, body, created_at`

func scanActivity(row interface{ Scan(...any) error }) (Activity, error) {
	var a Activity
	var at int64
	err := row.Scan(&a.ID, &a.URI, &a.Type, &a.ObjectURI, &a.Public, &a.Body, &at)
	a.CreatedAt = fromMilli(at)
	return a, err
}

// ActivityByID returns a sent activity.
func (db *DB) ActivityByID(ctx context.Context, id int64) (Activity, error) {
	a, err := scanActivity(db.read.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE id = ?`, id))
	if err != nil {
		return Activity{}, notFound(err, fmt.Sprintf("activity %d", id))
	}
	return a, nil
}

// ActivityByURI returns a sent activity by its id URI.
func (db *DB) ActivityByURI(ctx context.Context, uri string) (Activity, error) {
	a, err := scanActivity(db.read.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE uri = ?`, uri))
	if err != nil {
		return Activity{}, notFound(err, "activity "+uri)
	}
	return a, nil
}

// LatestActivityFor returns the newest sent activity of a type about an
// object (for example the Announce to undo).
func (tx *Tx) LatestActivityFor(ctx context.Context, typ, objectURI string) (Activity, error) {
	a, err := scanActivity(tx.queryRow(ctx, `SELECT `+activityColumns+` FROM activities WHERE type = ? AND object_uri = ? ORDER BY id DESC LIMIT 1`, typ, objectURI))
	if err != nil {
		return Activity{}, notFound(err, typ+" of "+objectURI)
	}
	return a, nil
}

// OutboxActivities pages the public activities, newest first; beforeID 0
// means from the newest.
func (db *DB) OutboxActivities(ctx context.Context, beforeID int64, limit int) ([]Activity, error) {
	if beforeID == 0 {
		beforeID = 1 << 62
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE public = 1 AND id < ? ORDER BY id DESC LIMIT ?`, beforeID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountOutbox counts the public activities.
func (db *DB) CountOutbox(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM activities WHERE public = 1`).Scan(&n)
	return n, err
}

// HidePublicActivities takes activities about an object out of the outbox
// (after the object is deleted).
func (tx *Tx) HidePublicActivities(ctx context.Context, objectURI string) error {
	_, err := tx.exec(ctx, `UPDATE activities SET public = 0 WHERE object_uri = ?`, objectURI)
	return err
}
