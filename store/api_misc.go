package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Small reads the Mastodon client API needs: actors by id in one query,
// the owner's blocks and follow requests a page at a time, and the
// domains kith knows.

// ActorsByIDs returns the stored actors among ids, in the order of ids
// (ids not stored are skipped).
func (db *DB) ActorsByIDs(ctx context.Context, ids []int64) ([]Actor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := int64s(ids)
	found, err := db.actorList(ctx, `SELECT `+actorColumns+` FROM actors WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("actors by ids: %w", err)
	}
	byID := make(map[int64]Actor, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]Actor, 0, len(found))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
			delete(byID, id) // once, even if ids repeats it
		}
	}
	return out, nil
}

// actorsByIDPage runs an actor query ("SELECT actor columns FROM ... WHERE
// cond" without ORDER BY) over one page of actor ids, highest first.
func (db *DB) actorsByIDPage(ctx context.Context, pg Page, q string, args ...any) ([]Actor, error) {
	cond, bargs, ascending := pg.bounds("a.id")
	order := " DESC"
	if ascending {
		order = " ASC"
	}
	out, err := db.actorList(ctx, q+` AND `+cond+` ORDER BY a.id`+order+` LIMIT ?`, append(append(args, bargs...), clampLimit(pg.Limit))...)
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}

// BlockedActors pages the accounts the owner (localID) blocks, by actor
// id, highest first: blocks have no row id of their own, and Mastodon only
// asks that the Link header cursors work.
func (db *DB) BlockedActors(ctx context.Context, localID int64, pg Page) ([]Actor, error) {
	return db.actorsByIDPage(ctx, pg, `SELECT `+prefixed("a.", actorColumns)+` FROM blocks b JOIN actors a ON a.id = b.blocked_id
		WHERE b.blocker_id = ?`, localID)
}

// FollowRequests pages the accounts waiting for the owner (localID) to
// accept their follow, by actor id, highest first.
func (db *DB) FollowRequests(ctx context.Context, localID int64, pg Page) ([]Actor, error) {
	return db.actorsByIDPage(ctx, pg, `SELECT `+prefixed("a.", actorColumns)+` FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = 'pending'`, localID)
}

// KnownDomains lists the domains of the remote actors kith has stored,
// alphabetically, leaving out blocked ones (Mastodon's instance peers).
func (db *DB) KnownDomains(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT a.domain FROM actors a WHERE a.local = 0 AND a.domain != ''
		AND NOT EXISTS (SELECT 1 FROM domain_blocks d WHERE d.domain = a.domain) ORDER BY a.domain`)
	if err != nil {
		return nil, fmt.Errorf("known domains: %w", err)
	}
	return scanStrings(rows)
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

// CreateOwnReport stores a report the owner files through the client API
// and returns its id. It sits beside received reports (actor_id is the
// owner's, which tells them apart), shaped like a Flag: objects are the
// reported account's URI, then the posts'. id is a URN, not an activity
// anyone was sent: reports are not forwarded.
func (tx *Tx) CreateOwnReport(ctx context.Context, localID int64, id, comment string, objects []string) (int64, error) {
	objs, _ := json.Marshal(nonNil(objects))
	var rowID int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO reports (actor_id, activity_uri, content, objects, created_at) VALUES (?, ?, ?, ?, ?)
		RETURNING id`, localID, id, comment, string(objs), unixMilli(tx.now)).Scan(&rowID)
	if err != nil {
		return 0, fmt.Errorf("create report: %w", err)
	}
	return rowID, nil
}
