package store

import (
	"context"
	"fmt"
)

// Setting returns one setting's value, or ErrNotFound when it was never set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return "", notFound(err, "setting "+key)
	}
	return v, nil
}

// SetSetting stores one setting.
func (tx *Tx) SetSetting(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}
