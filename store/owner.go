package store

import (
	"context"
	"fmt"
	"time"
)

// Owner is the one local account.
type Owner struct {
	Username          string
	DisplayName       string
	PasswordHash      string
	PrivateKeyPEM     string
	PublicKeyPEM      string
	CreatedAt         time.Time
	PasswordChangedAt time.Time
}

// ErrOwnerExists is returned when creating an owner where one exists.
var ErrOwnerExists = fmt.Errorf("owner account already exists")

// CreateOwner inserts the owner account.
func (tx *Tx) CreateOwner(ctx context.Context, o Owner) error {
	now := unixMilli(tx.now)
	res, err := tx.exec(ctx, `INSERT INTO owner (id, username, display_name, password_hash, private_key_pem, public_key_pem, created_at, password_changed_at)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		o.Username, o.DisplayName, o.PasswordHash, o.PrivateKeyPEM, o.PublicKeyPEM, now, now)
	if err != nil {
		return fmt.Errorf("create owner: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrOwnerExists
	}
	return nil
}

// Owner returns the owner account, or ErrNotFound before setup.
func (db *DB) Owner(ctx context.Context) (Owner, error) {
	var o Owner
	var created, changed int64
	err := db.read.QueryRowContext(ctx, `SELECT username, display_name, password_hash, private_key_pem, public_key_pem, created_at, password_changed_at
		FROM owner WHERE id = 1`).Scan(&o.Username, &o.DisplayName, &o.PasswordHash, &o.PrivateKeyPEM, &o.PublicKeyPEM, &created, &changed)
	if err != nil {
		return Owner{}, notFound(err, "owner")
	}
	o.CreatedAt, o.PasswordChangedAt = fromMilli(created), fromMilli(changed)
	return o, nil
}

// Revoked lists the credentials a change ended, by their stored hashes,
// so that the server can close what they hold open.
type Revoked struct {
	Sessions [][]byte
	Tokens   [][]byte
}

// SetOwnerPassword replaces the password hash and ends every web session
// and every access token that acts as the owner, so a changed password
// locks out whoever knew the old one and whatever they signed in.
//
// Note: Mastodon revokes the tokens whose resource owner is the user,
// which leaves client_credentials tokens (app-only here) alone: they never
// came from the password and act as nobody.
func (tx *Tx) SetOwnerPassword(ctx context.Context, hash string) (Revoked, error) {
	res, err := tx.exec(ctx, `UPDATE owner SET password_hash = ?, password_changed_at = ? WHERE id = 1`, hash, unixMilli(tx.now))
	if err != nil {
		return Revoked{}, fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Revoked{}, fmt.Errorf("set password: owner: %w", ErrNotFound)
	}
	var r Revoked
	if r.Sessions, err = tx.deleteHashes(ctx, `DELETE FROM sessions RETURNING token_hash`); err != nil {
		return Revoked{}, fmt.Errorf("set password: end sessions: %w", err)
	}
	if r.Tokens, err = tx.deleteHashes(ctx, `DELETE FROM oauth_tokens WHERE app_only = 0 RETURNING token_hash`); err != nil {
		return Revoked{}, fmt.Errorf("set password: revoke tokens: %w", err)
	}
	return r, nil
}

// deleteHashes runs a DELETE … RETURNING token_hash and collects them.
func (tx *Tx) deleteHashes(ctx context.Context, q string, args ...any) ([][]byte, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
