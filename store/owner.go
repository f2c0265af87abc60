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

// SetOwnerPassword replaces the password hash and ends every web session,
// so a changed password locks out whoever knew the old one.
func (tx *Tx) SetOwnerPassword(ctx context.Context, hash string) error {
	res, err := tx.exec(ctx, `UPDATE owner SET password_hash = ?, password_changed_at = ? WHERE id = 1`, hash, unixMilli(tx.now))
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set password: owner: %w", ErrNotFound)
	}
	if _, err := tx.exec(ctx, `DELETE FROM sessions`); err != nil {
		return fmt.Errorf("set password: end sessions: %w", err)
	}
	return nil
}
