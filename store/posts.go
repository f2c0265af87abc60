package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Visibility values, as the Mastodon API names them.
const (
	Public   = "public"
	Unlisted = "unlisted"
	Private  = "private" // followers only
	Direct   = "direct"
)

// Source types: the formats the owner writes a post's source in, as the
// media types glitch-soc and Akkoma name them in the client API.
const (
	TextPlain    = "text/plain"    // Mastodon's semantics: escaped, links, mentions and hashtags
	TextMarkdown = "text/markdown" // the web compose form's
)

// Post is a note, article or poll by anyone, or a boost (ReblogOfID set).
type Post struct {
	ID           int64
	URI          string
	URL          string
	AuthorID     int64
	Local        bool
	Type         string
	Visibility   string
	ReblogOfID   int64 // 0 when not a boost
	InReplyToURI string
	InReplyToID  int64 // 0 when the parent is not stored
	Conversation string
	Summary      string
	Content      string // sanitized HTML
	Source       string // what the owner typed (local posts)
	SourceType   string // TextPlain or TextMarkdown; "" for remote posts
	Language     string
	Sensitive    bool
	PublishedAt  time.Time
	EditedAt     time.Time // zero when never edited
	Attachments  []Attachment
	Mentions     []Mention
	Tags         []string
	Emojis       []Emoji
	Poll         *Poll
	Quote        *Quote // nil when the post quotes nothing
	QuotePolicy  string // who may quote it: QuotePublic, QuoteFollowers, QuoteNobody; "" when unknown
	AuthorURI    string // filled by reads
	ReblogOfURI  string // filled by reads
}

// Attachment is a media file of a post.
type Attachment struct {
	ID          int64
	URL         string
	MediaType   string
	Description string
	Width       int
	Height      int
	Blurhash    string
	FocusX      float64
	FocusY      float64
}

// Mention is an actor named in a post.
type Mention struct {
	ActorURI string
	Name     string // @user@domain as written
}

// Emoji is a custom emoji used in a post or by an actor: its shortcode
// without colons and its image.
type Emoji struct {
	Shortcode string `json:"shortcode"`
	URL       string `json:"url"`
}

// Poll is a post's poll.
type Poll struct {
	Multiple    bool
	ExpiresAt   time.Time
	ClosedAt    time.Time
	VotersCount int
	Options     []PollOption
}

// PollOption is one choice and its count.
type PollOption struct {
	Title string
	Votes int
}

// InsertPost stores a new post with its attachments, mentions, tags,
// emojis and poll, and returns its id, a new time-based id (postids.go).
// A post whose URI is already stored is left as it is and ErrExists
// returned, so redelivered activities are harmless.
func (tx *Tx) InsertPost(ctx context.Context, p Post) (int64, error) {
	id, err := tx.newPostID(ctx)
	if err != nil {
		return 0, err
	}
	return tx.insertPost(ctx, id, p)
}

// InsertImportedPost is InsertPost for a post recreated from an archive:
// its id is made from its original date, so that listings, which order by
// id, show it among the posts of its time, below every post made since.
func (tx *Tx) InsertImportedPost(ctx context.Context, p Post) (int64, error) {
	id, err := tx.importedID(ctx, takenPostIDs, p.PublishedAt)
	if err != nil {
		return 0, err
	}
	return tx.insertPost(ctx, id, p)
}

func (tx *Tx) insertPost(ctx context.Context, id int64, p Post) (int64, error) {
	tx.indexDue = true
	var reblog, replyID any
	if p.ReblogOfID != 0 {
		reblog = p.ReblogOfID
	}
	if p.InReplyToID != 0 {
		replyID = p.InReplyToID
	}
	res, err := tx.exec(ctx, `INSERT INTO posts (id, uri, url, author_id, local, type, visibility, reblog_of_id,
		in_reply_to_uri, in_reply_to_id, conversation, summary, content, source, source_type, language, sensitive, published_at, edited_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING`,
		id, p.URI, p.URL, p.AuthorID, p.Local, cmp.Or(p.Type, "Note"), p.Visibility, reblog, p.InReplyToURI, replyID,
		p.Conversation, p.Summary, p.Content, p.Source, p.SourceType, p.Language, p.Sensitive, unixMilli(p.PublishedAt),
		milliOrZero(p.EditedAt), unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("insert post %s: %w", p.URI, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, fmt.Errorf("post %s: %w", p.URI, ErrExists)
	}
	if err := tx.writePostParts(ctx, id, p); err != nil {
		return 0, err
	}
	if err := tx.writeQuote(ctx, id, p); err != nil {
		return 0, err
	}
	// Quotes that arrived before the post they quote now find it.
	if err := tx.LinkQuotes(ctx, p.URI, id); err != nil {
		return 0, err
	}
	if err := tx.addToConversation(ctx, id, p); err != nil {
		return 0, err
	}
	// Replies that arrived before their parent now find it.
	// The literal in_reply_to_uri != '' lets SQLite use the partial index
	// posts_reply; without it this would scan every post on every insert.
	if _, err := tx.exec(ctx, `UPDATE posts SET in_reply_to_id = ?
		WHERE in_reply_to_uri = ? AND in_reply_to_uri != '' AND in_reply_to_id IS NULL`, id, p.URI); err != nil {
		return 0, err
	}
	return id, nil
}

// ErrExists is returned when inserting something that is already stored.
var ErrExists = fmt.Errorf("already exists")

// SetPostURI sets the URI and URL of a local post once its id is known.
// A conversation the post started (addToConversation) is renamed with it.
func (tx *Tx) SetPostURI(ctx context.Context, id int64, uri, url string) error {
	if _, err := tx.exec(ctx, `UPDATE conversations SET thread = ? WHERE thread = (SELECT uri FROM posts WHERE id = ?)`, uri, id); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE posts SET uri = ?, url = ? WHERE id = ?`, uri, url, id)
	return err
}

func (tx *Tx) writePostParts(ctx context.Context, id int64, p Post) error {
	for i, a := range p.Attachments {
		if a.ID != 0 { // uploaded before the post: attach it
			if _, err := tx.exec(ctx, `UPDATE attachments SET post_id = ?, position = ? WHERE id = ?`, id, i, a.ID); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO attachments (post_id, position, url, media_type, description, width, height, blurhash, focus_x, focus_y)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i, a.URL, a.MediaType, a.Description, a.Width, a.Height, a.Blurhash, a.FocusX, a.FocusY); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	for _, m := range p.Mentions {
		if _, err := tx.exec(ctx, `INSERT OR IGNORE INTO post_mentions (post_id, actor_uri, name) VALUES (?, ?, ?)`, id, m.ActorURI, m.Name); err != nil {
			return err
		}
	}
	for _, t := range p.Tags {
		if _, err := tx.exec(ctx, `INSERT OR IGNORE INTO post_tags (post_id, tag) VALUES (?, ?)`, id, strings.ToLower(t)); err != nil {
			return err
		}
	}
	for _, e := range p.Emojis {
		if _, err := tx.exec(ctx, `INSERT OR REPLACE INTO post_emojis (post_id, shortcode, url) VALUES (?, ?, ?)`, id, e.Shortcode, e.URL); err != nil {
			return err
		}
	}
	if p.Poll != nil {
		return tx.writePoll(ctx, id, *p.Poll)
	}
	return nil
}

func (tx *Tx) writePoll(ctx context.Context, id int64, poll Poll) error {
	if _, err := tx.exec(ctx, `INSERT INTO polls (post_id, multiple, expires_at, closed_at, voters_count) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (post_id) DO UPDATE SET multiple = excluded.multiple, expires_at = excluded.expires_at,
		closed_at = excluded.closed_at, voters_count = excluded.voters_count`,
		id, poll.Multiple, milliOrZero(poll.ExpiresAt), milliOrZero(poll.ClosedAt), poll.VotersCount); err != nil {
		return fmt.Errorf("write poll: %w", err)
	}
	for i, o := range poll.Options {
		if _, err := tx.exec(ctx, `INSERT INTO poll_options (post_id, position, title, votes) VALUES (?, ?, ?, ?)
			ON CONFLICT (post_id, position) DO UPDATE SET title = excluded.title, votes = excluded.votes`, id, i, o.Title, o.Votes); err != nil {
			return fmt.Errorf("write poll option: %w", err)
		}
	}
	return nil
}

// UpdatePost records an edit: the previous version goes to post_edits and
// the post takes the new text, attachments, tags and poll counts.
func (tx *Tx) UpdatePost(ctx context.Context, p Post) error {
	tx.indexDue = true
	var old Post
	var edited, published int64
	err := tx.queryRow(ctx, `SELECT summary, content, sensitive, published_at, edited_at FROM posts WHERE id = ?`, p.ID).
		Scan(&old.Summary, &old.Content, &old.Sensitive, &published, &edited)
	if err != nil {
		return notFound(err, fmt.Sprintf("post %d", p.ID))
	}
	if old.Content != p.Content || old.Summary != p.Summary || old.Sensitive != p.Sensitive {
		at := published
		if edited != 0 {
			at = edited
		}
		if _, err := tx.exec(ctx, `INSERT INTO post_edits (post_id, summary, content, sensitive, edited_at) VALUES (?, ?, ?, ?, ?)`,
			p.ID, old.Summary, old.Content, old.Sensitive, at); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE posts SET summary = ?, content = ?, source = ?, source_type = ?, sensitive = ?, language = ?, edited_at = ? WHERE id = ?`,
		p.Summary, p.Content, p.Source, p.SourceType, p.Sensitive, p.Language, milliOrZero(p.EditedAt), p.ID); err != nil {
		return fmt.Errorf("update post: %w", err)
	}
	// Uploaded media the edit keeps stays (writePostParts re-attaches it
	// by id); everything else is written afresh.
	keep := []int64{}
	for _, a := range p.Attachments {
		if a.ID != 0 {
			keep = append(keep, a.ID)
		}
	}
	keepJSON, _ := json.Marshal(keep)
	if _, err := tx.exec(ctx, `DELETE FROM attachments WHERE post_id = ? AND id NOT IN (SELECT value FROM json_each(?))`, p.ID, string(keepJSON)); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM post_mentions WHERE post_id = ?`, `DELETE FROM post_tags WHERE post_id = ?`, `DELETE FROM post_emojis WHERE post_id = ?`} {
		if _, err := tx.exec(ctx, q, p.ID); err != nil {
			return err
		}
	}
	return tx.writePostParts(ctx, p.ID, p)
}

// DeletePost removes a post (and its boosts, likes and notifications).
func (tx *Tx) DeletePost(ctx context.Context, id int64) error {
	// A deleted local post's id is never given out again (postids.go):
	// new ids stay above posts.highest_deleted_id, imported ids avoid
	// deleted_post_ids.
	if _, err := tx.exec(ctx, `INSERT OR IGNORE INTO deleted_post_ids (id) SELECT id FROM posts WHERE id = ? AND local = 1`, id); err != nil {
		return fmt.Errorf("delete post %d: %w", id, err)
	}
	// Quotes of the post stay, saying it is gone (Mastodon's "deleted").
	if _, err := tx.exec(ctx, `UPDATE quotes SET state = 'deleted' WHERE quoted_id = ?`, id); err != nil {
		return fmt.Errorf("delete post %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM posts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete post %d: %w", id, err)
	}
	return tx.noteDeletedPostID(ctx, id)
}

// noteDeletedPostID raises posts.highest_deleted_id to id.
func (tx *Tx) noteDeletedPostID(ctx context.Context, id int64) error {
	_, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES ('posts.highest_deleted_id', ?)
		ON CONFLICT (key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`, id)
	return err
}

const postColumns = `p.id, p.uri, p.url, p.author_id, p.local, p.type, p.visibility, COALESCE(p.reblog_of_id, 0),
	p.in_reply_to_uri, COALESCE(p.in_reply_to_id, 0), p.conversation, p.summary, p.content, p.source, p.source_type, p.language,
	p.sensitive, p.published_at, p.edited_at, a.uri, COALESCE(r.uri, '')`

const postFrom = ` FROM posts p JOIN actors a ON a.id = p.author_id LEFT JOIN posts r ON r.id = p.reblog_of_id `

func scanPost(row interface{ Scan(...any) error }) (Post, error) {
	var p Post
	var published, edited int64
	err := row.Scan(&p.ID, &p.URI, &p.URL, &p.AuthorID, &p.Local, &p.Type, &p.Visibility, &p.ReblogOfID,
		&p.InReplyToURI, &p.InReplyToID, &p.Conversation, &p.Summary, &p.Content, &p.Source, &p.SourceType, &p.Language,
		&p.Sensitive, &published, &edited, &p.AuthorURI, &p.ReblogOfURI)
	p.PublishedAt, p.EditedAt = fromMilli(published), fromMilliOrZero(edited)
	return p, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// PostByURI returns a post with its parts.
func (db *DB) PostByURI(ctx context.Context, uri string) (Post, error) {
	return postWhere(ctx, db.read, `p.uri = ?`, uri)
}

// PostByID returns a post with its parts.
func (db *DB) PostByID(ctx context.Context, id int64) (Post, error) {
	return postWhere(ctx, db.read, `p.id = ?`, id)
}

// PostByURI reads a post inside the transaction (seeing its own writes).
func (tx *Tx) PostByURI(ctx context.Context, uri string) (Post, error) {
	return postWhere(ctx, txQueryer{tx}, `p.uri = ?`, uri)
}

func postWhere(ctx context.Context, q queryer, where string, args ...any) (Post, error) {
	p, err := scanPost(q.QueryRowContext(ctx, `SELECT `+postColumns+postFrom+`WHERE `+where, args...))
	if err != nil {
		return Post{}, notFound(err, fmt.Sprintf("post %v", args))
	}
	posts := []Post{p}
	if err := loadPartsBatch(ctx, q, posts); err != nil {
		return Post{}, err
	}
	return posts[0], nil
}

// PostEdits returns the earlier versions of a post, oldest first.
func (db *DB) PostEdits(ctx context.Context, postID int64) ([]Post, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT summary, content, sensitive, edited_at FROM post_edits WHERE post_id = ? ORDER BY id`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		var at int64
		if err := rows.Scan(&p.Summary, &p.Content, &p.Sensitive, &at); err != nil {
			return nil, err
		}
		p.ID, p.EditedAt = postID, fromMilli(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PostsByAuthor lists an author's posts (and boosts), newest first, before
// the given time (zero for the newest).
func (db *DB) PostsByAuthor(ctx context.Context, authorID int64, visibilities []string, before time.Time, limit int) ([]Post, error) {
	if before.IsZero() {
		before = time.Unix(1<<40, 0)
	}
	args := []any{authorID, unixMilli(before)}
	q := `SELECT ` + postColumns + postFrom + `WHERE p.author_id = ? AND p.published_at < ?`
	if len(visibilities) > 0 {
		q += ` AND p.visibility IN (?` + strings.Repeat(",?", len(visibilities)-1) + `)`
		for _, v := range visibilities {
			args = append(args, v)
		}
	}
	q += ` ORDER BY p.published_at DESC LIMIT ?`
	args = append(args, limit)
	return db.queryPostsBatch(ctx, q, args...)
}

// Replies lists the stored replies to a post URI, oldest first.
func (db *DB) Replies(ctx context.Context, uri string, limit int) ([]Post, error) {
	return db.queryPostsBatch(ctx, `SELECT `+postColumns+postFrom+`WHERE p.in_reply_to_uri = ? AND p.in_reply_to_uri != '' ORDER BY p.published_at LIMIT ?`, uri, limit)
}

// CountPostsByAuthor counts an author's posts with the given visibilities.
func (db *DB) CountPostsByAuthor(ctx context.Context, authorID int64, visibilities ...string) (int, error) {
	args := []any{authorID}
	q := `SELECT COUNT(*) FROM posts WHERE author_id = ? AND reblog_of_id IS NULL`
	if len(visibilities) > 0 {
		q += ` AND visibility IN (?` + strings.Repeat(",?", len(visibilities)-1) + `)`
		for _, v := range visibilities {
			args = append(args, v)
		}
	}
	var n int
	err := db.read.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// VisiblePosts says which of some posts viewerID (the owner's actor id,
// or 0 for an anonymous reader) may see, by the rules of visibleToOwner
// and with blocked authors hidden. Posts not stored are absent.
func (db *DB) VisiblePosts(ctx context.Context, viewerID int64, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT p.id, `+visibleToOwner+` AND `+notBlocked("p.author_id", "a.domain")+`
		FROM posts p JOIN actors a ON a.id = p.author_id WHERE p.id IN (`+in+`)`, append([]any{viewerID, viewerID, viewerID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("visible posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var visible bool
		if err := rows.Scan(&id, &visible); err != nil {
			return nil, err
		}
		out[id] = visible
	}
	return out, rows.Err()
}
