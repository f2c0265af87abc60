package store

import (
	"context"
	"fmt"
	"time"
)

// Quote states, as Mastodon's Quote entity names them.
const (
	QuotePending      = "pending"      // asked, not answered (or not yet)
	QuoteAccepted     = "accepted"     // allowed: the quoted post is shown
	QuoteRejected     = "rejected"     // the quoted post's author said no
	QuoteRevoked      = "revoked"      // allowed once, then withdrawn
	QuoteDeleted      = "deleted"      // the quoted post is gone or cannot be had
	QuoteUnauthorized = "unauthorized" // claimed without a valid authorization
)

// Quote policies: who may quote a post.
const (
	QuotePublic    = "public"
	QuoteFollowers = "followers"
	QuoteNobody    = "nobody"
)

// Quote is a post's quote of another post.
type Quote struct {
	QuotedURI        string
	QuotedID         int64 // 0 when the quoted post is not stored
	State            string
	AuthorizationURI string // the QuoteAuthorization stamp, if any
	RequestURI       string // the QuoteRequest kith sent, for the owner's quotes
}

// Shown reports whether the quoted post may be shown embedded.
func (q *Quote) Shown() bool { return q != nil && q.State == QuoteAccepted && q.QuotedID != 0 }

// QuoteAuthorization is a stamp kith gave a remote post to quote one of
// the owner's posts.
type QuoteAuthorization struct {
	ID         int64
	QuotedID   int64
	QuotingURI string
	ActorID    int64
	RequestURI string
	RevokedAt  time.Time // zero while valid
}

// writeQuote stores a new post's quote and quote policy.
func (tx *Tx) writeQuote(ctx context.Context, id int64, p Post) error {
	if p.QuotePolicy != "" {
		if _, err := tx.exec(ctx, `UPDATE posts SET quote_policy = ? WHERE id = ?`, p.QuotePolicy, id); err != nil {
			return fmt.Errorf("quote policy: %w", err)
		}
	}
	if p.Quote == nil {
		return nil
	}
	return tx.PutQuote(ctx, id, *p.Quote)
}

// PutQuote stores or replaces the quote of a post.
func (tx *Tx) PutQuote(ctx context.Context, postID int64, q Quote) error {
	var quoted any
	if q.QuotedID != 0 {
		quoted = q.QuotedID
	}
	_, err := tx.exec(ctx, `INSERT INTO quotes (post_id, quoted_uri, quoted_id, state, authorization_uri, request_uri, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_id) DO UPDATE SET quoted_uri = excluded.quoted_uri,
		quoted_id = excluded.quoted_id, state = excluded.state, authorization_uri = excluded.authorization_uri,
		request_uri = CASE WHEN excluded.request_uri != '' THEN excluded.request_uri ELSE quotes.request_uri END`,
		postID, q.QuotedURI, quoted, q.State, q.AuthorizationURI, q.RequestURI, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("put quote of %d: %w", postID, err)
	}
	return nil
}

// SetQuoteState changes the state (and stamp) of a post's quote.
func (tx *Tx) SetQuoteState(ctx context.Context, postID int64, state, authorization string) error {
	_, err := tx.exec(ctx, `UPDATE quotes SET state = ?, authorization_uri = ? WHERE post_id = ?`, state, authorization, postID)
	return err
}

// DeleteQuote removes a post's quote.
func (tx *Tx) DeleteQuote(ctx context.Context, postID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM quotes WHERE post_id = ?`, postID)
	return err
}

// QuoteByRequest finds the owner's quote whose QuoteRequest had the given
// id, and returns the quoting post's id with it.
func (db *DB) QuoteByRequest(ctx context.Context, requestURI string) (int64, Quote, error) {
	return db.quoteWhere(ctx, `request_uri = ? AND request_uri != ''`, requestURI)
}

// QuoteByAuthorization finds a quote by its stamp's id.
func (db *DB) QuoteByAuthorization(ctx context.Context, authorizationURI string) (int64, Quote, error) {
	return db.quoteWhere(ctx, `authorization_uri = ? AND authorization_uri != ''`, authorizationURI)
}

func (db *DB) quoteWhere(ctx context.Context, where string, arg any) (int64, Quote, error) {
	var id int64
	var q Quote
	err := db.read.QueryRowContext(ctx, `SELECT post_id, quoted_uri, COALESCE(quoted_id, 0), state, authorization_uri, request_uri
		FROM quotes WHERE `+where, arg).Scan(&id, &q.QuotedURI, &q.QuotedID, &q.State, &q.AuthorizationURI, &q.RequestURI)
	if err != nil {
		return 0, Quote{}, notFound(err, fmt.Sprintf("quote %v", arg))
	}
	return id, q, nil
}

// LinkQuotes points quotes of uri, stored before the quoted post was, at
// the post now stored as id.
func (tx *Tx) LinkQuotes(ctx context.Context, uri string, id int64) error {
	_, err := tx.exec(ctx, `UPDATE quotes SET quoted_id = ? WHERE quoted_uri = ? AND quoted_id IS NULL`, id, uri)
	return err
}

// QuotingPosts lists the posts whose quote of postID is accepted, newest
// first, below maxID (0 for the newest).
func (db *DB) QuotingPosts(ctx context.Context, postID, maxID int64, limit int) ([]Post, error) {
	if maxID == 0 {
		maxID = 1 << 62
	}
	return db.queryPostsBatch(ctx, `SELECT `+postColumns+postFrom+`JOIN quotes q ON q.post_id = p.id
		WHERE q.quoted_id = ? AND q.state = 'accepted' AND p.id < ? ORDER BY p.id DESC LIMIT ?`, postID, maxID, limit)
}

// QuotesCounts counts the accepted quotes of each of some posts.
func (db *DB) QuotesCounts(ctx context.Context, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT quoted_id, COUNT(*) FROM quotes
		WHERE quoted_id IN (`+in+`) AND state = 'accepted' GROUP BY quoted_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("quotes counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// OwnerQuotesOf lists the owner's posts that quote postID,
// for telling the owner that a post they quoted changed.
func (tx *Tx) OwnerQuotesOf(ctx context.Context, postID int64) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT q.post_id FROM quotes q JOIN posts p ON p.id = q.post_id
		WHERE q.quoted_id = ? AND p.local = 1`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// loadQuotesBatch loads the quotes and quote policies of posts, with two
// lookups by primary key.
func loadQuotesBatch(ctx context.Context, q queryer, posts []Post, at map[int64][]int, in string, args []any) error {
	rows, err := q.QueryContext(ctx, `SELECT id, quote_policy FROM posts WHERE id IN (`+in+`) AND quote_policy != ''`, args...)
	if err != nil {
		return fmt.Errorf("post quote policies: %w", err)
	}
	for rows.Next() {
		var id int64
		var policy string
		if err := rows.Scan(&id, &policy); err != nil {
			rows.Close()
			return fmt.Errorf("post quote policies: %w", err)
		}
		for _, i := range at[id] {
			posts[i].QuotePolicy = policy
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT post_id, quoted_uri, COALESCE(quoted_id, 0), state, authorization_uri, request_uri
		FROM quotes WHERE post_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("post quotes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var qt Quote
		if err := rows.Scan(&id, &qt.QuotedURI, &qt.QuotedID, &qt.State, &qt.AuthorizationURI, &qt.RequestURI); err != nil {
			return fmt.Errorf("post quotes: %w", err)
		}
		for _, i := range at[id] {
			c := qt
			posts[i].Quote = &c
		}
	}
	return rows.Err()
}

// PutQuoteAuthorization records a stamp for quotingURI to quote the
// owner's post quotedID (or returns the one already given) and returns its
// id. A revoked stamp is not given again.
func (tx *Tx) PutQuoteAuthorization(ctx context.Context, a QuoteAuthorization) (QuoteAuthorization, error) {
	_, err := tx.exec(ctx, `INSERT INTO quote_authorizations (quoted_id, quoting_uri, actor_id, request_uri, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (quoted_id, quoting_uri) DO NOTHING`,
		a.QuotedID, a.QuotingURI, a.ActorID, a.RequestURI, unixMilli(tx.now))
	if err != nil {
		return QuoteAuthorization{}, fmt.Errorf("put quote authorization: %w", err)
	}
	return tx.QuoteAuthorizationFor(ctx, a.QuotedID, a.QuotingURI)
}

// QuoteAuthorizationFor returns the stamp given for quotingURI to quote
// quotedID.
func (db *DB) QuoteAuthorizationFor(ctx context.Context, quotedID int64, quotingURI string) (QuoteAuthorization, error) {
	a, err := scanQuoteAuthorization(db.read.QueryRowContext(ctx, `SELECT `+quoteAuthorizationColumns+`
		FROM quote_authorizations WHERE quoted_id = ? AND quoting_uri = ?`, quotedID, quotingURI))
	return a, notFoundOrNil(err, "quote authorization")
}

const quoteAuthorizationColumns = `id, quoted_id, quoting_uri, actor_id, request_uri, revoked_at`

func scanQuoteAuthorization(row interface{ Scan(...any) error }) (QuoteAuthorization, error) {
	var a QuoteAuthorization
	var revoked int64
	err := row.Scan(&a.ID, &a.QuotedID, &a.QuotingURI, &a.ActorID, &a.RequestURI, &revoked)
	a.RevokedAt = fromMilliOrZero(revoked)
	return a, err
}

// QuoteAuthorizationFor reads a stamp inside the transaction.
func (tx *Tx) QuoteAuthorizationFor(ctx context.Context, quotedID int64, quotingURI string) (QuoteAuthorization, error) {
	a, err := scanQuoteAuthorization(tx.queryRow(ctx, `SELECT `+quoteAuthorizationColumns+`
		FROM quote_authorizations WHERE quoted_id = ? AND quoting_uri = ?`, quotedID, quotingURI))
	return a, notFoundOrNil(err, "quote authorization")
}

// QuoteAuthorizationByID returns a stamp kith gave.
func (db *DB) QuoteAuthorizationByID(ctx context.Context, id int64) (QuoteAuthorization, error) {
	a, err := scanQuoteAuthorization(db.read.QueryRowContext(ctx, `SELECT `+quoteAuthorizationColumns+`
		FROM quote_authorizations WHERE id = ?`, id))
	return a, notFoundOrNil(err, fmt.Sprintf("quote authorization %d", id))
}

// RevokeQuoteAuthorization withdraws a stamp; it reports false when it
// was revoked already.
func (tx *Tx) RevokeQuoteAuthorization(ctx context.Context, id int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE quote_authorizations SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, unixMilli(tx.now), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// SetQuotePolicy changes who may quote a post.
func (tx *Tx) SetQuotePolicy(ctx context.Context, postID int64, policy string) error {
	_, err := tx.exec(ctx, `UPDATE posts SET quote_policy = ? WHERE id = ?`, policy, postID)
	return err
}
