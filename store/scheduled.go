package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ScheduledStatus is a post the owner asked to publish later. Params is
// the status request as JSON (the server's to define); the store keeps it
// as it is.
type ScheduledStatus struct {
	ID          int64
	ScheduledAt time.Time
	Params      []byte
	MediaIDs    []int64
	CreatedAt   time.Time
}

// CreateScheduledStatus stores a scheduled post and returns its id.
func (tx *Tx) CreateScheduledStatus(ctx context.Context, s ScheduledStatus) (int64, error) {
	media, _ := json.Marshal(nonNil(s.MediaIDs))
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO scheduled_statuses (scheduled_at, params, media_ids, created_at) VALUES (?, ?, ?, ?)`,
		unixMilli(s.ScheduledAt), string(s.Params), string(media), unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("schedule status: %w", err)
	}
	return res.LastInsertId()
}

// RescheduleStatus moves a scheduled post to another time.
func (tx *Tx) RescheduleStatus(ctx context.Context, id int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE scheduled_statuses SET scheduled_at = ? WHERE id = ?`, unixMilli(at), id)
	return affectedOne(res, err, fmt.Sprintf("scheduled status %d", id))
}

// DeleteScheduledStatus cancels a scheduled post (or removes it once
// published).
func (tx *Tx) DeleteScheduledStatus(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM scheduled_statuses WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("scheduled status %d", id))
}

const scheduledColumns = `id, scheduled_at, params, media_ids, created_at`

func scanScheduled(row interface{ Scan(...any) error }) (ScheduledStatus, error) {
	var s ScheduledStatus
	var at, created int64
	var params, media string
	if err := row.Scan(&s.ID, &at, &params, &media, &created); err != nil {
		return ScheduledStatus{}, err
	}
	s.ScheduledAt, s.CreatedAt, s.Params = fromMilli(at), fromMilli(created), []byte(params)
	json.Unmarshal([]byte(media), &s.MediaIDs)
	return s, nil
}

// ScheduledStatusByID returns a scheduled post.
func (db *DB) ScheduledStatusByID(ctx context.Context, id int64) (ScheduledStatus, error) {
	s, err := scanScheduled(db.read.QueryRowContext(ctx, `SELECT `+scheduledColumns+` FROM scheduled_statuses WHERE id = ?`, id))
	if err != nil {
		return ScheduledStatus{}, notFound(err, fmt.Sprintf("scheduled status %d", id))
	}
	return s, nil
}

// ScheduledStatuses pages the scheduled posts by id, newest first.
func (db *DB) ScheduledStatuses(ctx context.Context, pg Page) ([]ScheduledStatus, error) {
	cond, args, ascending := pg.bounds("id")
	order := "DESC"
	if ascending {
		order = "ASC"
	}
	out, err := db.scheduled(ctx, `SELECT `+scheduledColumns+` FROM scheduled_statuses WHERE `+cond+` ORDER BY id `+order+` LIMIT ?`,
		append(args, clampLimit(pg.Limit))...)
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}

// DueScheduledStatuses returns the scheduled posts due at or before at,
// earliest first, for the job that publishes them.
func (db *DB) DueScheduledStatuses(ctx context.Context, at time.Time, limit int) ([]ScheduledStatus, error) {
	return db.scheduled(ctx, `SELECT `+scheduledColumns+` FROM scheduled_statuses WHERE scheduled_at <= ? ORDER BY scheduled_at, id LIMIT ?`,
		unixMilli(at), limit)
}

// CountScheduledBetween counts scheduled posts in [from, to): Mastodon caps
// them per day and in total.
func (db *DB) CountScheduledBetween(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM scheduled_statuses WHERE scheduled_at >= ? AND scheduled_at < ?`,
		unixMilli(from), unixMilli(to)).Scan(&n)
	return n, err
}

func (db *DB) scheduled(ctx context.Context, q string, args ...any) ([]ScheduledStatus, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("scheduled statuses: %w", err)
	}
	defer rows.Close()
	var out []ScheduledStatus
	for rows.Next() {
		s, err := scanScheduled(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
