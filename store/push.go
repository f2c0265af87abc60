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
	CreatedAt time.Time
}

// PutPushSubscription stores (or replaces) the subscription of a token.
func (tx *Tx) PutPushSubscription(ctx context.Context, s PushSubscription) error {
	alerts, _ := json.Marshal(s.Alerts)
	if s.Alerts == nil {
		alerts = []byte("{}")
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO push_subscriptions (token_hash, endpoint, p256dh, auth, alerts, policy, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		alerts = excluded.alerts, policy = excluded.policy, created_at = excluded.created_at`,
		s.TokenHash, s.Endpoint, s.P256dh, s.Auth, string(alerts), cmp.Or(s.Policy, "all"), unixMilli(tx.now))
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

const pushColumns = `token_hash, endpoint, p256dh, auth, alerts, policy, created_at`

func scanPush(row interface{ Scan(...any) error }) (PushSubscription, error) {
	var s PushSubscription
	var alerts string
	var at int64
	if err := row.Scan(&s.TokenHash, &s.Endpoint, &s.P256dh, &s.Auth, &alerts, &s.Policy, &at); err != nil {
		return PushSubscription{}, err
	}
	json.Unmarshal([]byte(alerts), &s.Alerts)
	s.CreatedAt = fromMilli(at)
	return s, nil
}

// PushSubscriptionOf returns a token's subscription.
func (db *DB) PushSubscriptionOf(ctx context.Context, tokenHash []byte) (PushSubscription, error) {
	s, err := scanPush(db.read.QueryRowContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions WHERE token_hash = ?`, tokenHash))
	if err != nil {
		return PushSubscription{}, notFound(err, "push subscription")
	}
	return s, nil
}

// PushSubscriptionsFor returns the subscriptions that want an alert type
// (mention, favourite, …), for sending a notification.
func (db *DB) PushSubscriptionsFor(ctx context.Context, alert string) ([]PushSubscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+pushColumns+` FROM push_subscriptions
		WHERE policy != 'none' AND json_extract(alerts, '$.' || json_quote(?)) = 1`, alert)
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
