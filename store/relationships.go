package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// FollowOptions are the owner's choices about one followee. Until the
// owner sets them, a followee has ShowReblogs true and the rest zero.
type FollowOptions struct {
	ShowReblogs bool     // their boosts appear in home
	Notify      bool     // a notification for each of their posts
	Languages   []string // only posts in these languages; empty: all
}

// SetFollowOptions stores the owner's options for a followee.
func (tx *Tx) SetFollowOptions(ctx context.Context, followeeID int64, o FollowOptions) error {
	langs, _ := json.Marshal(nonNil(o.Languages))
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO follow_options (followee_id, show_reblogs, notify, languages) VALUES (?, ?, ?, ?)
		ON CONFLICT (followee_id) DO UPDATE SET show_reblogs = excluded.show_reblogs, notify = excluded.notify, languages = excluded.languages`,
		followeeID, o.ShowReblogs, o.Notify, string(langs))
	if err != nil {
		return fmt.Errorf("follow options of %d: %w", followeeID, err)
	}
	return nil
}

// SetAccountNote stores the owner's private note on an account; an empty
// note removes it.
func (tx *Tx) SetAccountNote(ctx context.Context, actorID int64, note string) error {
	var err error
	if note == "" {
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM account_notes WHERE actor_id = ?`, actorID)
	} else {
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO account_notes (actor_id, note, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (actor_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at`, actorID, note, unixMilli(tx.now))
	}
	if err != nil {
		return fmt.Errorf("note on %d: %w", actorID, err)
	}
	return nil
}

// PutEndorsement features an account on the owner's profile.
func (tx *Tx) PutEndorsement(ctx context.Context, actorID int64) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO endorsements (actor_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, actorID, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("endorse %d: %w", actorID, err)
	}
	return nil
}

// DeleteEndorsement stops featuring an account.
func (tx *Tx) DeleteEndorsement(ctx context.Context, actorID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM endorsements WHERE actor_id = ?`, actorID)
	return err
}

// Endorsements lists the featured accounts, newest first.
func (db *DB) Endorsements(ctx context.Context) ([]Actor, error) {
	return db.actorList(ctx, `SELECT `+prefixed("a.", actorColumns)+` FROM endorsements e JOIN actors a ON a.id = e.actor_id ORDER BY e.id DESC`)
}

// Relationship is the owner's relationship with one account, as Mastodon's
// Relationship entity has it.
type Relationship struct {
	ActorID             int64
	Following           bool
	Requested           bool // the owner's follow awaits acceptance
	FollowedBy          bool
	RequestedBy         bool // their follow awaits the owner's acceptance
	Blocking            bool
	BlockedBy           bool
	Muting              bool
	MutingNotifications bool
	DomainBlocking      bool
	Endorsed            bool
	Note                string
	FollowOptions
}

// Relationships returns the owner's relationships with many
// accounts in one query, keyed by actor id; ids not stored are absent.
func (db *DB) Relationships(ctx context.Context, ids []int64) (map[int64]Relationship, error) {
	owner := db.OwnerID()
	out := make(map[int64]Relationship, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := int64s(ids)
	now := unixMilli(db.now())
	rows, err := db.read.QueryContext(ctx, `SELECT a.id,
		COALESCE((SELECT state FROM follows WHERE follower_id = ? AND followee_id = a.id), ''),
		COALESCE((SELECT state FROM follows WHERE follower_id = a.id AND followee_id = ?), ''),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = a.id),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id AND blocked_id = ?),
		COALESCE((SELECT 1 + hide_notifications FROM mutes WHERE actor_id = a.id AND (expires_at = 0 OR expires_at > ?)), 0),
		EXISTS (SELECT 1 FROM domain_blocks db WHERE db.domain = a.domain),
		EXISTS (SELECT 1 FROM endorsements WHERE actor_id = a.id),
		COALESCE((SELECT note FROM account_notes WHERE actor_id = a.id), ''),
		COALESCE((SELECT show_reblogs FROM follow_options WHERE followee_id = a.id), 1),
		COALESCE((SELECT notify FROM follow_options WHERE followee_id = a.id), 0),
		COALESCE((SELECT languages FROM follow_options WHERE followee_id = a.id), '[]')
		FROM actors a WHERE a.id IN (`+in+`)`, append([]any{owner, owner, owner, owner, now}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("relationships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Relationship
		var out1, in1, langs string
		var mute int
		if err := rows.Scan(&r.ActorID, &out1, &in1, &r.Blocking, &r.BlockedBy, &mute, &r.DomainBlocking, &r.Endorsed, &r.Note,
			&r.ShowReblogs, &r.Notify, &langs); err != nil {
			return nil, err
		}
		r.Following, r.Requested = out1 == FollowAccepted, out1 == FollowPending
		r.FollowedBy, r.RequestedBy = in1 == FollowAccepted, in1 == FollowPending
		r.Muting, r.MutingNotifications = mute > 0, mute == 2
		json.Unmarshal([]byte(langs), &r.Languages)
		out[r.ActorID] = r
	}
	return out, rows.Err()
}
