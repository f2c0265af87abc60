package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// AccountEntry is an account in one of the owner's lists (follows,
// followers, blocks, mutes, lists), with what the export writes about it.
type AccountEntry struct {
	ActorID           int64
	URI               string
	Username          string
	Domain            string
	ShowReblogs       bool     // follows
	Notify            bool     // follows
	Languages         []string // follows
	HideNotifications bool     // mutes
	List              string   // lists: the list's title
}

// Handle is user@domain, the "Account address" of Mastodon's CSVs.
func (e AccountEntry) Handle() string { return e.Username + "@" + e.Domain }

func (db *DB) accountEntries(ctx context.Context, q string, scan func(*AccountEntry) []any, args ...any) ([]AccountEntry, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccountEntry
	for rows.Next() {
		var e AccountEntry
		dest := []any{&e.ActorID, &e.URI, &e.Username, &e.Domain}
		if scan != nil {
			dest = append(dest, scan(&e)...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FollowingEntries lists the accounts the owner follows (accepted), with
// their options, oldest follow first.
func (db *DB) FollowingEntries(ctx context.Context) ([]AccountEntry, error) {
	owner := db.OwnerID()
	langs := make([]string, 0)
	out, err := db.accountEntries(ctx, `SELECT a.id, a.uri, a.username, a.domain,
		COALESCE(o.show_reblogs, 1), COALESCE(o.notify, 0), COALESCE(o.languages, '[]')
		FROM follows f JOIN actors a ON a.id = f.followee_id LEFT JOIN follow_options o ON o.followee_id = f.followee_id
		WHERE f.follower_id = ? AND f.state = 'accepted' ORDER BY f.created_at, a.id`,
		func(e *AccountEntry) []any { return []any{&e.ShowReblogs, &e.Notify, jsonStrings{&e.Languages}} }, owner)
	for i := range out {
		if out[i].Languages == nil {
			out[i].Languages = langs
		}
	}
	return out, err
}

// jsonStrings scans a JSON array of strings.
type jsonStrings struct{ dst *[]string }

func (j jsonStrings) Scan(v any) error {
	var b []byte
	switch s := v.(type) {
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("json strings: unexpected %T", v)
	}
	return json.Unmarshal(b, j.dst)
}

// FollowerEntries lists the owner's accepted followers.
func (db *DB) FollowerEntries(ctx context.Context) ([]AccountEntry, error) {
	owner := db.OwnerID()
	return db.accountEntries(ctx, `SELECT a.id, a.uri, a.username, a.domain FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = 'accepted' ORDER BY f.created_at, a.id`, nil, owner)
}

// BlockEntries lists the accounts the owner blocks.
func (db *DB) BlockEntries(ctx context.Context) ([]AccountEntry, error) {
	owner := db.OwnerID()
	return db.accountEntries(ctx, `SELECT a.id, a.uri, a.username, a.domain FROM blocks b JOIN actors a ON a.id = b.blocked_id
		WHERE b.blocker_id = ? ORDER BY b.created_at, a.id`, nil, owner)
}

// MuteEntries lists the accounts the owner mutes.
func (db *DB) MuteEntries(ctx context.Context) ([]AccountEntry, error) {
	return db.accountEntries(ctx, `SELECT a.id, a.uri, a.username, a.domain, m.hide_notifications FROM mutes m JOIN actors a ON a.id = m.actor_id
		ORDER BY m.id`, func(e *AccountEntry) []any { return []any{&e.HideNotifications} })
}

// ListEntries lists every list membership, by list then member.
func (db *DB) ListEntries(ctx context.Context) ([]AccountEntry, error) {
	return db.accountEntries(ctx, `SELECT a.id, a.uri, a.username, a.domain, l.title FROM list_accounts la
		JOIN lists l ON l.id = la.list_id JOIN actors a ON a.id = la.actor_id ORDER BY l.id, a.id`,
		func(e *AccountEntry) []any { return []any{&e.List} })
}

// BookmarkURIs lists the URIs of the owner's bookmarked posts, oldest
// bookmark first.
func (db *DB) BookmarkURIs(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.uri FROM bookmarks b JOIN posts p ON p.id = b.post_id ORDER BY b.id`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// FavouriteURIs lists the URIs of the posts the owner favourited.
func (db *DB) FavouriteURIs(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.uri FROM favourites f JOIN posts p ON p.id = f.post_id ORDER BY f.id`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// PostsOfAfter pages an author's posts and boosts by id, oldest first,
// with their parts: keyset paging, so reading all of them costs the same
// per page however many there are.
func (db *DB) PostsOfAfter(ctx context.Context, authorID, afterID int64, limit int) ([]Post, error) {
	return db.queryPostsBatch(ctx, `SELECT `+postColumns+postFrom+`WHERE p.author_id = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
		authorID, afterID, limit)
}

// CountPostsOf counts an author's posts and boosts, direct ones included.
func (db *DB) CountPostsOf(ctx context.Context, authorID int64) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE author_id = ?`, authorID).Scan(&n)
	return n, err
}

// MediaRef is an attachment of one of an author's posts.
type MediaRef struct {
	ID  int64
	URL string
}

// AttachmentsOfAfter pages the attachments of an author's posts by id.
func (db *DB) AttachmentsOfAfter(ctx context.Context, authorID, afterID int64, limit int) ([]MediaRef, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT at.id, at.url FROM attachments at JOIN posts p ON p.id = at.post_id
		WHERE p.author_id = ? AND at.id > ? ORDER BY at.id LIMIT ?`, authorID, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MediaRef
	for rows.Next() {
		var m MediaRef
		if err := rows.Scan(&m.ID, &m.URL); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
