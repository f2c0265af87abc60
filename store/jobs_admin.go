package store

import (
	"context"
	"fmt"
)

// What the operator does with the queue from the command line: look at
// it, retry dead jobs, drop them.

// Jobs lists up to limit jobs, in one state or all of them ("" ), oldest
// run_at first.
func (db *DB) Jobs(ctx context.Context, state string, limit int) ([]Job, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE ? = '' OR state = ? ORDER BY run_at, id LIMIT ?`,
		state, state, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return scanJobs(rows)
}

// RetryDeadJob puts one dead job back in the queue with a fresh attempt
// count; it reports ErrNotFound when no dead job has that id.
func (tx *Tx) RetryDeadJob(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE id = ? AND state = 'dead'`,
		unixMilli(tx.now), unixMilli(tx.now), id)
	if err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("dead job %d: %w", id, ErrNotFound)
	}
	return nil
}

// DropJob deletes a queued or dead job. A running job is left alone (its
// worker would record a result for a row that is gone), and so is a
// periodic one (the runner recreates it at start anyway); both report
// ErrNotFound.
func (tx *Tx) DropJob(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM jobs WHERE id = ? AND state != 'running'
		AND (unique_key IS NULL OR unique_key NOT LIKE 'periodic:%')`, id)
	if err != nil {
		return fmt.Errorf("drop job %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("queued or dead job %d: %w", id, ErrNotFound)
	}
	return nil
}

// DropDeadJobs deletes every dead job and returns how many.
func (tx *Tx) DropDeadJobs(ctx context.Context) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM jobs WHERE state = 'dead' AND (unique_key IS NULL OR unique_key NOT LIKE 'periodic:%')`)
	if err != nil {
		return 0, fmt.Errorf("drop dead jobs: %w", err)
	}
	return res.RowsAffected()
}
