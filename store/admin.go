package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The operator's maintenance work (kith domain purge, statuses prune,
// search reindex): each runs in batches of short transactions, so a
// running server's writes interleave with it instead of waiting for one
// long transaction.

// BlockerInboxes returns the inboxes of the remote actors that block an
// actor, shared inboxes where they have one, each URL once.
func (tx *Tx) BlockerInboxes(ctx context.Context, blockedID int64) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox != '' THEN a.shared_inbox ELSE a.inbox END
		FROM blocks b JOIN actors a ON a.id = b.blocker_id
		WHERE b.blocked_id = ? AND a.local = 0`, blockedID)
	if err != nil {
		return nil, fmt.Errorf("blocker inboxes: %w", err)
	}
	return scanStrings(rows)
}

// SetOwnerKeys replaces the owner's key pair.
func (tx *Tx) SetOwnerKeys(ctx context.Context, privatePEM, publicPEM string) error {
	res, err := tx.exec(ctx, `UPDATE owner SET private_key_pem = ?, public_key_pem = ? WHERE id = 1`, privatePEM, publicPEM)
	if err != nil {
		return fmt.Errorf("set owner keys: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set owner keys: owner: %w", ErrNotFound)
	}
	return nil
}

// domainActors matches the remote actors of a domain and its subdomains,
// with or without a port.
const domainActors = `local = 0 AND (domain = ?1 COLLATE NOCASE OR domain LIKE ?1 || ':%' OR domain LIKE '%.' || ?1 OR domain LIKE '%.' || ?1 || ':%')`

// DomainCounts is what a domain purge deletes.
type DomainCounts struct {
	Actors, Posts, Follows, Media int
}

// CountDomain counts the rows a purge of domain would delete.
func (db *DB) CountDomain(ctx context.Context, domain string) (DomainCounts, error) {
	var c DomainCounts
	in := `(SELECT id FROM actors WHERE ` + domainActors + `)`
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM actors WHERE `+domainActors+`),
		(SELECT COUNT(*) FROM posts WHERE author_id IN `+in+`),
		(SELECT COUNT(*) FROM follows WHERE follower_id IN `+in+` OR followee_id IN `+in+`),
		(SELECT COUNT(*) FROM attachments WHERE post_id IN (SELECT id FROM posts WHERE author_id IN `+in+`))`,
		strings.ToLower(domain)).Scan(&c.Actors, &c.Posts, &c.Follows, &c.Media)
	if err != nil {
		return c, fmt.Errorf("count domain %s: %w", domain, err)
	}
	return c, nil
}

// PurgeDomainBatch deletes up to limit actors of a domain and, by cascade,
// their posts, attachments, follows, likes, blocks and notifications. It
// returns how many actors it deleted; 0 means the domain is gone.
func (tx *Tx) PurgeDomainBatch(ctx context.Context, domain string, limit int) (int, error) {
	tx.actorsChanged = true
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM actors WHERE id IN (SELECT id FROM actors WHERE `+domainActors+` LIMIT ?2)`,
		strings.ToLower(domain), limit)
	if err != nil {
		return 0, fmt.Errorf("purge domain %s: %w", domain, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// prunable selects remote posts published before ?2 that nothing ties to
// the owner (actor ?1, URI ?3): not favourited, bookmarked, boosted,
// replied to, voted on or pinned by the owner, not mentioning the owner,
// not in a conversation holding one of the owner's posts, not replying to
// or boosting one of them.
const prunable = `FROM posts p WHERE p.local = 0 AND p.published_at < ?2
	AND NOT EXISTS (SELECT 1 FROM favourites x WHERE x.post_id = p.id)
	AND NOT EXISTS (SELECT 1 FROM bookmarks x WHERE x.post_id = p.id)
	AND NOT EXISTS (SELECT 1 FROM pins x WHERE x.post_uri = p.uri)
	AND NOT EXISTS (SELECT 1 FROM post_mentions x WHERE x.post_id = p.id AND x.actor_uri = ?3)
	AND NOT EXISTS (SELECT 1 FROM poll_votes x WHERE x.post_id = p.id AND x.actor_id = ?1)
	AND NOT EXISTS (SELECT 1 FROM posts x WHERE x.reblog_of_id = p.id AND x.author_id = ?1)
	AND NOT EXISTS (SELECT 1 FROM posts x WHERE x.in_reply_to_uri = p.uri AND x.local = 1)
	AND NOT EXISTS (SELECT 1 FROM posts x WHERE x.local = 1 AND x.id = p.reblog_of_id)
	AND NOT EXISTS (SELECT 1 FROM posts x WHERE x.local = 1 AND p.in_reply_to_uri != '' AND x.uri = p.in_reply_to_uri)
	AND NOT (p.conversation != '' AND EXISTS (SELECT 1 FROM posts x WHERE x.local = 1 AND x.conversation = p.conversation))`

// CountPrunablePosts counts the remote posts PrunePostsBatch would delete.
func (db *DB) CountPrunablePosts(ctx context.Context, owner Actor, before time.Time) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) `+prunable, owner.ID, unixMilli(before), owner.URI).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count prunable posts: %w", err)
	}
	return n, nil
}

// PrunePostsBatch deletes up to limit remote posts that CountPrunablePosts
// counts, oldest first, and returns how many it deleted.
func (tx *Tx) PrunePostsBatch(ctx context.Context, owner Actor, before time.Time, limit int) (int, error) {
	rows, err := tx.tx.QueryContext(ctx, `DELETE FROM posts WHERE id IN (SELECT p.id `+prunable+` ORDER BY p.published_at LIMIT ?4) RETURNING id`,
		owner.ID, unixMilli(before), owner.URI, limit)
	if err != nil {
		return 0, fmt.Errorf("prune posts: %w", err)
	}
	var n int
	var highest int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("prune posts: %w", err)
		}
		n, highest = n+1, max(highest, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("prune posts: %w", err)
	}
	// The newest post may be among the pruned (an old post fetched last):
	// its id must still count as used.
	if n > 0 {
		if err := tx.noteDeletedPostID(ctx, highest); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// CountIndexablePosts counts the posts the search index holds (all but
// boosts).
func (db *DB) CountIndexablePosts(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM posts WHERE reblog_of_id IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count posts: %w", err)
	}
	return n, nil
}

// ClearSearchIndex empties the full-text index; ReindexPostsBatch fills it
// again.
func (tx *Tx) ClearSearchIndex(ctx context.Context) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO posts_fts (posts_fts) VALUES ('delete-all')`); err != nil {
		return fmt.Errorf("clear search index: %w", err)
	}
	// Posts this transaction wrote are not indexed at its commit either.
	if _, err := tx.tx.ExecContext(ctx, clearPendingSQL); err != nil {
		return fmt.Errorf("clear search index: %w", err)
	}
	tx.indexDue = false
	return nil
}

// ReindexPostsBatch indexes up to limit posts with ids above afterID and
// returns the last id it indexed (0 when there were none left).
func (tx *Tx) ReindexPostsBatch(ctx context.Context, afterID int64, limit int) (int64, int, error) {
	var last int64
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*) FROM
		(SELECT id FROM posts WHERE id > ? AND reblog_of_id IS NULL ORDER BY id LIMIT ?)`, afterID, limit).Scan(&last, &n)
	if err != nil || n == 0 {
		return 0, 0, err
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO posts_fts (rowid, text, summary)
		SELECT id, kith_plain_text(content), summary FROM posts WHERE id > ? AND id <= ? AND reblog_of_id IS NULL`, afterID, last)
	if err != nil {
		return 0, 0, fmt.Errorf("reindex posts: %w", err)
	}
	return last, n, nil
}
