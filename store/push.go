package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// PushSubscription is a Web Push subscription, one per access token.
type PushSubscription struct {
	TokenHash []byte
	Endpoint  string
	P256dh    string // the client's public key (base64url)
	Auth      string // the client's auth secret (base64url)
	Alerts    map[string]bool
	Policy    string // all, followed, follower or none
	// Standard: the client asked for RFC 8291 aes128gcm; otherwise pushes
	// use the legacy aesgcm coding.
	Standard bool
	// SealedToken is the access token the subscription was made with,
	// encrypted by the caller (pushes carry it back to the app); nil for
	// subscriptions made before kith sent pushes.
	SealedToken []byte
	CreatedAt   time.Time
	// LastSuccessAt and LastFailureAt are the last push the service took
	// and the last it refused or failed (zero: never); LastError says why.
	LastSuccessAt, LastFailureAt time.Time
	LastError                    string
	AppName                      string // the token's application, read only
}

// PutPushSubscription stores (or replaces) the subscription of a token.
func (tx *Tx) PutPushSubscription(ctx context.Context, s PushSubscription) error {
	alerts, _ := json.Marshal(s.Alerts)
	if s.Alerts == nil {
		alerts = []byte("{}")
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO push_subscriptions (token_hash, endpoint, p256dh, auth, alerts, policy, standard,
		sealed_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		alerts = excluded.alerts, policy = excluded.policy, standard = excluded.standard, sealed_token = excluded.sealed_token,
		created_at = excluded.created_at, last_success_at = 0, last_failure_at = 0, last_error = ''`,
		s.TokenHash, s.Endpoint, s.P256dh, s.Auth, string(alerts), cmp.Or(s.Policy, "all"), s.Standard, s.SealedToken, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("put push subscription: %w", err)
	}
	return nil
}

// UpdatePushAlerts changes what a subscription is told about.
func (tx *Tx) UpdatePushAlerts(ctx context.Context, tokenHash []byte, alerts map[string]bool, policy string) error {
	b, _ := json.Marshal(alerts)
	if alerts == nil {
		b = []byte("{}")
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE push_subscriptions SET alerts = ?, policy = ? WHERE token_hash = ?`, string(b), cmp.Or(policy, "all"), tokenHash)
	return affectedOne(res, err, "push subscription")
}

// DeletePushSubscription removes a token's subscription (also used when
// the push service answers 404 or 410).
func (tx *Tx) DeletePushSubscription(ctx context.Context, tokenHash []byte) error {
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE token_hash = ?`, tokenHash)
	return err
}

// RecordPush notes how sending to a subscription went: errText empty for
// a push the service took.
func (tx *Tx) RecordPush(ctx context.Context, tokenHash []byte, errText string) error {
	q := `UPDATE push_subscriptions SET last_success_at = ? WHERE token_hash = ?`
	args := []any{unixMilli(tx.now), tokenHash}
	if errText != "" {
		q = `UPDATE push_subscriptions SET last_failure_at = ?, last_error = ? WHERE token_hash = ?`
		args = []any{unixMilli(tx.now), errText, tokenHash}
	}
	_, err := tx.exec(ctx, q, args...)
	return err
}

const pushColumns = `s.token_hash, s.endpoint, s.p256dh, s.auth, s.alerts, s.policy, s.standard, s.sealed_token, s.created_at,
	s.last_success_at, s.last_failure_at, s.last_error, COALESCE((SELECT a.name FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
	WHERE t.token_hash = s.token_hash), '')`

func scanPush(row interface{ Scan(...any) error }) (PushSubscription, error) {
	var s PushSubscription
	var alerts string
	var at, ok, failed int64
	if err := row.Scan(&s.TokenHash, &s.Endpoint, &s.P256dh, &s.Auth, &alerts, &s.Policy, &s.Standard, &s.SealedToken, &at,
		&ok, &failed, &s.LastError, &s.AppName); err != nil {
		return PushSubscription{}, err
	}
	json.Unmarshal([]byte(alerts), &s.Alerts)
	s.CreatedAt = fromMilli(at)
	s.LastSuccessAt, s.LastFailureAt = fromMilliOrZero(ok), fromMilliOrZero(failed)
	return s, nil
}

// PushSubscriptionOf returns a token's subscription.
func (db *DB) PushSubscriptionOf(ctx context.Context, tokenHash []byte) (PushSubscription, error) {
	s, err := scanPush(db.read.QueryRowContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions s WHERE s.token_hash = ?`, tokenHash))
	if err != nil {
		return PushSubscription{}, notFound(err, "push subscription")
	}
	return s, nil
}

// PushSubscriptions lists every subscription, newest first, for the
// settings page.
func (db *DB) PushSubscriptions(ctx context.Context) ([]PushSubscription, error) {
	return collectPush(db.read.QueryContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions s ORDER BY s.created_at DESC`))
}

// HasPushSubscriptions reports whether any subscription exists: a
// notification queues push work only then.
func (tx *Tx) HasPushSubscriptions(ctx context.Context) (bool, error) {
	var exists bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM push_subscriptions)`).Scan(&exists); err != nil {
		return false, fmt.Errorf("push subscriptions: %w", err)
	}
	return exists, nil
}

// PushTargets returns the subscriptions that should hear of notification
// id: its type is among their alerts, their policy admits its actor (all;
// followed: the owner follows the actor; follower: the actor follows the
// owner; none: nobody), and the owner sees it (the actor is not muted with
// notifications, blocked or on a blocked domain, the conversation is not
// muted). The push job asks when it sends, so a mute made meanwhile holds.
func (db *DB) PushTargets(ctx context.Context, id int64) ([]PushSubscription, error) {
	return collectPush(db.read.QueryContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions s JOIN notifications n ON n.id = ?
		WHERE json_extract(s.alerts, '$.' || json_quote(n.type)) = 1
		AND (s.policy = 'all'
			OR (s.policy = 'followed' AND EXISTS (SELECT 1 FROM follows f JOIN actors o ON o.id = f.follower_id AND o.local = 1
				WHERE f.followee_id = n.actor_id AND f.state = 'accepted'))
			OR (s.policy = 'follower' AND EXISTS (SELECT 1 FROM follows f JOIN actors o ON o.id = f.followee_id AND o.local = 1
				WHERE f.follower_id = n.actor_id AND f.state = 'accepted')))
		AND `+notificationShown, id, unixMilli(db.now())))
}

func collectPush(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, err error) ([]PushSubscription, error) {
	if err != nil {
		return nil, fmt.Errorf("push subscriptions: %w", err)
	}
	defer rows.Close()
	var out []PushSubscription
	for rows.Next() {
		s, err := scanPush(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
