package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

func normalizeTag(tag string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(tag), "#"))
}

// TagByName returns a hashtag kith has seen (any case, '#' optional).
func (db *DB) TagByName(ctx context.Context, name string) (Tag, error) {
	var t Tag
	err := db.read.QueryRowContext(ctx, `SELECT id, name FROM tags WHERE name = ?`, normalizeTag(name)).Scan(&t.ID, &t.Name)
	if err != nil {
		return Tag{}, notFound(err, "tag "+name)
	}
	return t, nil
}

// FollowTag follows a hashtag: its public posts join the home timeline.
func (tx *Tx) FollowTag(ctx context.Context, tag string) error {
	tag = normalizeTag(tag)
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO followed_tags (tag, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, tag, unixMilli(tx.now)); err != nil {
		return fmt.Errorf("follow tag %s: %w", tag, err)
	}
	// A tag followed before any post used it still gets an id.
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO tags (name, first_seen) VALUES (?, ?) ON CONFLICT DO NOTHING`, tag, unixMilli(tx.now))
	return err
}

// UnfollowTag stops following a hashtag.
func (tx *Tx) UnfollowTag(ctx context.Context, tag string) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM followed_tags WHERE tag = ?`, normalizeTag(tag))
	return err
}

// FollowedTag is a followed hashtag; ID is its paging cursor.
type FollowedTag struct {
	ID        int64
	Tag       Tag
	CreatedAt time.Time
}

// FollowedTags pages the followed hashtags, newest first.
func (db *DB) FollowedTags(ctx context.Context, pg Page) ([]FollowedTag, error) {
	cond, args, ascending := pg.bounds("f.id")
	order := "DESC"
	if ascending {
		order = "ASC"
	}
	rows, err := db.read.QueryContext(ctx, `SELECT f.id, t.id, t.name, f.created_at FROM followed_tags f JOIN tags t ON t.name = f.tag
		WHERE `+cond+` ORDER BY f.id `+order+` LIMIT ?`, append(args, clampLimit(pg.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("followed tags: %w", err)
	}
	defer rows.Close()
	var out []FollowedTag
	for rows.Next() {
		var f FollowedTag
		var at int64
		if err := rows.Scan(&f.ID, &f.Tag.ID, &f.Tag.Name, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromMilli(at)
		out = append(out, f)
	}
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// TagsFollowed reports which of some hashtags the owner follows.
func (db *DB) TagsFollowed(ctx context.Context, tags []string) (map[string]bool, error) {
	out := make(map[string]bool, len(tags))
	if len(tags) == 0 {
		return out, nil
	}
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = normalizeTag(t)
	}
	in, args := stringsIn(names)
	rows, err := db.read.QueryContext(ctx, `SELECT tag FROM followed_tags WHERE tag IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("tags followed: %w", err)
	}
	found, err := scanStrings(rows)
	for _, n := range found {
		out[n] = true
	}
	return out, err
}

// TagDay is one day of a hashtag's use: posts and distinct authors.
type TagDay struct {
	Day      time.Time // start of the UTC day
	Uses     int
	Accounts int
}

// TagHistory counts a hashtag's posts and authors per UTC day, for the
// last days days including today, newest first (Mastodon's tag history).
func (db *DB) TagHistory(ctx context.Context, tag string, days int) ([]TagDay, error) {
	const day = 24 * time.Hour
	today := db.now().UTC().Truncate(day)
	since := today.Add(-time.Duration(days-1) * day)
	rows, err := db.read.QueryContext(ctx, `SELECT p.published_at / 86400000, COUNT(*), COUNT(DISTINCT p.author_id)
		FROM post_tags t JOIN posts p ON p.id = t.post_id
		WHERE t.tag = ? AND p.published_at >= ? AND p.visibility IN ('public', 'unlisted') GROUP BY 1`, normalizeTag(tag), unixMilli(since))
	if err != nil {
		return nil, fmt.Errorf("tag history: %w", err)
	}
	defer rows.Close()
	counts := map[int64]TagDay{}
	for rows.Next() {
		var d int64
		var td TagDay
		if err := rows.Scan(&d, &td.Uses, &td.Accounts); err != nil {
			return nil, err
		}
		counts[d] = td
	}
	out := make([]TagDay, 0, days)
	for d := today; !d.Before(since); d = d.Add(-day) {
		td := counts[d.Unix()/86400]
		td.Day = d
		out = append(out, td)
	}
	return out, rows.Err()
}

// TagQuery selects public posts by hashtags (lower case or not, '#'
// optional), as GET /api/v1/timelines/tag does: any of Any, all of All,
// none of None.
type TagQuery struct {
	Any, All, None []string
	Local, Remote  bool // only local or only remote posts; both or neither: all
	OnlyMedia      bool
}

// TagsTimeline pages the public posts a TagQuery selects, newest first,
// leaving out what the owner mutes or blocks.
func (db *DB) TagsTimeline(ctx context.Context, tq TagQuery, pg Page) ([]Post, error) {
	norm := func(tags []string) []string {
		out := make([]string, 0, len(tags))
		for _, t := range tags {
			if t = normalizeTag(t); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	anyTags := norm(tq.Any)
	if len(anyTags) == 0 {
		return nil, nil
	}
	in, args := stringsIn(anyTags)
	q := pageColumns + `WHERE p.id IN (SELECT post_id FROM post_tags WHERE tag IN (` + in + `))
		AND p.visibility = 'public' AND p.reblog_of_id IS NULL AND ` + notMuted("p.author_id") + ` AND ` + notBlocked("p.author_id", "a.domain")
	args = append(args, unixMilli(db.now()))
	for _, t := range norm(tq.All) {
		q += ` AND EXISTS (SELECT 1 FROM post_tags x WHERE x.post_id = p.id AND x.tag = ?)`
		args = append(args, t)
	}
	if none := norm(tq.None); len(none) > 0 {
		nin, nargs := stringsIn(none)
		q += ` AND NOT EXISTS (SELECT 1 FROM post_tags x WHERE x.post_id = p.id AND x.tag IN (` + nin + `))`
		args = append(args, nargs...)
	}
	q += localRemote(tq.Local, tq.Remote) + mediaOnly(tq.OnlyMedia)
	posts, _, err := db.pagedPosts(ctx, pg, "p.id", q, args...)
	return posts, err
}
