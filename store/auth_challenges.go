package store

import (
	"context"
	"fmt"
	"time"
)

// Kinds of AuthChallenge.
const (
	// ChallengeSecondFactor is a sign-in whose password was right,
	// waiting for a code or a passkey.
	ChallengeSecondFactor = "second_factor"
	// ChallengePasskeyLogin is a sign-in with a passkey alone.
	ChallengePasskeyLogin = "passkey_login"
	// ChallengePasskeyRegister is the owner adding a passkey.
	ChallengePasskeyRegister = "passkey_register"
	// ChallengeTOTPSetup is the owner setting up an authenticator app.
	ChallengeTOTPSetup = "totp_setup"
)

// AuthChallenge is a sign-in or a set-up in progress, found by a
// short-lived cookie whose hash is its key.
type AuthChallenge struct {
	Kind string
	// Next is where the sign-in goes once done.
	Next string
	// Data is what the next request needs: WebAuthn's session data
	// between begin and finish, or the TOTP secret being set up.
	Data      string
	Attempts  int
	ExpiresAt time.Time
}

// CreateAuthChallenge stores a challenge for the cookie value token, and
// deletes the expired ones.
func (tx *Tx) CreateAuthChallenge(ctx context.Context, token string, c AuthChallenge) error {
	if _, err := tx.exec(ctx, `DELETE FROM auth_challenges WHERE expires_at <= ?`, unixMilli(tx.now)); err != nil {
		return fmt.Errorf("create auth challenge: %w", err)
	}
	_, err := tx.exec(ctx, `INSERT INTO auth_challenges (token_hash, kind, next, data, expires_at) VALUES (?, ?, ?, ?, ?)`,
		HashSessionToken(token), c.Kind, c.Next, c.Data, unixMilli(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create auth challenge: %w", err)
	}
	return nil
}

// AuthChallenge returns the unexpired challenge of kind for the cookie
// value token, or ErrNotFound.
func (db *DB) AuthChallenge(ctx context.Context, token, kind string, now time.Time) (AuthChallenge, error) {
	c := AuthChallenge{Kind: kind}
	var expires int64
	err := db.read.QueryRowContext(ctx, `SELECT next, data, attempts, expires_at FROM auth_challenges
		WHERE token_hash = ? AND kind = ? AND expires_at > ?`, HashSessionToken(token), kind, unixMilli(now)).
		Scan(&c.Next, &c.Data, &c.Attempts, &expires)
	if err != nil {
		return AuthChallenge{}, notFound(err, "auth challenge")
	}
	c.ExpiresAt = fromMilli(expires)
	return c, nil
}

// SetAuthChallengeData stores WebAuthn's session data on a challenge.
func (tx *Tx) SetAuthChallengeData(ctx context.Context, token, data string) error {
	res, err := tx.exec(ctx, `UPDATE auth_challenges SET data = ? WHERE token_hash = ? AND expires_at > ?`,
		data, HashSessionToken(token), unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("set auth challenge data: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set auth challenge data: %w", ErrNotFound)
	}
	return nil
}

// FailAuthChallenge counts a wrong answer to a challenge and returns how
// many there were; the challenge is deleted once there are max.
func (tx *Tx) FailAuthChallenge(ctx context.Context, token string, max int) (int, error) {
	var n int
	err := tx.queryRow(ctx, `UPDATE auth_challenges SET attempts = attempts + 1 WHERE token_hash = ? RETURNING attempts`,
		HashSessionToken(token)).Scan(&n)
	if err != nil {
		return 0, notFound(err, "auth challenge")
	}
	if n >= max {
		return n, tx.DeleteAuthChallenge(ctx, token)
	}
	return n, nil
}

// TakeAuthChallenge deletes the unexpired challenge of kind for token and
// returns it, or ErrNotFound: each one is answered once.
func (tx *Tx) TakeAuthChallenge(ctx context.Context, token, kind string) (AuthChallenge, error) {
	c := AuthChallenge{Kind: kind}
	var expires int64
	err := tx.queryRow(ctx, `DELETE FROM auth_challenges WHERE token_hash = ? AND kind = ? AND expires_at > ?
		RETURNING next, data, attempts, expires_at`, HashSessionToken(token), kind, unixMilli(tx.now)).
		Scan(&c.Next, &c.Data, &c.Attempts, &expires)
	if err != nil {
		return AuthChallenge{}, notFound(err, "auth challenge")
	}
	c.ExpiresAt = fromMilli(expires)
	return c, nil
}

// DeleteAuthChallenge ends a challenge.
func (tx *Tx) DeleteAuthChallenge(ctx context.Context, token string) error {
	if _, err := tx.exec(ctx, `DELETE FROM auth_challenges WHERE token_hash = ?`, HashSessionToken(token)); err != nil {
		return fmt.Errorf("delete auth challenge: %w", err)
	}
	return nil
}
