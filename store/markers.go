package store

import (
	"context"
	"fmt"
	"time"
)

// Marker is a client's read position in a timeline ("home" or
// "notifications"), shared by all the owner's clients.
type Marker struct {
	Timeline   string
	LastReadID int64
	Version    int // bumped on every save, for clients' conflict checks
	UpdatedAt  time.Time
}

// SetMarker saves a read position and returns the marker as stored.
func (tx *Tx) SetMarker(ctx context.Context, timeline string, lastReadID int64) (Marker, error) {
	m := Marker{Timeline: timeline, LastReadID: lastReadID, UpdatedAt: fromMilli(unixMilli(tx.now))}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO markers (timeline, last_read_id, version, updated_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (timeline) DO UPDATE SET last_read_id = excluded.last_read_id, version = version + 1, updated_at = excluded.updated_at
		RETURNING version`, timeline, lastReadID, unixMilli(tx.now)).Scan(&m.Version)
	if err != nil {
		return Marker{}, fmt.Errorf("set marker %s: %w", timeline, err)
	}
	return m, nil
}

// Markers returns the saved markers of the timelines asked for (all when
// none are named), keyed by timeline; timelines never saved are absent.
func (db *DB) Markers(ctx context.Context, timelines ...string) (map[string]Marker, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT timeline, last_read_id, version, updated_at FROM markers`)
	if err != nil {
		return nil, fmt.Errorf("markers: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, t := range timelines {
		want[t] = true
	}
	out := map[string]Marker{}
	for rows.Next() {
		var m Marker
		var at int64
		if err := rows.Scan(&m.Timeline, &m.LastReadID, &m.Version, &at); err != nil {
			return nil, err
		}
		m.UpdatedAt = fromMilli(at)
		if len(want) == 0 || want[m.Timeline] {
			out[m.Timeline] = m
		}
	}
	return out, rows.Err()
}
