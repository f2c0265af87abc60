package store

import (
	"context"
	"fmt"
	"time"
)

// WeekActivity is one week of the instance's activity, as Mastodon's
// /api/v1/instance/activity reports it.
type WeekActivity struct {
	Start    time.Time // Monday 00:00 UTC
	Statuses int       // the owner's own posts published that week (not boosts)
	// SignedIn is whether the owner was seen that week: kith keeps when a
	// web session or an access token was made and last used (not every
	// use), and the owner's posts, so a week counts when one of those
	// falls in it. Past uses of a session later renewed are not kept.
	SignedIn bool
}

// WeekStart is the Monday 00:00 UTC that begins t's week (Mastodon's
// weeks begin on Monday).
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// WeeklyActivity returns the activity of weeks weeks, newest first, the
// first being the week that holds now.
func (db *DB) WeeklyActivity(ctx context.Context, now time.Time, weeks int) ([]WeekActivity, error) {
	out := make([]WeekActivity, 0, weeks)
	start := WeekStart(now)
	for range weeks {
		from, to := unixMilli(start), unixMilli(start.AddDate(0, 0, 7))
		w := WeekActivity{Start: start}
		err := db.read.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM posts WHERE author_id = ?1 AND local = 1 AND reblog_of_id IS NULL
				AND published_at >= ?2 AND published_at < ?3),
			EXISTS (SELECT 1 FROM sessions WHERE (created_at >= ?2 AND created_at < ?3) OR (seen_at >= ?2 AND seen_at < ?3))
			OR EXISTS (SELECT 1 FROM oauth_tokens WHERE (created_at >= ?2 AND created_at < ?3) OR (last_used_at >= ?2 AND last_used_at < ?3))`,
			db.OwnerID(), from, to).Scan(&w.Statuses, &w.SignedIn)
		if err != nil {
			return nil, fmt.Errorf("activity of week %s: %w", start.Format(time.DateOnly), err)
		}
		w.SignedIn = w.SignedIn || w.Statuses > 0
		out = append(out, w)
		start = start.AddDate(0, 0, -7)
	}
	return out, nil
}
