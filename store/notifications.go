package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Notification is something the owner is told about.
type Notification struct {
	ID        int64
	Type      string
	ActorID   int64
	PostID    int64
	CreatedAt time.Time
	Read      bool
}

// Notify adds a notification unless the same one (type, actor and post)
// exists, and returns its id: the new row's, or the one already there.
func (tx *Tx) Notify(ctx context.Context, typ string, actorID, postID int64) (int64, error) {
	var post any
	if postID != 0 {
		post = postID
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO notifications (type, actor_id, post_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
		RETURNING id`, typ, actorID, post, unixMilli(tx.now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.queryRow(ctx, `SELECT id FROM notifications WHERE type = ? AND actor_id = ? AND COALESCE(post_id, 0) = ?`,
			typ, actorID, postID).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	return id, nil
}

// Notifications lists notifications, newest first, hidden ones too.
func (db *DB) Notifications(ctx context.Context, limit int) ([]Notification, error) {
	return db.notifications(ctx, `SELECT id, type, actor_id, COALESCE(post_id, 0), created_at, read FROM notifications ORDER BY id DESC LIMIT ?`, limit)
}

// NotificationFilter narrows a notifications page, as GET
// /api/v1/notifications does.
type NotificationFilter struct {
	Types        []string // only these types; empty: all
	ExcludeTypes []string
	AccountID    int64 // only from this actor, when set
}

// notificationShown is the condition that a notification n (whose post, if
// any, is p) is not hidden by the owner's choices: its actor is not
// muted with notifications hidden, not blocked, not on a blocked domain,
// and its post is not in a muted conversation. Its placeholder takes the
// current time.
const notificationShown = `NOT EXISTS (SELECT 1 FROM mutes mu WHERE mu.actor_id = n.actor_id AND mu.hide_notifications = 1
		AND (mu.expires_at = 0 OR mu.expires_at > ?))
	AND NOT EXISTS (SELECT 1 FROM blocks b JOIN actors ba ON ba.id = b.blocker_id WHERE b.blocked_id = n.actor_id AND ba.local = 1)
	AND NOT EXISTS (SELECT 1 FROM domain_blocks db WHERE db.domain = (SELECT domain FROM actors na WHERE na.id = n.actor_id))
	AND (n.post_id IS NULL OR NOT EXISTS (SELECT 1 FROM posts p JOIN conversation_mutes cm ON cm.conversation = ` + conversationKey + `
		WHERE p.id = n.post_id))`

// NotificationsPage pages the notifications the owner should see, newest
// first, by notification id.
func (db *DB) NotificationsPage(ctx context.Context, pg Page, f NotificationFilter) ([]Notification, error) {
	where := notificationShown
	args := []any{unixMilli(db.now())}
	if len(f.Types) > 0 {
		in, targs := stringsIn(f.Types)
		where += ` AND n.type IN (` + in + `)`
		args = append(args, targs...)
	}
	if len(f.ExcludeTypes) > 0 {
		in, targs := stringsIn(f.ExcludeTypes)
		where += ` AND n.type NOT IN (` + in + `)`
		args = append(args, targs...)
	}
	if f.AccountID != 0 {
		where += ` AND n.actor_id = ?`
		args = append(args, f.AccountID)
	}
	cond, bargs, ascending := pg.bounds("n.id")
	order := "DESC"
	if ascending {
		order = "ASC"
	}
	args = append(append(args, bargs...), clampLimit(pg.Limit))
	out, err := db.notifications(ctx, `SELECT n.id, n.type, n.actor_id, COALESCE(n.post_id, 0), n.created_at, n.read
		FROM notifications n WHERE `+where+` AND `+cond+` ORDER BY n.id `+order+` LIMIT ?`, args...)
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}

func (db *DB) notifications(ctx context.Context, q string, args ...any) ([]Notification, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var at int64
		if err := rows.Scan(&n.ID, &n.Type, &n.ActorID, &n.PostID, &at, &n.Read); err != nil {
			return nil, err
		}
		n.CreatedAt = fromMilli(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// NotificationByID returns one notification.
func (db *DB) NotificationByID(ctx context.Context, id int64) (Notification, error) {
	out, err := db.notifications(ctx, `SELECT id, type, actor_id, COALESCE(post_id, 0), created_at, read FROM notifications WHERE id = ?`, id)
	if err != nil {
		return Notification{}, err
	}
	if len(out) == 0 {
		return Notification{}, fmt.Errorf("notification %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// DismissNotification deletes one notification.
func (tx *Tx) DismissNotification(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("notification %d", id))
}

// ClearNotifications deletes every notification.
func (tx *Tx) ClearNotifications(ctx context.Context) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM notifications`); err != nil {
		return fmt.Errorf("clear notifications: %w", err)
	}
	return nil
}

// UnreadNotifications counts the shown notifications newer than the
// "notifications" marker (all of them when there is no marker), up to
// limit (Mastodon caps the count it reports).
func (db *DB) UnreadNotifications(ctx context.Context, limit int) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications n
		WHERE n.id > COALESCE((SELECT last_read_id FROM markers WHERE timeline = 'notifications'), 0) AND `+notificationShown+`
		LIMIT ?)`, unixMilli(db.now()), limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return n, nil
}
