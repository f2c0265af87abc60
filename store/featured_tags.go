package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FeaturedTag is a hashtag the owner features on their profile, with how
// many of the owner's public and unlisted posts use it and when the last
// of them was published (zero when none).
type FeaturedTag struct {
	ID            int64
	Name          string // lower case, without '#'
	StatusesCount int
	LastStatusAt  time.Time
	CreatedAt     time.Time
}

// MaxFeaturedTags is how many hashtags the owner may feature, as
// Mastodon.
const MaxFeaturedTags = 10

// ErrTooMany is returned when adding one more of something would pass its
// limit.
var ErrTooMany = errors.New("limit reached")

// featuredTagColumns counts the owner's listed posts (not boosts) that use
// each featured tag; its one argument is the owner's actor id.
const featuredTagColumns = `SELECT f.id, f.tag, f.created_at, COUNT(p.id), COALESCE(MAX(p.published_at), 0)
	FROM featured_tags f
	LEFT JOIN post_tags t ON t.tag = f.tag
	LEFT JOIN posts p ON p.id = t.post_id AND p.local = 1 AND p.reblog_of_id IS NULL
		AND p.visibility IN ('public', 'unlisted') AND p.author_id = ?
	`

// FeaturedTags lists the owner's featured hashtags, the most used first
// (Mastodon's order), then by name.
func (db *DB) FeaturedTags(ctx context.Context) ([]FeaturedTag, error) {
	rows, err := db.read.QueryContext(ctx, featuredTagColumns+`GROUP BY f.id ORDER BY COUNT(p.id) DESC, f.tag`, db.OwnerID())
	if err != nil {
		return nil, fmt.Errorf("featured tags: %w", err)
	}
	defer rows.Close()
	var out []FeaturedTag
	for rows.Next() {
		ft, err := scanFeaturedTag(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ft)
	}
	return out, rows.Err()
}

// FeaturedTag returns one featured hashtag by id.
func (db *DB) FeaturedTag(ctx context.Context, id int64) (FeaturedTag, error) {
	ft, err := scanFeaturedTag(db.read.QueryRowContext(ctx, featuredTagColumns+`WHERE f.id = ? GROUP BY f.id`, db.OwnerID(), id))
	if err != nil {
		return FeaturedTag{}, notFound(err, fmt.Sprintf("featured tag %d", id))
	}
	return ft, nil
}

func scanFeaturedTag(row interface{ Scan(...any) error }) (FeaturedTag, error) {
	var ft FeaturedTag
	var created, last int64
	if err := row.Scan(&ft.ID, &ft.Name, &created, &ft.StatusesCount, &last); err != nil {
		return FeaturedTag{}, err
	}
	ft.CreatedAt = fromMilli(created)
	if last != 0 {
		ft.LastStatusAt = fromMilli(last)
	}
	return ft, nil
}

// AddFeaturedTag features a hashtag (any case, '#' optional; the caller
// has checked it is a hashtag name) and returns its id. Featuring a tag
// already featured returns its id and ErrExists; a tag past
// MaxFeaturedTags returns ErrTooMany.
func (tx *Tx) AddFeaturedTag(ctx context.Context, name string) (int64, error) {
	name = normalizeTag(name)
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM featured_tags WHERE tag = ?`, name).Scan(&id)
	switch {
	case err == nil:
		return id, fmt.Errorf("featured tag %s: %w", name, ErrExists)
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM featured_tags`).Scan(&n); err != nil {
		return 0, err
	}
	if n >= MaxFeaturedTags {
		return 0, fmt.Errorf("featured tag %s: at most %d: %w", name, MaxFeaturedTags, ErrTooMany)
	}
	res, err := tx.exec(ctx, `INSERT INTO featured_tags (tag, created_at) VALUES (?, ?)`, name, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("feature tag %s: %w", name, err)
	}
	// A tag featured before any post used it still gets a tag id, as a
	// followed one does.
	if _, err := tx.exec(ctx, `INSERT INTO tags (name, first_seen) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, unixMilli(tx.now)); err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// DeleteFeaturedTag stops featuring a hashtag; ErrNotFound when id is not
// featured.
func (tx *Tx) DeleteFeaturedTag(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM featured_tags WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("unfeature tag %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("featured tag %d: %w", id, ErrNotFound)
	}
	return nil
}

// MostUsedTags returns the hashtags of the owner's own posts (any
// visibility, not boosts), the most used first, leaving out those already
// featured: what the owner may want to feature next.
func (db *DB) MostUsedTags(ctx context.Context, limit int) ([]Tag, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT g.id, g.name FROM post_tags t
		JOIN posts p ON p.id = t.post_id
		JOIN tags g ON g.name = t.tag
		WHERE p.local = 1 AND p.reblog_of_id IS NULL AND p.author_id = ?
			AND t.tag NOT IN (SELECT tag FROM featured_tags)
		GROUP BY g.id ORDER BY COUNT(*) DESC, MAX(p.published_at) DESC, g.name LIMIT ?`, db.OwnerID(), clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("most used tags: %w", err)
	}
	defer rows.Close()
	var out []Tag
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
