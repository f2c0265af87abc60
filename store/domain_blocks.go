package store

import (
	"context"
)

// PutDomainBlock blocks a domain; it reports whether it is new.
func (tx *Tx) PutDomainBlock(ctx context.Context, domain string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO domain_blocks (domain, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, domain, unixMilli(tx.now))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeleteDomainBlock unblocks a domain.
func (tx *Tx) DeleteDomainBlock(ctx context.Context, domain string) error {
	_, err := tx.exec(ctx, `DELETE FROM domain_blocks WHERE domain = ?`, domain)
	return err
}

// DomainBlocks lists blocked domains.
func (db *DB) DomainBlocks(ctx context.Context) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT domain FROM domain_blocks ORDER BY domain`)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}
