package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Page selects a page the way the Mastodon API does. Ids are row ids of
// what is paged (posts for timelines, bookmarks for bookmarks, …), so they
// follow arrival order.
//
//   - MaxID: only items older than it (the next page down).
//   - SinceID: only items newer than it, the newest of them (a gap may be
//     left between it and the page).
//   - MinID: only items newer than it, those right after it (no gap); the
//     page is still returned newest first, as Mastodon does.
//
// Limit defaults to 20 and is capped at 40.
type Page struct {
	MaxID   int64
	SinceID int64
	MinID   int64
	Limit   int
}

// DefaultLimit and MaxLimit bound a page's length.
const (
	DefaultLimit = 20
	MaxLimit     = 40
)

func clampLimit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return min(n, MaxLimit)
}

// bounds returns the id conditions for the cursor column col, their
// arguments, and whether to read oldest first (MinID) and reverse.
func (pg Page) bounds(col string) (string, []any, bool) {
	var where []string
	var args []any
	if pg.MaxID > 0 {
		where = append(where, col+" < ?")
		args = append(args, pg.MaxID)
	}
	lower := max(pg.SinceID, pg.MinID)
	if lower > 0 {
		where = append(where, col+" > ?")
		args = append(args, lower)
	}
	if len(where) == 0 {
		return "1", nil, pg.MinID > 0
	}
	return strings.Join(where, " AND "), args, pg.MinID > 0
}

// pagedPosts runs a post query ("SELECT postColumns, cursor FROM ... WHERE
// cond" without ORDER BY) over one page of cursor column col, newest first.
func (db *DB) pagedPosts(ctx context.Context, pg Page, col, q string, args ...any) ([]Post, []int64, error) {
	cond, bargs, ascending := pg.bounds(col)
	order := " DESC"
	if ascending {
		order = " ASC"
	}
	q += " AND " + cond + " ORDER BY " + col + order + " LIMIT ?"
	args = append(append(args, bargs...), clampLimit(pg.Limit))
	posts, cursors, err := db.scanPostPage(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	if ascending {
		slices.Reverse(posts)
		slices.Reverse(cursors)
	}
	return posts, cursors, nil
}

// scanPostPage reads rows of postColumns followed by one cursor column,
// then loads the posts' parts in a few batched queries.
func (db *DB) scanPostPage(ctx context.Context, q string, args ...any) ([]Post, []int64, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("posts: %w", err)
	}
	var posts []Post
	var cursors []int64
	for rows.Next() {
		var cursor int64
		p, err := scanPostCursor(rows, &cursor)
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		posts = append(posts, p)
		cursors = append(cursors, cursor)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if err := loadPartsBatch(ctx, db.read, posts); err != nil {
		return nil, nil, err
	}
	return posts, cursors, nil
}

func scanPostCursor(row interface{ Scan(...any) error }, cursor *int64) (Post, error) {
	var p Post
	var published, edited int64
	err := row.Scan(&p.ID, &p.URI, &p.URL, &p.AuthorID, &p.Local, &p.Type, &p.Visibility, &p.ReblogOfID,
		&p.InReplyToURI, &p.InReplyToID, &p.Conversation, &p.Summary, &p.Content, &p.Source, &p.SourceType, &p.Language,
		&p.Sensitive, &published, &edited, &p.AuthorURI, &p.ReblogOfURI, cursor)
	p.PublishedAt, p.EditedAt = fromMilli(published), fromMilliOrZero(edited)
	return p, err
}

// queryPostsBatch runs q, which selects postColumns only, and loads the
// posts' parts with loadPartsBatch: a few queries for any number of posts.
func (db *DB) queryPostsBatch(ctx context.Context, q string, args ...any) ([]Post, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("posts: %w", err)
	}
	var posts []Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		posts = append(posts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return posts, loadPartsBatch(ctx, db.read, posts)
}

// PostsByIDs returns the stored posts among ids, with their parts, in the
// order of ids (missing ones are left out). Timelines use it to load the
// posts that boosts point at in one go.
func (db *DB) PostsByIDs(ctx context.Context, ids []int64) ([]Post, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := int64s(ids)
	posts, err := db.queryPostsBatch(ctx, `SELECT `+postColumns+postFrom+`WHERE p.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(ids))
	for i, id := range ids {
		if _, ok := at[id]; !ok {
			at[id] = i
		}
	}
	slices.SortFunc(posts, func(a, b Post) int { return at[a.ID] - at[b.ID] })
	return posts, nil
}

// int64s returns an IN list for ids as one parameter: "SELECT value FROM
// json_each(?)" and the ids as a JSON array. One query text for any number
// of ids keeps the prepared-statement cache from filling with variants,
// and there is no limit on how many.
func int64s(ids []int64) (string, []any) {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return `SELECT value FROM json_each(?)`, []any{string(append(b, ']'))}
}

// stringsIn is int64s for strings.
func stringsIn(ss []string) (string, []any) {
	b, _ := json.Marshal(ss)
	return `SELECT value FROM json_each(?)`, []any{string(b)}
}

// loadPartsBatch loads attachments, mentions, tags, emojis and polls of
// many posts with one query per part, instead of five per post.
func loadPartsBatch(ctx context.Context, q queryer, posts []Post) error {
	if len(posts) == 0 {
		return nil
	}
	at := make(map[int64][]int, len(posts))
	ids := make([]int64, 0, len(posts))
	for i, p := range posts {
		if _, ok := at[p.ID]; !ok {
			ids = append(ids, p.ID)
		}
		at[p.ID] = append(at[p.ID], i)
	}
	in, args := int64s(ids)
	// each runs query (whose first column is post_id) and hands every row's
	// other columns to add for each post with that id.
	each := func(query string, dest func() []any, add func(p *Post)) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("post parts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(append([]any{&id}, dest()...)...); err != nil {
				return fmt.Errorf("post parts: %w", err)
			}
			for _, i := range at[id] {
				add(&posts[i])
			}
		}
		return rows.Err()
	}
	var a Attachment
	if err := each(`SELECT post_id, id, url, media_type, description, width, height, blurhash, focus_x, focus_y
		FROM attachments WHERE post_id IN (`+in+`) ORDER BY post_id, position`,
		func() []any {
			a = Attachment{}
			return []any{&a.ID, &a.URL, &a.MediaType, &a.Description, &a.Width, &a.Height, &a.Blurhash, &a.FocusX, &a.FocusY}
		},
		func(p *Post) { p.Attachments = append(p.Attachments, a) }); err != nil {
		return err
	}
	var m Mention
	if err := each(`SELECT post_id, actor_uri, name FROM post_mentions WHERE post_id IN (`+in+`)`,
		func() []any { m = Mention{}; return []any{&m.ActorURI, &m.Name} },
		func(p *Post) { p.Mentions = append(p.Mentions, m) }); err != nil {
		return err
	}
	var tag string
	if err := each(`SELECT post_id, tag FROM post_tags WHERE post_id IN (`+in+`) ORDER BY post_id, tag`,
		func() []any { return []any{&tag} },
		func(p *Post) { p.Tags = append(p.Tags, tag) }); err != nil {
		return err
	}
	var e Emoji
	if err := each(`SELECT post_id, shortcode, url FROM post_emojis WHERE post_id IN (`+in+`)`,
		func() []any { e = Emoji{}; return []any{&e.Shortcode, &e.URL} },
		func(p *Post) { p.Emojis = append(p.Emojis, e) }); err != nil {
		return err
	}
	if err := loadQuotesBatch(ctx, q, posts, at, in, args); err != nil {
		return err
	}
	return loadPollsBatch(ctx, q, posts, at, in, args)
}

func loadPollsBatch(ctx context.Context, q queryer, posts []Post, at map[int64][]int, in string, args []any) error {
	rows, err := q.QueryContext(ctx, `SELECT post_id, multiple, expires_at, closed_at, voters_count FROM polls WHERE post_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("polls: %w", err)
	}
	polls := map[int64]*Poll{}
	for rows.Next() {
		var id, expires, closed int64
		var poll Poll
		if err := rows.Scan(&id, &poll.Multiple, &expires, &closed, &poll.VotersCount); err != nil {
			rows.Close()
			return err
		}
		poll.ExpiresAt, poll.ClosedAt = fromMilliOrZero(expires), fromMilliOrZero(closed)
		polls[id] = &poll
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(polls) == 0 {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT post_id, title, votes FROM poll_options WHERE post_id IN (`+in+`) ORDER BY post_id, position`, args...)
	if err != nil {
		return fmt.Errorf("poll options: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var o PollOption
		if err := rows.Scan(&id, &o.Title, &o.Votes); err != nil {
			return err
		}
		if poll := polls[id]; poll != nil {
			poll.Options = append(poll.Options, o)
		}
	}
	for id, poll := range polls {
		for _, i := range at[id] {
			cp := *poll
			posts[i].Poll = &cp
		}
	}
	return rows.Err()
}

// pageColumns selects a post and, as its paging cursor, its own id.
const pageColumns = `SELECT ` + postColumns + `, p.id` + postFrom

// notMuted is the condition that an actor id column is not muted by the
// owner now; its placeholder takes the current time in milliseconds.
func notMuted(idCol string) string {
	return `NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.actor_id = ` + idCol + ` AND (mu.expires_at = 0 OR mu.expires_at > ?))`
}

// hiddenBoost is true for a boost the owner should not see: its author's
// boosts are hidden (follow_options), or the boosted post's author is
// muted, blocked or on a blocked domain. Its placeholder takes the time.
const hiddenBoost = `(p.reblog_of_id IS NOT NULL AND (
	EXISTS (SELECT 1 FROM follow_options o WHERE o.followee_id = p.author_id AND o.show_reblogs = 0)
	OR EXISTS (SELECT 1 FROM actors ra WHERE ra.id = r.author_id AND NOT (` + `NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.actor_id = ra.id AND (mu.expires_at = 0 OR mu.expires_at > ?))
		AND NOT EXISTS (SELECT 1 FROM blocks b JOIN actors ba ON ba.id = b.blocker_id WHERE b.blocked_id = ra.id AND ba.local = 1)
		AND NOT EXISTS (SELECT 1 FROM domain_blocks db WHERE db.domain = ra.domain)))))`

// homeTimelineQuery selects the home timeline's posts; its placeholders
// take the owner's actor id five times, the time twice, then the owner's
// id twice.
func homeTimelineQuery() string {
	return pageColumns + `WHERE (+p.author_id = ?
		OR (+p.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted')
			AND +p.author_id NOT IN (SELECT la.actor_id FROM list_accounts la JOIN lists l ON l.id = la.list_id WHERE l.exclusive = 1))
		OR (p.visibility = 'public' AND p.reblog_of_id IS NULL
			AND EXISTS (SELECT 1 FROM post_tags t JOIN followed_tags ft ON ft.tag = t.tag WHERE t.post_id = p.id)))
	AND (p.visibility != 'direct' OR p.author_id = ?
		OR EXISTS (SELECT 1 FROM post_mentions pm WHERE pm.post_id = p.id AND pm.actor_uri = (SELECT uri FROM actors WHERE id = ?)))
	AND (p.author_id = ? OR (` + notMuted("p.author_id") + ` AND ` + notBlocked("p.author_id", "a.domain") + `
		AND NOT ` + hiddenBoost + `
		AND (p.in_reply_to_id IS NULL OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = p.in_reply_to_id
			AND (pp.author_id IN (?, p.author_id) OR pp.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted'))))))`
}

// HomeTimeline pages the owner's home timeline: posts and boosts by the
// owner and by accounts the owner follows (accepted follows), plus public
// posts with a hashtag the owner follows. Left out: direct posts that
// neither the owner wrote nor mention the owner; posts by muted or blocked
// accounts or blocked domains (also when boosted); boosts by followees
// whose boosts the owner hid; posts by members of exclusive lists; and
// replies to someone the owner does not follow (Mastodon's rule; a reply
// whose parent is not stored is kept, as we cannot tell whom it answers).
//
// It walks posts by id (newest first) and tests each; in a kith database
// most posts come from followees, so a page is found after a few dozen
// rows. The unary + keeps SQLite from choosing the author index and
// sorting every post of every followee.
func (db *DB) HomeTimeline(ctx context.Context, pg Page) ([]Post, error) {
	owner := db.OwnerID()
	now := unixMilli(db.now())
	posts, _, err := db.pagedPosts(ctx, pg, "p.id", homeTimelineQuery(), owner, owner, owner, owner, owner, now, now, owner, owner)
	return posts, err
}

// PublicTimeline pages public posts (not boosts, not replies to others),
// local ones, remote ones or both, optionally only those with media.
// Accounts and domains the owner blocks or mutes are left out, for any
// reader: it is the owner's server.
func (db *DB) PublicTimeline(ctx context.Context, pg Page, local, remote, onlyMedia bool) ([]Post, error) {
	q := pageColumns + `WHERE p.visibility = 'public' AND p.reblog_of_id IS NULL
		AND (p.in_reply_to_uri = '' OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = p.in_reply_to_id AND pp.author_id = p.author_id))
		AND ` + notMuted("p.author_id") + ` AND ` + notBlocked("p.author_id", "a.domain")
	q += localRemote(local, remote) + mediaOnly(onlyMedia)
	posts, _, err := db.pagedPosts(ctx, pg, "p.id", q, unixMilli(db.now()))
	return posts, err
}

func localRemote(local, remote bool) string {
	switch {
	case local && !remote:
		return ` AND p.local = 1`
	case remote && !local:
		return ` AND p.local = 0`
	}
	return ""
}

func mediaOnly(only bool) string {
	if only {
		return ` AND EXISTS (SELECT 1 FROM attachments am WHERE am.post_id = p.id)`
	}
	return ""
}

// TagTimeline pages public posts with a hashtag (lower case, without '#'),
// only local ones when local is set.
func (db *DB) TagTimeline(ctx context.Context, tag string, pg Page, local bool) ([]Post, error) {
	q := `SELECT ` + postColumns + `, t.post_id FROM post_tags t JOIN posts p ON p.id = t.post_id
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id
		WHERE t.tag = ? AND p.visibility = 'public' AND ` + notMuted("p.author_id") + ` AND ` + notBlocked("p.author_id", "a.domain")
	if local {
		q += ` AND p.local = 1`
	}
	posts, _, err := db.pagedPosts(ctx, pg, "t.post_id", q, strings.ToLower(strings.TrimPrefix(tag, "#")), unixMilli(db.now()))
	return posts, err
}

// ListTimeline pages the posts and boosts of a list's members that the
// owner may see, with replies as the list's replies_policy says: "none"
// keeps only replies to oneself; "list" also replies to the owner and to
// members; "followed" also replies to anyone the owner follows, and
// replies whose parent is not stored.
func (db *DB) ListTimeline(ctx context.Context, listID int64, pg Page) ([]Post, error) {
	owner := db.OwnerID()
	var policy string
	if err := db.read.QueryRowContext(ctx, `SELECT replies_policy FROM lists WHERE id = ?`, listID).Scan(&policy); err != nil {
		return nil, notFound(err, fmt.Sprintf("list %d", listID))
	}
	now := unixMilli(db.now())
	replies := `p.in_reply_to_uri = '' OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = p.in_reply_to_id AND (pp.author_id = p.author_id`
	args := []any{listID, owner, owner, owner, now, now}
	switch policy {
	case "none":
		replies += `))`
	case "list":
		replies += ` OR pp.author_id = ? OR pp.author_id IN (SELECT actor_id FROM list_accounts WHERE list_id = ?)))`
		args = append(args, owner, listID)
	default: // followed
		replies = `p.in_reply_to_id IS NULL OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = p.in_reply_to_id AND (pp.author_id IN (?, p.author_id)
			OR pp.author_id IN (SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted')))`
		args = append(args, owner, owner)
	}
	q := pageColumns + `WHERE +p.author_id IN (SELECT actor_id FROM list_accounts WHERE list_id = ?)
		AND ` + visibleToOwner + ` AND ` + notMuted("p.author_id") + ` AND ` + notBlocked("p.author_id", "a.domain") + `
		AND NOT ` + hiddenBoost + ` AND (` + replies + `)`
	posts, _, err := db.pagedPosts(ctx, pg, "p.id", q, args...)
	return posts, err
}

// AccountOptions narrow an account's statuses, as GET
// /api/v1/accounts/:id/statuses does.
type AccountOptions struct {
	// ViewerID is the owner's actor id when the owner is reading, 0 for an
	// anonymous reader (public and unlisted posts only).
	ViewerID       int64
	ExcludeReplies bool // replies to oneself are kept, as in Mastodon
	ExcludeReblogs bool
	OnlyMedia      bool
	Pinned         bool   // only posts the account pinned
	Tagged         string // only posts with this hashtag
	Visibilities   []string
}

// AccountStatuses pages an account's posts and boosts, newest first.
func (db *DB) AccountStatuses(ctx context.Context, actorID int64, pg Page, opts AccountOptions) ([]Post, error) {
	q := pageColumns + `WHERE p.author_id = ? AND ` + visibleToOwner
	args := []any{actorID, opts.ViewerID, opts.ViewerID, opts.ViewerID}
	if opts.ExcludeReplies {
		q += ` AND (p.in_reply_to_uri = '' OR EXISTS (SELECT 1 FROM posts pp WHERE pp.id = p.in_reply_to_id AND pp.author_id = p.author_id))`
	}
	if opts.ExcludeReblogs {
		q += ` AND p.reblog_of_id IS NULL`
	}
	q += mediaOnly(opts.OnlyMedia)
	if opts.Pinned {
		// The pins drive the lookup: a condition on each of the author's
		// posts read them all (270 ms with 100k posts stored).
		q += ` AND p.id IN (SELECT pp.id FROM pins pn JOIN posts pp ON pp.uri = pn.post_uri WHERE pn.actor_id = ?)`
		args = append(args, actorID)
	}
	if opts.Tagged != "" {
		q += ` AND EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ?)`
		args = append(args, strings.ToLower(strings.TrimPrefix(opts.Tagged, "#")))
	}
	if len(opts.Visibilities) > 0 {
		in, vargs := stringsIn(opts.Visibilities)
		q += ` AND p.visibility IN (` + in + `)`
		args = append(args, vargs...)
	}
	posts, _, err := db.pagedPosts(ctx, pg, "p.id", q, args...)
	return posts, err
}

// FavouritesPage pages the posts the owner favourited, most recently
// favourited first. cursors[i] is the paging id of posts[i] (a favourite
// id, not a post id): Mastodon pages favourites in the order they were
// made, and a Link header must carry these ids.
func (db *DB) FavouritesPage(ctx context.Context, pg Page) (posts []Post, cursors []int64, err error) {
	return db.pagedPosts(ctx, pg, "fv.id", `SELECT `+postColumns+`, fv.id FROM favourites fv JOIN posts p ON p.id = fv.post_id
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id WHERE 1`)
}

// PostAuthors returns the author of each stored post among ids, by post
// id: what a reply's rendering needs of its parent, without the parent's
// parts.
func (db *DB) PostAuthors(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT id, author_id FROM posts WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("post authors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, author int64
		if err := rows.Scan(&id, &author); err != nil {
			return nil, fmt.Errorf("post authors: %w", err)
		}
		out[id] = author
	}
	return out, rows.Err()
}
