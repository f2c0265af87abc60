package store

import (
	"context"
	"fmt"
	"time"
)

// Passkey is one of the owner's WebAuthn credentials.
type Passkey struct {
	ID           int64
	CredentialID []byte
	RPID         string
	Name         string
	// Record is the credential record, JSON, as go-webauthn reads it back.
	Record     string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
}

// Passkeys lists the passkeys registered for rpID, oldest first.
func (db *DB) Passkeys(ctx context.Context, rpID string) ([]Passkey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, credential_id, rp_id, name, record, created_at, last_used_at
		FROM passkeys WHERE rp_id = ? ORDER BY id`, rpID)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var p Passkey
		var created, used int64
		if err := rows.Scan(&p.ID, &p.CredentialID, &p.RPID, &p.Name, &p.Record, &created, &used); err != nil {
			return nil, fmt.Errorf("passkeys: %w", err)
		}
		p.CreatedAt, p.LastUsedAt = fromMilli(created), fromMilliOrZero(used)
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPasskey stores a new passkey and returns its id.
func (tx *Tx) AddPasskey(ctx context.Context, p Passkey) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO passkeys (credential_id, rp_id, name, record, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		p.CredentialID, p.RPID, p.Name, p.Record, unixMilli(tx.now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add passkey: %w", err)
	}
	return id, nil
}

// UsePasskey stores a passkey's record as a sign-in left it (the sign
// count moves) and when it was used.
func (tx *Tx) UsePasskey(ctx context.Context, credentialID []byte, record string) error {
	res, err := tx.exec(ctx, `UPDATE passkeys SET record = ?, last_used_at = ? WHERE credential_id = ?`, record, unixMilli(tx.now), credentialID)
	if err != nil {
		return fmt.Errorf("use passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("use passkey: %w", ErrNotFound)
	}
	return nil
}

// DeletePasskey removes one passkey; the recovery codes go with the last
// second factor.
func (tx *Tx) DeletePasskey(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM passkeys WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete passkey %d: %w", id, ErrNotFound)
	}
	return tx.dropUnusedRecoveryCodes(ctx)
}
