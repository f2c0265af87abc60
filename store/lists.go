package store

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// List is one of the owner's lists of accounts.
type List struct {
	ID            int64
	Title         string
	RepliesPolicy string // followed, list or none
	Exclusive     bool   // members' posts stay out of home
	CreatedAt     time.Time
}

// CreateList makes a list and returns its id. An empty policy means
// "list", Mastodon's default.
func (tx *Tx) CreateList(ctx context.Context, l List) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO lists (title, replies_policy, exclusive, created_at) VALUES (?, ?, ?, ?)`,
		l.Title, cmp.Or(l.RepliesPolicy, "list"), l.Exclusive, unixMilli(tx.now))
	if err != nil {
		return 0, fmt.Errorf("create list: %w", err)
	}
	return res.LastInsertId()
}

// UpdateList changes a list's title, policy and exclusivity.
func (tx *Tx) UpdateList(ctx context.Context, l List) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?`,
		l.Title, cmp.Or(l.RepliesPolicy, "list"), l.Exclusive, l.ID)
	return affectedOne(res, err, fmt.Sprintf("list %d", l.ID))
}

// DeleteList deletes a list (its members stay followed).
func (tx *Tx) DeleteList(ctx context.Context, id int64) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM lists WHERE id = ?`, id)
	return affectedOne(res, err, fmt.Sprintf("list %d", id))
}

// affectedOne turns an update or delete that touched no row into
// ErrNotFound.
func affectedOne(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

const listColumns = `id, title, replies_policy, exclusive, created_at`

func scanList(row interface{ Scan(...any) error }) (List, error) {
	var l List
	var created int64
	err := row.Scan(&l.ID, &l.Title, &l.RepliesPolicy, &l.Exclusive, &created)
	l.CreatedAt = fromMilli(created)
	return l, err
}

// ListByID returns a list.
func (db *DB) ListByID(ctx context.Context, id int64) (List, error) {
	l, err := scanList(db.read.QueryRowContext(ctx, `SELECT `+listColumns+` FROM lists WHERE id = ?`, id))
	if err != nil {
		return List{}, notFound(err, fmt.Sprintf("list %d", id))
	}
	return l, nil
}

// Lists returns every list, by title.
func (db *DB) Lists(ctx context.Context) ([]List, error) {
	return db.lists(ctx, `SELECT `+listColumns+` FROM lists ORDER BY title COLLATE NOCASE, id`)
}

// ListsWith returns the lists an account is in, by title.
func (db *DB) ListsWith(ctx context.Context, actorID int64) ([]List, error) {
	return db.lists(ctx, `SELECT `+listColumns+` FROM lists WHERE id IN (SELECT list_id FROM list_accounts WHERE actor_id = ?)
		ORDER BY title COLLATE NOCASE, id`, actorID)
}

func (db *DB) lists(ctx context.Context, q string, args ...any) ([]List, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("lists: %w", err)
	}
	defer rows.Close()
	var out []List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AddListAccounts adds accounts to a list (those already in it are fine).
// Mastodon only allows accounts the owner follows; the caller checks that.
func (tx *Tx) AddListAccounts(ctx context.Context, listID int64, actorIDs []int64) error {
	var one int
	if err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM lists WHERE id = ?`, listID).Scan(&one); err != nil {
		return notFound(err, fmt.Sprintf("list %d", listID))
	}
	for _, id := range actorIDs {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO list_accounts (list_id, actor_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, listID, id); err != nil {
			return fmt.Errorf("add %d to list %d: %w", id, listID, err)
		}
	}
	return nil
}

// RemoveListAccounts removes accounts from a list.
func (tx *Tx) RemoveListAccounts(ctx context.Context, listID int64, actorIDs []int64) error {
	for _, id := range actorIDs {
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM list_accounts WHERE list_id = ? AND actor_id = ?`, listID, id); err != nil {
			return fmt.Errorf("remove %d from list %d: %w", id, listID, err)
		}
	}
	return nil
}

// ListAccounts pages a list's members by actor id, highest first (Mastodon
// pages them by account id too); limit 0 means all of them.
func (db *DB) ListAccounts(ctx context.Context, listID int64, pg Page) ([]Actor, error) {
	cond, args, ascending := pg.bounds("a.id")
	order := "DESC"
	if ascending {
		order = "ASC"
	}
	limit := -1
	if pg.Limit > 0 {
		limit = clampLimit(pg.Limit)
	}
	out, err := db.actorList(ctx, `SELECT `+prefixed("a.", actorColumns)+` FROM list_accounts la JOIN actors a ON a.id = la.actor_id
		WHERE la.list_id = ? AND `+cond+` ORDER BY a.id `+order+` LIMIT ?`, append(append([]any{listID}, args...), limit)...)
	if ascending {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, err
}
