package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
)

// Session is a signed-in browser.
type Session struct {
	TokenHash []byte
	CSRFToken string
	CreatedAt time.Time
	SeenAt    time.Time
	ExpiresAt time.Time
	UserAgent string
	IP        string
}

// HashSessionToken is how a cookie value is looked up: the table keeps
// only this hash.
func HashSessionToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession stores a new session for the cookie value token.
func (tx *Tx) CreateSession(ctx context.Context, token string, s Session) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, csrf_token, created_at, seen_at, expires_at, user_agent, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		HashSessionToken(token), s.CSRFToken, unixMilli(tx.now), unixMilli(tx.now), unixMilli(s.ExpiresAt), s.UserAgent, s.IP)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionByToken returns the unexpired session for a cookie value, or
// ErrNotFound.
func (db *DB) SessionByToken(ctx context.Context, token string, now time.Time) (Session, error) {
	var s Session
	var created, seen, expires int64
	err := db.read.QueryRowContext(ctx, `SELECT token_hash, csrf_token, created_at, seen_at, expires_at, user_agent, ip
		FROM sessions WHERE token_hash = ? AND expires_at > ?`, HashSessionToken(token), unixMilli(now)).
		Scan(&s.TokenHash, &s.CSRFToken, &created, &seen, &expires, &s.UserAgent, &s.IP)
	if err != nil {
		return Session{}, notFound(err, "session")
	}
	s.CreatedAt, s.SeenAt, s.ExpiresAt = fromMilli(created), fromMilli(seen), fromMilli(expires)
	return s, nil
}

// TouchSession records activity and slides the expiry forward.
func (tx *Tx) TouchSession(ctx context.Context, tokenHash []byte, expires time.Time) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET seen_at = ?, expires_at = ? WHERE token_hash = ?`,
		unixMilli(tx.now), unixMilli(expires), tokenHash)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Sessions lists live sessions, most recently seen first.
func (db *DB) Sessions(ctx context.Context, now time.Time) ([]Session, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT token_hash, csrf_token, created_at, seen_at, expires_at, user_agent, ip
		FROM sessions WHERE expires_at > ? ORDER BY seen_at DESC`, unixMilli(now))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		var created, seen, expires int64
		if err := rows.Scan(&s.TokenHash, &s.CSRFToken, &created, &seen, &expires, &s.UserAgent, &s.IP); err != nil {
			return nil, err
		}
		s.CreatedAt, s.SeenAt, s.ExpiresAt = fromMilli(created), fromMilli(seen), fromMilli(expires)
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteExpiredSessions removes sessions past their expiry.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
