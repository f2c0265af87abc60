package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"modernc.org/sqlite"
)

// The full-text index (posts_fts, migration 0005) is kept by triggers on
// posts, so every path that writes posts keeps it current without knowing
// about it: they note new and edited posts in posts_fts_pending, and
// indexPending indexes those as the transaction commits (migration 0018
// says why not at once). The index cannot parse HTML, so it calls
// kith_plain_text, which the store registers with the driver here;
// without it, "class", "href" and "span" would match every post with a
// link.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("kith_plain_text", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			switch v := args[0].(type) {
			case string:
				return PlainText(v), nil
			case []byte:
				return PlainText(string(v)), nil
			case nil:
				return "", nil
			default:
				return fmt.Sprint(v), nil
			}
		})
}

// The statements that index the posts noted in posts_fts_pending, in one
// go, and empty it. CROSS JOIN keeps SQLite's loop over the few pending
// rows, looking each post up by id, rather than over the posts.
const (
	indexPendingSQL = `INSERT INTO posts_fts (rowid, text, summary)
		SELECT p.id, kith_plain_text(p.content), p.summary FROM posts_fts_pending q CROSS JOIN posts p ON p.id = q.id
		WHERE p.reblog_of_id IS NULL`
	clearPendingSQL = `DELETE FROM posts_fts_pending`
)

// execer runs a statement: a transaction or a pool.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// IndexPendingPosts indexes the posts the triggers noted for the search
// index. A writer that inserts posts with plain SQL (a benchmark's seed)
// calls it before it commits; the store's own transactions do it
// themselves (indexPending).
func IndexPendingPosts(ctx context.Context, x execer) error {
	if _, err := x.ExecContext(ctx, indexPendingSQL); err != nil {
		return fmt.Errorf("index posts: %w", err)
	}
	if _, err := x.ExecContext(ctx, clearPendingSQL); err != nil {
		return fmt.Errorf("index posts: %w", err)
	}
	return nil
}

// indexPending indexes the posts the transaction noted for the search
// index, if it wrote any posts: one that did not cannot have noted any
// (the store writes posts only through insertPost and UpdatePost).
func (tx *Tx) indexPending(ctx context.Context) error {
	if !tx.indexDue {
		return nil
	}
	tx.indexDue = false
	if _, err := tx.exec(ctx, indexPendingSQL); err != nil {
		return fmt.Errorf("index posts: %w", err)
	}
	if _, err := tx.exec(ctx, clearPendingSQL); err != nil {
		return fmt.Errorf("index posts: %w", err)
	}
	return nil
}

// PlainText returns the text of an HTML fragment, with block ends and line
// breaks turned into spaces so words do not run together.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "br", "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6":
				b.WriteByte(' ')
			}
		}
	}
}

// ftsQuery turns what someone typed into an FTS5 query: every word must
// appear (each quoted, so FTS5 operators and punctuation in the input are
// just text), and the last word may be a prefix, as search-as-you-type
// expects. It returns "" when nothing searchable is left.
func ftsQuery(q string) string {
	words := strings.Fields(q)
	var parts []string
	for _, w := range words {
		w = strings.Trim(w, "#@\"'.,;:!?()[]{}")
		if w == "" {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	parts[len(parts)-1] += "*"
	return strings.Join(parts, " ")
}

// SearchOptions narrow a post search.
type SearchOptions struct {
	AccountID int64 // only this author's posts, when set
	MaxID     int64 // only posts older than this id
	MinID     int64 // only posts newer than this id
	Limit     int
	Offset    int
}

// SearchPosts finds posts (not boosts) whose text or content warning holds
// every word of query, best match (bm25) first, newer first among equals.
// Only posts the owner may see are returned, and none by accounts
// or domains the owner blocks.
func (db *DB) SearchPosts(ctx context.Context, query string, opts SearchOptions) ([]Post, error) {
	owner := db.OwnerID()
	match := ftsQuery(query)
	if match == "" {
		return nil, nil
	}
	q := `SELECT ` + postColumns + ` FROM posts_fts f JOIN posts p ON p.id = f.rowid
		JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id
		WHERE posts_fts MATCH ? AND ` + visibleToOwner + ` AND ` + notBlocked("p.author_id", "a.domain")
	args := []any{match, owner, owner, owner}
	if opts.AccountID != 0 {
		q += ` AND p.author_id = ?`
		args = append(args, opts.AccountID)
	}
	if opts.MaxID != 0 {
		q += ` AND p.id < ?`
		args = append(args, opts.MaxID)
	}
	if opts.MinID != 0 {
		q += ` AND p.id > ?`
		args = append(args, opts.MinID)
	}
	q += ` ORDER BY bm25(posts_fts), p.id DESC LIMIT ? OFFSET ?`
	args = append(args, clampLimit(opts.Limit), max(0, opts.Offset))
	return db.queryPostsBatch(ctx, q, args...)
}

// visibleToOwner is the rule for what the owner may read: anything public
// or unlisted; followers-only posts of accounts the owner follows; direct
// and followers-only posts that mention the owner; and everything the owner
// wrote. Its three placeholders all take the owner's actor id; with 0 (an
// anonymous reader) only public and unlisted posts pass.
const visibleToOwner = `(p.visibility IN ('public', 'unlisted') OR p.author_id = ?
	OR (p.visibility = 'private' AND EXISTS (SELECT 1 FROM follows fo
		WHERE fo.follower_id = ? AND fo.followee_id = p.author_id AND fo.state = 'accepted'))
	OR (p.visibility IN ('private', 'direct') AND EXISTS (SELECT 1 FROM post_mentions pm
		WHERE pm.post_id = p.id AND pm.actor_uri = (SELECT uri FROM actors WHERE id = ?))))`

// notBlocked is the condition that an author (by id and domain column) is
// neither blocked by the owner nor on a blocked domain. The owner is the
// local actor, so it needs no parameter.
func notBlocked(idCol, domainCol string) string {
	return `NOT EXISTS (SELECT 1 FROM blocks b JOIN actors ba ON ba.id = b.blocker_id
		WHERE b.blocked_id = ` + idCol + ` AND ba.local = 1)
	AND NOT EXISTS (SELECT 1 FROM domain_blocks db WHERE db.domain = ` + domainCol + `)`
}

// escapeLike escapes LIKE wildcards in s for use with ESCAPE '\'.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// SearchActors finds accounts by username, display name or domain prefix.
// A query of the form user@domain matches both parts. Exact usernames come
// first, then accounts viewerID follows, then the rest by name.
// followingOnly keeps only accounts viewerID follows. viewerID is the
// owner's actor id, or 0 for an anonymous reader, who follows no one.
func (db *DB) SearchActors(ctx context.Context, viewerID int64, query string, followingOnly bool, limit, offset int) ([]Actor, error) {
	query = strings.TrimPrefix(strings.TrimSpace(query), "@")
	if query == "" {
		return nil, nil
	}
	user, domain, hasDomain := strings.Cut(query, "@")
	userLike := escapeLike(user) + "%"
	var where string
	var args []any
	if hasDomain {
		where = `a.username LIKE ? ESCAPE '\' AND a.domain LIKE ? ESCAPE '\'`
		args = append(args, userLike, escapeLike(domain)+"%")
	} else {
		where = `(a.username LIKE ? ESCAPE '\' OR a.display_name LIKE ? ESCAPE '\' OR a.display_name LIKE ? ESCAPE '\' OR a.domain LIKE ? ESCAPE '\')`
		args = append(args, userLike, userLike, "% "+userLike, userLike)
	}
	following := `EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = a.id AND f.state = 'accepted')`
	if followingOnly {
		where += ` AND ` + following
		args = append(args, viewerID)
	}
	q := `SELECT ` + prefixed("a.", actorColumns) + ` FROM actors a WHERE ` + where + ` AND ` + notBlocked("a.id", "a.domain") + `
		ORDER BY a.username = ? COLLATE NOCASE DESC, ` + following + ` DESC, a.local DESC, a.username COLLATE NOCASE, a.domain LIMIT ? OFFSET ?`
	args = append(args, user, viewerID, clampLimit(limit), max(0, offset))
	return db.actorList(ctx, q, args...)
}

// Tag is a hashtag kith has seen.
type Tag struct {
	ID   int64
	Name string // lower case, without '#'
}

// SearchTags finds hashtags starting with prefix (a leading '#' is
// ignored), the exact one first, then shorter ones.
func (db *DB) SearchTags(ctx context.Context, prefix string, limit, offset int) ([]Tag, error) {
	prefix = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(prefix), "#"))
	if prefix == "" {
		return nil, nil
	}
	// A range rather than LIKE, so the UNIQUE index on name serves it.
	rows, err := db.read.QueryContext(ctx, `SELECT id, name FROM tags WHERE name >= ? AND name < ?
		ORDER BY name = ? DESC, length(name), name LIMIT ? OFFSET ?`, prefix, prefix+"\U0010FFFF", prefix, clampLimit(limit), max(0, offset))
	if err != nil {
		return nil, fmt.Errorf("search tags: %w", err)
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
