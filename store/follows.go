package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Follow states.
const (
	FollowPending  = "pending"
	FollowAccepted = "accepted"
)

// Follow is one follow relationship.
type Follow struct {
	FollowerID  int64
	FolloweeID  int64
	State       string
	ActivityURI string
	CreatedAt   time.Time
}

// PutFollow records a follow (or refreshes its activity and state).
func (tx *Tx) PutFollow(ctx context.Context, f Follow) error {
	_, err := tx.exec(ctx, `INSERT INTO follows (follower_id, followee_id, state, activity_uri, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (follower_id, followee_id) DO UPDATE SET state = excluded.state, activity_uri = excluded.activity_uri`,
		f.FollowerID, f.FolloweeID, f.State, f.ActivityURI, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("put follow: %w", err)
	}
	return nil
}

// FollowBetween returns the follow of follower → followee.
func (tx *Tx) FollowBetween(ctx context.Context, followerID, followeeID int64) (Follow, error) {
	return followWhere(ctx, txQueryer{tx}, `follower_id = ? AND followee_id = ?`, followerID, followeeID)
}

// FollowBetween returns the follow of follower → followee.
func (db *DB) FollowBetween(ctx context.Context, followerID, followeeID int64) (Follow, error) {
	return followWhere(ctx, db.read, `follower_id = ? AND followee_id = ?`, followerID, followeeID)
}

// FollowByActivity finds a follow by the URI of its Follow activity.
func (tx *Tx) FollowByActivity(ctx context.Context, uri string) (Follow, error) {
	return followWhere(ctx, txQueryer{tx}, `activity_uri = ?`, uri)
}

func followWhere(ctx context.Context, q queryer, where string, args ...any) (Follow, error) {
	var f Follow
	var created int64
	err := q.QueryRowContext(ctx, `SELECT follower_id, followee_id, state, activity_uri, created_at FROM follows WHERE `+where, args...).
		Scan(&f.FollowerID, &f.FolloweeID, &f.State, &f.ActivityURI, &created)
	if err != nil {
		return Follow{}, notFound(err, "follow")
	}
	f.CreatedAt = fromMilli(created)
	return f, nil
}

// SetFollowState accepts a pending follow.
func (tx *Tx) SetFollowState(ctx context.Context, followerID, followeeID int64, state string) error {
	res, err := tx.exec(ctx, `UPDATE follows SET state = ? WHERE follower_id = ? AND followee_id = ?`, state, followerID, followeeID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("follow: %w", ErrNotFound)
	}
	return nil
}

// DeleteFollow removes a follow; it reports whether one existed.
func (tx *Tx) DeleteFollow(ctx context.Context, followerID, followeeID int64) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM follows WHERE follower_id = ? AND followee_id = ?`, followerID, followeeID)
	if err != nil {
		return false, fmt.Errorf("delete follow: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FollowerInboxes returns the inboxes that reach the accepted followers of
// an actor: shared inboxes where they have one, each URL once.
func (tx *Tx) FollowerInboxes(ctx context.Context, followeeID int64) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT CASE WHEN a.shared_inbox != '' THEN a.shared_inbox ELSE a.inbox END
		FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = 'accepted' AND a.local = 0`, followeeID)
	if err != nil {
		return nil, fmt.Errorf("follower inboxes: %w", err)
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// Followers lists the actors following followee in a state, newest first.
func (db *DB) Followers(ctx context.Context, followeeID int64, state string, offset, limit int) ([]Actor, error) {
	return db.actorList(ctx, `SELECT `+prefixed("a.", actorColumns)+` FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = ? ORDER BY f.created_at DESC, f.follower_id DESC LIMIT ? OFFSET ?`, followeeID, state, limit, offset)
}

// Following lists the actors follower follows in a state, newest first.
func (db *DB) Following(ctx context.Context, followerID int64, state string, offset, limit int) ([]Actor, error) {
	return db.actorList(ctx, `SELECT `+prefixed("a.", actorColumns)+` FROM follows f JOIN actors a ON a.id = f.followee_id
		WHERE f.follower_id = ? AND f.state = ? ORDER BY f.created_at DESC, f.followee_id DESC LIMIT ? OFFSET ?`, followerID, state, limit, offset)
}

// CountFollows counts followers (of id) or followings (by id), accepted only.
func (db *DB) CountFollows(ctx context.Context, id int64) (followers, following int, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM follows WHERE followee_id = ? AND state = 'accepted'),
		(SELECT COUNT(*) FROM follows WHERE follower_id = ? AND state = 'accepted')`, id, id).Scan(&followers, &following)
	return followers, following, err
}

// FollowersOf lists, inside a transaction, who follows an actor (accepted).
func (tx *Tx) FollowersOf(ctx context.Context, followeeID int64) ([]int64, error) {
	rows, err := tx.query(ctx, `SELECT follower_id FROM follows WHERE followee_id = ? AND state = 'accepted'`, followeeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (db *DB) actorList(ctx context.Context, q string, args ...any) ([]Actor, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func prefixed(prefix, columns string) string {
	var out []byte
	start := true
	for i := 0; i < len(columns); i++ {
		c := columns[i]
		if start && c != ' ' && c != '\n' && c != '\t' {
			out = append(out, prefix...)
			start = false
		}
		if c == ',' {
			start = true
		}
		out = append(out, c)
	}
	return string(out)
}

// SeverFollows removes follows both ways between two actors (a block does
// this).
func (tx *Tx) SeverFollows(ctx context.Context, a, b int64) error {
	_, err := tx.exec(ctx, `DELETE FROM follows WHERE (follower_id = ? AND followee_id = ?) OR (follower_id = ? AND followee_id = ?)`, a, b, b, a)
	return err
}

// SeverDomainFollows removes every follow, both ways, between the local
// actor and the actors of the given domains, in any letter case. It reads
// only the local actor's own follows, so its cost does not grow with the
// actors stored (kith serve runs it at every start, for the domains the
// config blocks).
func (tx *Tx) SeverDomainFollows(ctx context.Context, domains ...string) error {
	if len(domains) == 0 {
		return nil
	}
	list, err := json.Marshal(domains)
	if err != nil {
		return err
	}
	// Both ways, each by the index that starts at the local actor.
	for _, q := range []string{
		`DELETE FROM follows WHERE follower_id = ?1 AND followee_id IN (
			SELECT f.followee_id FROM follows f JOIN actors a ON a.id = f.followee_id
			WHERE f.follower_id = ?1 AND lower(a.domain) IN (SELECT lower(value) FROM json_each(?2)))`,
		`DELETE FROM follows WHERE followee_id = ?1 AND follower_id IN (
			SELECT f.follower_id FROM follows f JOIN actors a ON a.id = f.follower_id
			WHERE f.followee_id = ?1 AND lower(a.domain) IN (SELECT lower(value) FROM json_each(?2)))`,
	} {
		if _, err = tx.exec(ctx, q, tx.ownerID, string(list)); err != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("sever follows with %s: %w", strings.Join(domains, ", "), err)
	}
	return nil
}

// FollowersPage pages the accounts that follow followeeID (accepted
// follows), by actor id, highest first. Follows carry no row id of their
// own, so the actor id is the cursor Link headers carry.
func (db *DB) FollowersPage(ctx context.Context, followeeID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM follows f
		JOIN actors a ON a.id = f.follower_id WHERE f.followee_id = ? AND f.state = 'accepted'`, followeeID)
	return actors, err
}

// FollowingPage pages the accounts followerID follows (accepted), by
// actor id, highest first.
func (db *DB) FollowingPage(ctx context.Context, followerID int64, pg Page) ([]Actor, error) {
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM follows f
		JOIN actors a ON a.id = f.followee_id WHERE f.follower_id = ? AND f.state = 'accepted'`, followerID)
	return actors, err
}

// FollowRequests pages the accounts waiting for the owner to
// accept their follow, by actor id, highest first.
func (db *DB) FollowRequests(ctx context.Context, pg Page) ([]Actor, error) {
	owner := db.OwnerID()
	actors, _, err := db.pagedActors(ctx, pg, "a.id", `SELECT `+prefixed("a.", actorColumns)+`, a.id FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = 'pending'`, owner)
	return actors, err
}

// CountFollowRequests counts the follow requests awaiting the owner.
func (db *DB) CountFollowRequests(ctx context.Context) (int, error) {
	owner := db.OwnerID()
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM follows WHERE followee_id = ? AND state = 'pending'`, owner).Scan(&n)
	return n, err
}

// FollowerURIsWithPrefix lists the ids of followee's accepted followers
// whose actor URI starts with prefix (a scheme and authority, such as
// "https://example.com/"): the followers that live on one server.
func (db *DB) FollowerURIsWithPrefix(ctx context.Context, followeeID int64, prefix string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT a.uri FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND f.state = 'accepted' AND substr(a.uri, 1, ?) = ? ORDER BY a.uri`,
		followeeID, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("followers on %s: %w", prefix, err)
	}
	return scanStrings(rows)
}

// FollowedAmong reports which of ids follower follows (accepted), in one
// query.
func (db *DB) FollowedAmong(ctx context.Context, followerID int64, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	rows, err := db.read.QueryContext(ctx, `SELECT followee_id FROM follows WHERE follower_id = ? AND state = 'accepted'
		AND followee_id IN (`+in+`)`, append([]any{followerID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("followed among: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("followed among: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
