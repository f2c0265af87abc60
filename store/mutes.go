package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Mute is an account the owner muted.
type Mute struct {
	ID                int64 // paging cursor
	ActorID           int64
	HideNotifications bool
	ExpiresAt         time.Time // zero: never
	CreatedAt         time.Time
}

// PutMute mutes an account, or changes an existing mute's options (the
// mute keeps its place in the list). A zero expiresAt means forever.
func (tx *Tx) PutMute(ctx context.Context, actorID int64, hideNotifications bool, expiresAt time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mutes (actor_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (actor_id) DO UPDATE SET hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at`,
		actorID, hideNotifications, milliOrZero(expiresAt), unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("mute %d: %w", actorID, err)
	}
	return nil
}

// DeleteMute unmutes an account; unmuting one not muted is not an error.
func (tx *Tx) DeleteMute(ctx context.Context, actorID int64) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM mutes WHERE actor_id = ?`, actorID); err != nil {
		return fmt.Errorf("unmute %d: %w", actorID, err)
	}
	return nil
}

// DeleteExpiredMutes removes mutes that ended before now; reads already
// ignore them, this only tidies the table.
func (tx *Tx) DeleteExpiredMutes(ctx context.Context) (int, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM mutes WHERE expires_at != 0 AND expires_at <= ?`, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("delete expired mutes: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const muteColumns = `id, actor_id, hide_notifications, expires_at, created_at`

func scanMute(row interface{ Scan(...any) error }) (Mute, error) {
	var m Mute
	var expires, created int64
	err := row.Scan(&m.ID, &m.ActorID, &m.HideNotifications, &expires, &created)
	m.ExpiresAt, m.CreatedAt = fromMilliOrZero(expires), fromMilli(created)
	return m, err
}

// MuteOf returns the owner's current mute of an account, or ErrNotFound
// (also when it has expired).
func (db *DB) MuteOf(ctx context.Context, actorID int64) (Mute, error) {
	m, err := scanMute(db.read.QueryRowContext(ctx, `SELECT `+muteColumns+` FROM mutes
		WHERE actor_id = ? AND (expires_at = 0 OR expires_at > ?)`, actorID, unixMilli(db.now())))
	if err != nil {
		return Mute{}, notFound(err, fmt.Sprintf("mute of %d", actorID))
	}
	return m, nil
}

// Mutes pages the owner's current mutes, newest first, by Mute.ID.
func (db *DB) Mutes(ctx context.Context, pg Page) ([]Mute, error) {
	cond, args, ascending := pg.bounds("id")
	order := "DESC"
	if ascending {
		order = "ASC"
	}
	args = append([]any{unixMilli(db.now())}, args...)
	rows, err := db.read.QueryContext(ctx, `SELECT `+muteColumns+` FROM mutes WHERE (expires_at = 0 OR expires_at > ?) AND `+cond+`
		ORDER BY id `+order+` LIMIT ?`, append(args, clampLimit(pg.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("mutes: %w", err)
	}
	defer rows.Close()
	var out []Mute
	for rows.Next() {
		m, err := scanMute(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// conversationKey is the SQL for a post p's conversation mute key: its
// conversation, or its URI when it names none.
const conversationKey = `CASE WHEN p.conversation != '' THEN p.conversation ELSE p.uri END`

// MuteConversation mutes the conversation a post belongs to: no more
// notifications about posts in it.
func (tx *Tx) MuteConversation(ctx context.Context, postID int64) error {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO conversation_mutes (conversation, created_at)
		SELECT `+conversationKey+`, ? FROM posts p WHERE p.id = ? ON CONFLICT DO NOTHING`, unixMilli(tx.now), postID)
	if err != nil {
		return fmt.Errorf("mute conversation of %d: %w", postID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM posts WHERE id = ?`, postID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("post %d: %w", postID, ErrNotFound)
		}
	}
	return nil
}

// UnmuteConversation unmutes the conversation a post belongs to.
func (tx *Tx) UnmuteConversation(ctx context.Context, postID int64) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM conversation_mutes WHERE conversation = (SELECT `+conversationKey+` FROM posts p WHERE p.id = ?)`, postID)
	if err != nil {
		return fmt.Errorf("unmute conversation of %d: %w", postID, err)
	}
	return nil
}
